"""Models for activities, sign-ups, service records and corrections, and certificates.
"""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import VOLUNTEER, Region, User, always
from registry.volunteers.models import Station, Volunteer

ACTIVITY_STATUSES = {
    "draft": _l("草稿"),
    "published": _l("已发布"),
    "closed": _l("已结束"),
    "cancelled": _l("已取消"),
}
SIGNUP_STATUSES = {
    "signed_up": _l("已报名"),
    "waitlisted": _l("候补"),
    "cancelled": _l("已取消"),
    "checked_in": _l("已签到"),
    "checked_out": _l("已签退"),
    "confirmed": _l("已确认时长"),
    "no_show": _l("未到场"),
}
ACTIVITY_CATEGORIES = {
    "community": _l("社区服务"),
    "elderly": _l("扶老助残"),
    "civility": _l("文明实践"),
    "environment": _l("生态环保"),
    "emergency": _l("应急救援"),
    "education": _l("文化教育"),
    "health": _l("医疗卫生"),
    "legal": _l("法律服务"),
    "other": _l("其他"),
}
REVIEW_STATUSES = {
    "pending": _l("待审核"),
    "approved": _l("已批准"),
    "rejected": _l("已驳回"),
}


def _own_volunteer_ids(user) -> ColumnElement:
    """The ids of the volunteer records of user (one at most), as a subquery."""
    return select(Volunteer.id).where(Volunteer.user_id == user.id)


