"""The ledger's tables: PointsLedgerEntry (append-only) and PointsBalance (one row per volunteer),
and the kinds of entry with the balance column each counts towards."""

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.extensions import db
from registry.volunteers.models import Volunteer

BIGINT = db.BigInteger().with_variant(db.Integer, "sqlite")

KIND_LABELS = {
    "earn": "服务获得",
    "adjust": "更正补记",
    "reverse": "更正冲减",
    "redeem": "兑换",
    "refund": "兑换退回",
    "expire": "过期",
    # issue 11, reports/deeds (registry/incentives/reports.py, deeds.py)
    "report": "举报奖励",
    "deed": "道德银行",
}
# Which PointsBalance column a kind counts towards; earned += points, spent/expired -= points.
KIND_BUCKETS = {
    "earn": "earned",
    "adjust": "earned",
    "reverse": "earned",
    "redeem": "spent",
    "refund": "spent",
    "expire": "expired",
    "report": "earned",
    "deed": "earned",
}
MAX_POINTS = 10**9


class PointsLedgerEntry(db.Model):
    """One movement of a volunteer's points; never changed or removed."""

    __append_only__ = True
    __table_args__ = (
        UniqueConstraint("kind", "ref", name="uq_points_ledger_entry_kind_ref"),
        Index("ix_points_ledger_entry_volunteer_id", "volunteer_id", "id"),
        Index("ix_points_ledger_entry_township_id", "township_code", "id"),
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

    __audit_skip__ = True  # derived from the (audited) entries; changed by guarded UPDATEs only

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
