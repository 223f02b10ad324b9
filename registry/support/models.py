"""Models for incubation (孵化培育), training (人才培养) and grants (资金支持, 公益创投).

Every row carries the region_code that decides who sees it: an incubator's, copied onto its
intakes, applications and milestones; a training's, copied onto its attendance; and for a
grant the recipient organization's region at the time of the grant.
"""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    exists,
    or_,
    select,
    union,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import ORG_ADMIN, Region, always
from registry.organizations.models import Organization

INCUBATION_STATUSES = {
    "applied": _l("已申请"),
    "under_review": _l("评审中"),
    "admitted": _l("入驻孵化"),
    "mid_review": _l("中期评估"),
    "graduated": _l("出壳"),
    "exited": _l("退出"),
    "rejected": _l("未通过"),
}
GRANT_TYPES = {
    "venture": _l("公益创投"),
    "award": _l("以奖代补"),
    "service_subsidy": _l("购买服务补助"),
    "other": _l("其他"),
}
GRANT_STATUSES = {"approved": _l("已批准"), "paid": _l("已拨付"), "cancelled": _l("已撤销")}

FEN = BigInteger().with_variant(db.Integer, "sqlite")


def _own_org(column, user) -> ColumnElement[bool]:
    """An org_admin's rows: those of their organization (nothing without one)."""
    return column == (user.organization_id or -1)


def _representative(user) -> ColumnElement[bool]:
    """All rows for an organization's representative (org_admin); none for a volunteer."""
    return always(user.role == ORG_ADMIN)