class Activity(db.Model):
    """A volunteer activity (志愿服务活动) published by a township's station."""

    __label__ = _l("活动")
    __value_labels__ = {"status": ACTIVITY_STATUSES, "category": ACTIVITY_CATEGORIES}

    __table_args__ = (
        Index("ix_activity_township_id", "township_code", "id"),
        Index("ix_activity_status_starts", "status", "starts_at"),
        # The back office's title search by prefix (LIKE 'x%') whatever the collation.
        Index("ix_activity_title_pattern", "title",
              postgresql_ops={"title": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text, default="")
    # Practical notes for participants (what to wear, when to arrive): shown on the activity
    # page, never on a certificate, whose 服务内容 is `content`.
    notice: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(20), default="community")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int]
    points_per_hour: Mapped[int] = mapped_column(default=0)
    # 适合未成年人参加 (registry/activities/minors.py decides the default and what may be set).
    suitable_for_minors: Mapped[bool] = mapped_column(default=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    station: Mapped["Station"] = relationship("Station")
    township: Mapped["Region"] = relationship("Region")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        # Volunteers see every published (or closed) activity: they are public anyway.

        if user.role == VOLUNTEER:
            return cls.status.in_(("published", "closed"))
        return always(False)

    @property
    def length_minutes(self) -> int:
        """The scheduled length in whole minutes."""
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    def phase(self, now: datetime | None = None) -> str:
        """upcoming, in_progress or ended (from the times), for a published activity."""
        now = now or utcnow()
        if now < self.starts_at:
            return "upcoming"
        if now < self.ends_at:
            return "in_progress"
        return "ended"

    def __str__(self) -> str:
        return self.title


class Signup(db.Model):
    """A volunteer's place (or waiting-list place) in an activity, and their check-in/out."""

    __label__ = _l("活动报名")
    __value_labels__ = {"status": SIGNUP_STATUSES}

    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id", name="uq_signup_activity_volunteer"),
        Index("ix_signup_activity_status_queue", "activity_id", "status", "queued_at", "id"),
        Index("ix_signup_volunteer_id", "volunteer_id", "id"),
        Index("ix_signup_township_id", "township_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))  # the activity's
    status: Mapped[str] = mapped_column(String(20))
    walk_in: Mapped[bool] = mapped_column(default=False)
    queued_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]
    check_in_at: Mapped[datetime | None]
    check_out_at: Mapped[datetime | None]

    activity: Mapped["Activity"] = relationship("Activity")
    volunteer: Mapped["Volunteer"] = relationship("Volunteer")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.volunteer_id.in_(_own_volunteer_ids(user))


class ServiceRecord(db.Model):
    """Confirmed service of one volunteer at one activity; never changed (corrections add rows).

    `minutes` and `points` are the first confirmed values; the current values add the
    ServiceCorrection deltas (`current_minutes`, `current_points`).
    """

    __label__ = _l("服务记录")

    __append_only__ = True
    __table_args__ = (
        UniqueConstraint("activity_id", "volunteer_id",
                         name="uq_service_record_activity_volunteer"),
        Index("ix_service_record_volunteer_id", "volunteer_id", "id"),
        Index("ix_service_record_township_id", "township_code", "id"),
        # The daily cap reads one volunteer's records around a date.
        Index("ix_service_record_volunteer_started", "volunteer_id", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"), index=True)
    township_code: Mapped[str] = mapped_column(String(9))
    started_at: Mapped[datetime]
    minutes: Mapped[int]
    default_minutes: Mapped[int | None]
    change_reason: Mapped[str] = mapped_column(Text, default="")
    points: Mapped[int] = mapped_column(default=0)
    walk_in: Mapped[bool] = mapped_column(default=False)
    # Why a volunteer without a sign-up or check-in was credited (required for such walk-ins).
    walk_in_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)

    activity: Mapped["Activity"] = relationship("Activity")
    volunteer: Mapped["Volunteer"] = relationship("Volunteer")
    station: Mapped["Station"] = relationship("Station")
    confirmer: Mapped["User"] = relationship("User")
    corrections: Mapped[list["ServiceCorrection"]] = relationship(
        "ServiceCorrection", order_by="ServiceCorrection.id", viewonly=True)
    reviews: Mapped[list["ServiceReview"]] = relationship(
        "ServiceReview", order_by="ServiceReview.id", viewonly=True)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.volunteer_id.in_(_own_volunteer_ids(user))

    def review_status(self, correction_id: int | None = None) -> str | None:
        """The four-eyes review of the record (or of one correction): None when none was
        needed, else pending, approved or rejected."""
        for review in self.reviews:
            if review.correction_id == correction_id:
                return review.status
        return None

    def _counts(self, correction_id: int | None = None) -> bool:
        return self.review_status(correction_id) in (None, "approved")

    @property
    def approval(self) -> str | None:
        """The record's own review status (None: it counted at once)."""
        return self.review_status(None)

    @property
    def pending_review(self) -> "ServiceReview | None":
        return next((r for r in self.reviews if r.status == "pending"), None)

    @property
    def current_minutes(self) -> int:
        """Minutes that count: the record and its corrections, each once approved if needed."""
        return ((self.minutes if self._counts() else 0)
                + sum(c.delta_minutes for c in self.corrections if self._counts(c.id)))

    @property
    def current_points(self) -> int:
        return ((self.points if self._counts() else 0)
                + sum(c.delta_points for c in self.corrections if self._counts(c.id)))

    @property
    def claimed_minutes(self) -> int:
        """Minutes counted or waiting for approval (what the daily cap holds back)."""
        return ((self.minutes if self.review_status() != "rejected" else 0)
                + sum(c.delta_minutes for c in self.corrections
                      if self.review_status(c.id) != "rejected"))


class ServiceCorrection(db.Model):
    """An audited correction of a confirmed record: a minutes delta, its reason and points."""

    __label__ = _l("服务记录更正")

    __append_only__ = True
    __table_args__ = (Index("ix_service_correction_record", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_record.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"), index=True)
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    delta_minutes: Mapped[int]
    minutes_after: Mapped[int]
    delta_points: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    record: Mapped["ServiceRecord"] = relationship("ServiceRecord", viewonly=True)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.volunteer_id.in_(_own_volunteer_ids(user))


class ServiceReview(db.Model):
    """A second staff member's decision on a record or a correction that needs one (four
    eyes): until approved it adds no minutes, no points and no certificate line."""

    __label__ = _l("服务时长审核")
    __table_args__ = (
        Index("ix_service_review_township_status", "township_code", "status", "id"),
        Index("ix_service_review_record", "record_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_record.id"))
    correction_id: Mapped[int | None] = mapped_column(ForeignKey("service_correction.id"),
                                                      unique=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))
    minutes: Mapped[int]  # the record's minutes once this item counts
    delta_minutes: Mapped[int]
    delta_points: Mapped[int]
    grounds: Mapped[str] = mapped_column(String(200))  # why a second approval is needed
    status: Mapped[str] = mapped_column(String(20), default="pending")
    requested_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    record: Mapped["ServiceRecord"] = relationship("ServiceRecord", viewonly=True)
    activity: Mapped["Activity"] = relationship("Activity", viewonly=True)
    volunteer: Mapped["Volunteer"] = relationship("Volunteer", viewonly=True)
    requester: Mapped["User"] = relationship("User", foreign_keys=[requested_by],
                                             viewonly=True)
    decider: Mapped["User"] = relationship("User", foreign_keys=[decided_by], viewonly=True)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    def __str__(self) -> str:
        return _("服务记录 %(record_id)s 审核", record_id=self.record_id)


class ServiceCertificate(db.Model):
    """An issued 志愿服务记录证明: what it certified, by whom, and its keyed signature."""

    __label__ = _l("服务记录证明")

    __append_only__ = True
    __table_args__ = (Index("ix_service_certificate_volunteer", "volunteer_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(32), unique=True)
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    township_code: Mapped[str] = mapped_column(String(9), index=True)
    issuer: Mapped[str] = mapped_column(String(100))
    total_minutes: Mapped[int]
    record_count: Mapped[int]
    issued_on: Mapped[date]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    signature: Mapped[str] = mapped_column(String(64))

    volunteer: Mapped["Volunteer"] = relationship("Volunteer")
    station: Mapped["Station"] = relationship("Station")

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.volunteer_id.in_(_own_volunteer_ids(user))
