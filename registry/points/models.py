"""The ledger's tables: PointsLedgerEntry (append-only) and PointsBalance (one row per volunteer),
and the kinds of entry with the balance column each counts towards."""

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.volunteers.models import Volunteer

BIGINT = db.BigInteger().with_variant(db.Integer, "sqlite")

KIND_LABELS = {
    "earn": _l("服务获得"),
    "adjust": _l("更正补记"),
    "reverse": _l("更正冲减"),
    "redeem": _l("兑换"),
    "refund": _l("兑换退回"),
    "expire": _l("过期"),
    "transfer": _l("转入户积分"),
    "report": _l("举报奖励"),
    "deed": _l("道德银行"),
}
# Which PointsBalance column a kind counts towards; earned += points, spent/expired -= points.
KIND_BUCKETS = {
    "earn": "earned",
    "adjust": "earned",
    "reverse": "earned",
    "redeem": "spent",
    "refund": "spent",
    "expire": "expired",
    "transfer": "spent",  # a member's points moved into their household's pool
    "report": "earned",
    "deed": "earned",
}
# A household pool's kinds (HouseholdPointsEntry) and the HouseholdBalance column each counts
# towards: the pool only receives members' transfers, pays redemptions and loses expiries.
POOL_KIND_LABELS = {
    "pool_in": _l("成员转入"),
    "redeem": _l("兑换"),
    "refund": _l("兑换退回"),
    "expire": _l("过期"),
}
POOL_KIND_BUCKETS = {"pool_in": "earned", "redeem": "spent", "refund": "spent",
                     "expire": "expired"}
MAX_POINTS = 10**9


class PointsLedgerEntry(db.Model):
    """One movement of a volunteer's points; never changed or removed."""

    __label__ = _l("积分流水")
    __value_labels__ = {"kind": KIND_LABELS}

    __append_only__ = True
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_points_ledger_entry_kind_ref"),
        Index("ix_points_ledger_entry_volunteer_id", "volunteer_id", "id"),
        Index("ix_points_ledger_entry_township_id", "township_code", "id"),
        # Expiry reads one account's entries older than a date (incentives/expiry.py).
        Index("ix_points_ledger_entry_volunteer_id_created_at", "volunteer_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))  # the volunteer's, for scoping
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int]
    balance_after: Mapped[int]
    memo: Mapped[str] = mapped_column(String(200), default="")
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    volunteer: Mapped["Volunteer"] = relationship("Volunteer")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)


class PointsBalance(db.Model):
    """A volunteer's current points: balance = earned − spent − expired."""

    __label__ = _l("积分余额")

    __audit_skip__ = True  # derived from the (audited) entries; changed by guarded UPDATEs only
    # The last line of defence under the guarded UPDATEs of ledger.py (both databases enforce
    # CHECK constraints; SQLite since 3.3).
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(default=0)
    earned: Mapped[int] = mapped_column(default=0)
    spent: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def jurisdiction_column(cls):
        return select(Volunteer.township_code).where(
            Volunteer.id == cls.volunteer_id).scalar_subquery()

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))


class HouseholdPointsEntry(db.Model):
    """One movement of a household pool's points (户积分); never changed or removed."""

    __label__ = _l("户积分流水")

    __append_only__ = True
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_household_points_entry_kind_ref"),
        Index("ix_household_points_entry_household_id", "household_id", "id"),
        Index("ix_household_points_entry_household_id_created_at", "household_id",
              "created_at"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"))
    township_code: Mapped[str] = mapped_column(String(9), index=True)  # the household's
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteer.id"))  # the member
    kind: Mapped[str] = mapped_column(String(10))
    points: Mapped[int]
    balance_after: Mapped[int]
    memo: Mapped[str] = mapped_column(String(200), default="")
    ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @property
    def kind_label(self) -> str:
        return POOL_KIND_LABELS.get(self.kind, self.kind)


class HouseholdBalance(db.Model):
    """A household pool's current points: balance = earned (transfers in) − spent − expired."""

    __audit_skip__ = True  # derived from the (audited) entries; changed by guarded UPDATEs only
    __table_args__ = (CheckConstraint("balance >= 0", name="balance_not_negative"),)

    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), primary_key=True)
    balance: Mapped[int] = mapped_column(default=0)
    earned: Mapped[int] = mapped_column(default=0)
    spent: Mapped[int] = mapped_column(default=0)
    expired: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PointsMonthStats(db.Model):
    """Per township and Beijing month: points issued, redeemed and expired (both books).

    Kept current by points/month_stats.py in the same transaction as every ledger write, so
    officials' statistics read a few thousand rows instead of grouping the 20M-row ledger."""

    __audit_skip__ = True  # derived from the (audited) ledger entries
    __table_args__ = (
        # The city's and counties' month filter; the primary key serves one township's months.
        Index("ix_points_month_stats_month", "month", "township_code"),
    )

    township_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # YYYYMM, Beijing time
    issued: Mapped[int] = mapped_column(BIGINT, default=0)  # net: a reversal subtracts
    redeemed: Mapped[int] = mapped_column(BIGINT, default=0)  # net: a cancellation's refund
    expired: Mapped[int] = mapped_column(BIGINT, default=0)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code


class PointsEarnedMonth(db.Model):
    """Per volunteer and UTC month: the points of their earning entries (net of reversals).

    Kept by points/earned_months.py in the same transaction as every earning entry, so that
    what expires (incentives/expiry.py: the points earned before a cutoff) is a sum over at
    most a few dozen months, not over every entry a volunteer ever had."""

    __audit_skip__ = True  # derived from the (audited) ledger entries

    volunteer_id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True)  # YYYYMM of created_at (UTC)
    earned: Mapped[int] = mapped_column(BIGINT, default=0)
