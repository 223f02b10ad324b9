"""Volunteer service: stations in townships, volunteers, and the per-township yearly counters."""

from datetime import date, datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.models import Region, User

VOLUNTEER_STATUSES = {
    "pending": _l("待审核"),
    "returned": _l("已退回修改"),
    "rejected": _l("不予通过"),
    "active": _l("已注册"),
    "suspended": _l("已暂停"),
    "deregistered": _l("已注销"),
}

GENDERS = {"M": _l("男"), "F": _l("女")}
STAR_LABELS = (_l("未评星"), _l("一星"), _l("二星"), _l("三星"), _l("四星"), _l("五星"))


class Station(db.Model):
    """The volunteer service station (志愿服务站) of one township or street."""

    __label__ = _l("志愿服务站")

    __masked_fields__ = {"contact_phone": "phone"}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"), unique=True)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    established_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    township: Mapped["Region"] = relationship("Region")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    def __str__(self) -> str:
        return self.name


class Volunteer(db.Model):
    """A registered volunteer; the ID number is stored encrypted with a keyed hash for look-up."""

    __label__ = _l("志愿者")
    __value_labels__ = {"status": VOLUNTEER_STATUSES, "gender": GENDERS}

    __masked_fields__ = {"phone": "phone", "guardian_phone": "phone",
                         "id_number_masked": "id_number", "address": "contact",
                         "emergency_contact_name": "name", "emergency_contact_phone": "phone"}
    __table_args__ = (
        Index("ix_volunteer_township_id", "township_code", "id"),
        Index("ix_volunteer_status_township", "status", "township_code", "id"),
        # Newest first within a county or the city: an index-only walk that tests each row's
        # township in the index, never reading the table for the rows it skips.
        Index("ix_volunteer_id_township", "id", "township_code"),
        # A name-prefix search within a jurisdiction, its newest rows found and counted from
        # the index alone (id included: no table read for the rows that are not shown).
        Index("ix_volunteer_township_name", "township_code", "name", "id",
              postgresql_ops={"name": "varchar_pattern_ops"}),
        Index("ix_volunteer_source_id", "source", "id"),
        # Name-prefix search (LIKE '张%') on PostgreSQL whatever the database collation.
        Index("ix_volunteer_name_pattern", "name",
              postgresql_ops={"name": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), unique=True)
    volunteer_no: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(30), index=True)
    id_number_encrypted: Mapped[str] = mapped_column(Text)
    id_number_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_number_masked: Mapped[str] = mapped_column(String(18))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date]
    phone: Mapped[str] = mapped_column(String(11), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    skills: Mapped[str] = mapped_column(String(200), default="")
    guardian_name: Mapped[str] = mapped_column(String(30), default="")
    guardian_phone: Mapped[str] = mapped_column(String(11), default="")
    guardian_consent_at: Mapped[datetime | None]
    total_minutes: Mapped[int] = mapped_column(default=0)
    # The reason given with the last return (退回修改) or rejection (不予通过), shown to the
    # volunteer; cleared when they resubmit.
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Contact details the volunteer keeps current themself (/me/ and PATCH /volunteers/{id}).
    address: Mapped[str] = mapped_column(String(200), default="", server_default="")
    emergency_contact_name: Mapped[str] = mapped_column(String(30), default="",
                                                        server_default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(11), default="",
                                                         server_default="")
    # How the record came in: self (online), station (entered by staff), import (xlsx), bulk.
    source: Mapped[str] = mapped_column(String(10), default="self", server_default="self")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]

    township: Mapped["Region"] = relationship("Region")
    user: Mapped["User | None"] = relationship("User")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.user_id == user.id

    def __str__(self) -> str:
        return self.name


class TownshipYearStats(db.Model):
    """Running totals of one township in one year, kept current by township_stats.bump().

    Dashboards read these few rows instead of summing millions of volunteers, activities and
    ledger entries. `volunteers` is the net change of active volunteers in that year (+1 when
    one becomes active, -1 when one leaves the active state), so the sum over a township's years
    is its current number of active volunteers.
    """

    __label__ = _l("乡镇年度统计")

    __tablename__ = "township_year_stats"

    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    volunteers: Mapped[int] = mapped_column(default=0)
    activities: Mapped[int] = mapped_column(default=0)
    service_minutes: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"),
                                                 default=0)
    points_issued: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"),
                                               default=0)
    points_redeemed: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"),
                                                 default=0)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code


class TownshipMonthStats(db.Model):
    """Running totals of one township in one Beijing month (YYYYMM), kept by the same
    township_counters.bump() as TownshipYearStats, in the same transaction: the dashboards'
    volunteers and minutes by month. `volunteers` is the net change of active volunteers in
    that month (as in the year's row), so the months of a year add up to the year's row."""

    __label__ = _l("乡镇月度统计")
    __audit_skip__ = True  # derived from the (audited) volunteers, activities and records
    __tablename__ = "township_month_stats"
    # The city's and counties' month range; the primary key serves one township's months.
    __table_args__ = (Index("ix_township_month_stats_month", "month", "township_code"),)

    township_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # YYYYMM
    volunteers: Mapped[int] = mapped_column(default=0)
    activities: Mapped[int] = mapped_column(default=0)
    service_minutes: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"),
                                                 default=0)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code