class Incubator(db.Model):
    """A 社会组织孵化基地, often run by a hub organization."""

    __label__ = _l("孵化基地")

    __table_args__ = (Index("ix_incubator_region_id", "region_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped["Region"] = relationship("Region")
    operator: Mapped["Organization | None"] = relationship("Organization")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        # An incubator is a public facility: representatives see all of them, to apply.
        return _representative(user)

    def __str__(self) -> str:
        return self.name


class IncubationIntake(db.Model):
    """One yearly intake (招募批次) of an incubator: its dates and how many it admits."""

    __label__ = _l("孵化招募批次")

    __table_args__ = (
        UniqueConstraint("incubator_id", "year", "title", name="uq_incubation_intake_title"),
        Index("ix_incubation_intake_region_id", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    incubator_id: Mapped[int] = mapped_column(ForeignKey("incubator.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9))
    year: Mapped[int]
    title: Mapped[str] = mapped_column(String(100))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    capacity: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incubator: Mapped[Incubator] = relationship()

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return _representative(user)

    def __str__(self) -> str:
        return _("%(year)s年 %(title)s", year=self.year, title=self.title)


class Incubation(db.Model):
    """An organization's application to an intake and, once admitted, its incubation."""

    __label__ = _l("孵化申请")
    __value_labels__ = {"status": INCUBATION_STATUSES}

    __table_args__ = (
        UniqueConstraint("intake_id", "organization_id", name="uq_incubation_intake_org"),
        Index("ix_incubation_region_id", "region_code", "id"),
        Index("ix_incubation_intake_status", "intake_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    intake_id: Mapped[int] = mapped_column(ForeignKey("incubation_intake.id"))
    incubator_id: Mapped[int] = mapped_column(ForeignKey("incubator.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9))
    status: Mapped[str] = mapped_column(String(20), default="applied", index=True)
    plan: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    score: Mapped[int | None]
    score_comment: Mapped[str] = mapped_column(Text, default="")
    scored_by: Mapped[str] = mapped_column(String(64), default="")
    start_on: Mapped[date | None]
    end_on: Mapped[date | None]
    mentor: Mapped[str] = mapped_column(String(50), default="")
    agreement_no: Mapped[str] = mapped_column(String(50), default="")
    mid_score: Mapped[int | None]
    mid_comment: Mapped[str] = mapped_column(Text, default="")
    finished_on: Mapped[date | None]
    outcome_comment: Mapped[str] = mapped_column(Text, default="")

    intake: Mapped[IncubationIntake] = relationship()
    incubator: Mapped[Incubator] = relationship()
    organization: Mapped["Organization"] = relationship("Organization")
    milestones: Mapped[list["IncubationMilestone"]] = relationship(
        back_populates="incubation", order_by="IncubationMilestone.due_on"
    )

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        """Its own applications, and for the incubator's operator (the hub) those it runs."""
        operated = select(Incubator.id).where(_own_org(Incubator.operator_id, user))
        return or_(_own_org(cls.organization_id, user), cls.incubator_id.in_(operated))

    def __str__(self) -> str:
        return _("孵化申请 #%(id)s", id=self.id)


class IncubationMilestone(db.Model):
    """A milestone of an incubation: what is due when, and when it was done."""

    __label__ = _l("孵化里程碑")

    id: Mapped[int] = mapped_column(primary_key=True)
    incubation_id: Mapped[int] = mapped_column(ForeignKey("incubation.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    title: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    incubation: Mapped[Incubation] = relationship(back_populates="milestones")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.incubation_id.in_(
            select(Incubation.id).where(Incubation.owner_condition(user))
        )


class Training(db.Model):
    """A training for organizations' staff, published by officials of a region."""

    __label__ = _l("培训")

    __table_args__ = (
        Index("ix_training_region_id", "region_code", "id"),
        Index("ix_training_held_on", "held_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    held_on: Mapped[date]
    minutes: Mapped[int]
    place: Mapped[str] = mapped_column(String(200), default="")
    organizer: Mapped[str] = mapped_column(String(100), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped["Region"] = relationship("Region")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        """Trainings published for the organization's township, county or city, and any its
        people attended."""
        org_region = (
            select(Organization.region_code)
            .where(Organization.id == (user.organization_id or -1))
            .scalar_subquery()
        )
        above = union(
            select(Region.code).where(Region.code == org_region),
            select(Region.county_code).where(Region.code == org_region),
            select(Region.city_code).where(Region.code == org_region),
        )
        attended = exists().where(
            TrainingAttendance.training_id == cls.id,
            _own_org(TrainingAttendance.organization_id, user),
        )
        return or_(cls.region_code.in_(above), attended)

    def __str__(self) -> str:
        return self.title


class TrainingAttendance(db.Model):
    """One person of an organization who attended a training."""

    __label__ = _l("参训记录")

    __masked_fields__ = {"person_name": "name"}
    __table_args__ = (
        UniqueConstraint("training_id", "organization_id", "person_name",
                         name="uq_training_attendance_person"),
        Index("ix_training_attendance_org_training", "organization_id", "training_id"),
        Index("ix_training_attendance_region_id", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    person_name: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    training: Mapped[Training] = relationship()
    organization: Mapped["Organization"] = relationship("Organization")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return _own_org(cls.organization_id, user)


class Grant(db.Model):
    """Money granted to an organization (公益创投, 以奖代补 ...), in fen: approved, then paid."""

    __label__ = _l("资金支持")
    __value_labels__ = {"status": GRANT_STATUSES, "grant_type": GRANT_TYPES}

    __tablename__ = "funding_grant"  # "grant" is an SQL keyword
    __table_args__ = (
        Index("ix_funding_grant_region_id", "region_code", "id"),
        Index("ix_funding_grant_year_type", "year", "grant_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    grant_type: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(FEN)
    purpose: Mapped[str] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(200), default="")
    granted_on: Mapped[date]
    year: Mapped[int]
    status: Mapped[str] = mapped_column(String(20), default="approved", index=True)
    paid_on: Mapped[date | None]
    paid_at: Mapped[datetime | None]
    payment_ref: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped["Organization"] = relationship("Organization")
    region: Mapped["Region"] = relationship("Region")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return _own_org(cls.organization_id, user)

    def __str__(self) -> str:
        return _("资金支持 #%(id)s", id=self.id)
