"""The incentives' tables."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import to_local, utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import Region, User
from registry.volunteers.models import Station, Volunteer

REDEMPTION_STATUSES = {"reserved": _l(
    "待领取"), "fulfilled": _l("已领取"), "cancelled": _l("已取消")}


class PointsStore(db.Model):
    """A township's 积分超市, run by its volunteer station (one store per station)."""

    __label__ = _l("积分超市")

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

    __label__ = _l("积分超市商品")

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

    __label__ = _l("补货记录")

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

    __label__ = _l("积分兑换")
    __field_labels__ = {"item_id": _l("商品")}  # not a directory item (audit_labels.py)

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

    __label__ = _l("家庭户")

    id: Mapped[int] = mapped_column(primary_key=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    name: Mapped[str] = mapped_column(String(50))
    head_volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    head: Mapped["Volunteer"] = relationship("Volunteer")

    __table_args__ = (Index("ix_household_township_id", "township_code", "id"),
                      # the station's search by household name (prefix)
                      Index("ix_household_township_name", "township_code", "name"))

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

    __label__ = _l("家庭户成员")

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


REPORT_CATEGORIES = {
    "illegal_organization": _l("非法社会组织"),
    "safety_hazard": _l("安全隐患"),
    "public_order": _l("治安秩序"),
    "environment": _l("环境卫生"),
    "other": _l("其他"),
}
REPORT_STATUSES = {
    "submitted": _l("已受理"),
    "investigating": _l("调查中"),
    "upheld": _l("属实"),
    "rejected": _l("不属实"),
    "duplicate": _l("重复举报"),
}
REWARD_STATUSES = {
    "": "—",
    "none": _l("无奖励"),
    "unclaimed": _l("待认领"),  # an anonymous reporter claims it with the tracking code
    "credited": _l("积分已发放"),
    "approved": _l("奖金已核准，待线下发放"),
    "paid": _l("奖金已线下发放"),
    "excluded": _l("不予奖励"),
}


class Report(db.Model):
    """A report (举报); the reporter's account and contact are personal data, kept apart."""

    __label__ = _l("举报")

    # The reporter's account and contact never show in an audit row, even masked.
    __masked_fields__ = {"contact_encrypted": "secret", "contact_masked": "secret",
                         "reporter_user_id": "secret", "claimant_user_id": "secret"}
    __table_args__ = (
        Index("ix_report_township_id", "township_code", "id"),
        Index("ix_report_status_township", "status", "township_code", "id"),
        Index("ix_report_category_township", "category", "township_code", "id"),
        Index("ix_report_created_at_township", "created_at", "township_code"),
        CheckConstraint("reward_points >= 0 AND reward_fen >= 0", name="reward_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    category: Mapped[str] = mapped_column(String(30))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    description: Mapped[str] = mapped_column(Text)
    reported_party: Mapped[str] = mapped_column(String(200), default="")
    reported_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    photo_name: Mapped[str] = mapped_column(String(64), default="")
    photo_type: Mapped[str] = mapped_column(String(30), default="")
    contact_encrypted: Mapped[str] = mapped_column(Text, default="")
    contact_masked: Mapped[str] = mapped_column(String(40), default="")
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    outcome_comment: Mapped[str] = mapped_column(Text, default="")
    reward_points: Mapped[int] = mapped_column(default=0)
    reward_fen: Mapped[int] = mapped_column(default=0)
    reward_status: Mapped[str] = mapped_column(String(20), default="")
    reward_note: Mapped[str] = mapped_column(String(200), default="")
    claimant_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    township: Mapped[Region] = relationship(Region)
    duplicate_of: Mapped["Report | None"] = relationship(remote_side=[id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @property
    def category_label(self) -> str:
        return REPORT_CATEGORIES.get(self.category, self.category)

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES.get(self.status, self.status)

    @property
    def reward_status_label(self) -> str:
        return REWARD_STATUSES.get(self.reward_status, self.reward_status)


DEED_CATEGORIES = (_l(
    "孝老爱亲"), _l("环境卫生"), _l("邻里互助"), _l("移风易俗"), _l("见义勇为"), _l("其他"))
DEED_STATUSES = {
    "pending": _l("待审核"),
    "publicized": _l("公示中"),
    "objected": _l("有异议，复核中"),
    "credited": _l("已记分"),
    "rejected": _l("未通过"),
}


class MoralRule(db.Model):
    """One line of a county's 道德银行 rules table: a deed and its points for a period."""

    __label__ = _l("道德银行规则")

    __table_args__ = (
        Index("ix_moral_rule_county_category", "county_code", "category", "id"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    category: Mapped[str] = mapped_column(String(20))
    deed: Mapped[str] = mapped_column(String(100))
    points: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county: Mapped[Region] = relationship(Region)

    @classmethod
    def jurisdiction_column(cls):
        return cls.county_code

    def __str__(self) -> str:
        return _(
            "%(category)s·%(deed)s（%(points)s 分）",
            category=self.category, deed=self.deed, points=self.points)


class Deed(db.Model):
    """A good deed recorded for a resident: four eyes, then 公示, then the points."""

    __label__ = _l("善行")

    __table_args__ = (
        Index("ix_deed_township_id", "township_code", "id"),
        Index("ix_deed_status_until", "status", "publicized_until"),
        Index("ix_deed_volunteer_date", "volunteer_id", "deed_date"),
        Index("ix_deed_created_at_township", "created_at", "township_code"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("moral_rule.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    category: Mapped[str] = mapped_column(String(20))  # copied from the rule when recorded
    points: Mapped[int]  # copied from the rule: a later change of the table changes no deed
    deed_date: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    photo_name: Mapped[str] = mapped_column(String(64), default="")
    photo_type: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    publicized_until: Mapped[datetime | None]
    credited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[MoralRule] = relationship(MoralRule)
    volunteer: Mapped[Volunteer] = relationship(Volunteer)
    township: Mapped[Region] = relationship(Region)
    recorder: Mapped[User] = relationship(User, foreign_keys=[recorded_by])

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def status_label(self) -> str:
        return DEED_STATUSES.get(self.status, self.status)


class DeedObjection(db.Model):
    """An objection to a deed during its 公示 (anyone may raise one, with a reason)."""

    __label__ = _l("善行异议")

    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    deed_id: Mapped[int] = mapped_column(ForeignKey("deed.id"), index=True)
    township_code: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code


class Benefit(db.Model):
    """A benefit the city publishes for volunteers (公益反哺), with a quota of claims."""

    __label__ = _l("公益反哺项目")

    __table_args__ = (
        Index("ix_benefit_city_id", "city_code", "id"),
        CheckConstraint("claimed >= 0 AND claimed <= quota", name="claimed_within_quota"),
        CheckConstraint("min_star >= 0 AND min_star <= 5 AND min_hours >= 0",
                        name="levels_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    provider: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100))
    details: Mapped[str] = mapped_column(Text, default="")
    min_star: Mapped[int] = mapped_column(default=0)
    min_hours: Mapped[int] = mapped_column(default=0)
    quota: Mapped[int]
    claimed: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    # The provider's staff: the account that confirms use with the claim code.
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider_user: Mapped[User | None] = relationship(User, foreign_keys=[provider_user_id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.city_code


class BenefitClaim(db.Model):
    """A volunteer's claim of a benefit: a claim code, used once at the provider."""

    __label__ = _l("公益反哺领取")

    __table_args__ = (
        UniqueConstraint("benefit_id", "volunteer_id", name="uq_benefit_claim_once"),
        Index("ix_benefit_claim_volunteer_id", "volunteer_id", "id"),
        Index("ix_benefit_claim_claimed_at_township", "claimed_at", "township_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="claimed")  # claimed | used
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    benefit: Mapped[Benefit] = relationship(Benefit)
    volunteer: Mapped[Volunteer] = relationship(Volunteer)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def status_label(self) -> str:
        return {"claimed": _("已领取，待使用"), "used": _("已使用")}.get(self.status, self.status)
