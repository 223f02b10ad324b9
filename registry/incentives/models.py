"""The incentives' tables."""

# ---- 积分超市 (points stores), redemptions and household accounts (户积分): issue 11 --------
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import to_local, utcnow
from registry.extensions import db
from registry.models import User
from registry.volunteers.models import Station, Volunteer

REDEMPTION_STATUSES = {"reserved": _l(
    "待领取"), "fulfilled": _l("已领取"), "cancelled": _l("已取消")}


class PointsStore(db.Model):
    """A township's 积分超市, run by its volunteer station (one store per station)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), unique=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200), default="")
    opening_hours: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped["Station"] = relationship("Station")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.id.isnot(None)  # every volunteer may browse every store (通存通兑)


class StoreItem(db.Model):
    """A good or service a store gives for points, with its stock."""

    __table_args__ = (
        CheckConstraint("points_price > 0", name="points_price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        Index("ix_store_item_store_id_id", "store_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("points_store.id"))
    township_code: Mapped[str] = mapped_column(String(9), index=True)  # the store's
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    points_price: Mapped[int]
    stock: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    store: Mapped["PointsStore"] = relationship("PointsStore")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.active.is_(True)


class StoreRestock(db.Model):
    """Goods put on a store's shelf: who, how many, the stock after (append-only)."""

    __append_only__ = True
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_store_restock_item_id_id", "item_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("store_item.id"))
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    quantity: Mapped[int]
    stock_after: Mapped[int]
    memo: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    creator: Mapped["User"] = relationship("User")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code


class Redemption(db.Model):
    """Points exchanged for goods: reserved (points taken, stock taken) → fulfilled (handed
    over) or cancelled (both given back). `store_township_code` and `payer_township_code`
    (where the points were earned: the redeemer's or household's township) feed the city's
    monthly settlement (通存通兑)."""

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_redemption_volunteer_id_id", "volunteer_id", "id"),
        Index("ix_redemption_store_township_id", "store_township_code", "id"),
        Index("ix_redemption_created_at_towns", "created_at", "store_township_code",
              "payer_township_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("store_item.id"))
    store_id: Mapped[int] = mapped_column(ForeignKey("points_store.id"))
    store_township_code: Mapped[str] = mapped_column(String(9))
    payer_township_code: Mapped[str] = mapped_column(String(9))
    item_name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int]
    unit_price: Mapped[int]
    points: Mapped[int]
    balance_after: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default="reserved")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    fulfilled_at: Mapped[datetime | None]
    fulfilled_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")

    volunteer: Mapped["Volunteer"] = relationship("Volunteer")
    store: Mapped["PointsStore"] = relationship("PointsStore")

    @classmethod
    def jurisdiction_column(cls):
        return cls.store_township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def status_label(self) -> str:
        return REDEMPTION_STATUSES.get(self.status, self.status)

    @property
    def receipt_no(self) -> str:
        return f"DH{to_local(self.created_at):%Y%m%d}{self.id:06d}"


class Household(db.Model):
    """A household (户) of one township whose members pool points (户积分)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    name: Mapped[str] = mapped_column(String(50))
    head_volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    head: Mapped["Volunteer"] = relationship("Volunteer")

    __table_args__ = (Index("ix_household_township_id", "township_code", "id"),)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.id.in_(select(HouseholdMember.household_id).join(
            Volunteer, Volunteer.id == HouseholdMember.volunteer_id).where(
            Volunteer.user_id == user.id, HouseholdMember.left_at.is_(None)))


class HouseholdMember(db.Model):
    """A person's membership of a household, from joining to leaving (kept afterwards).
    One current household per person: a unique index on volunteer_id over the rows not left."""

    __table_args__ = (
        Index("ix_household_member_household_id", "household_id", "id"),
        Index("uq_household_member_current", "volunteer_id", unique=True,
              sqlite_where=db.text("left_at IS NULL"),
              postgresql_where=db.text("left_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))
    is_head: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]

    volunteer: Mapped["Volunteer"] = relationship("Volunteer")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code
# ---- end of the points stores and households --------------------------------------------
