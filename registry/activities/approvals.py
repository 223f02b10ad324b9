"""Crediting confirmed service (points, minutes and stars, township counters) and the four-eyes
review: records or corrections that need a second staff member wait in ServiceReview and are
credited only when approved (REVIEW_MACHINE); a rejection credits nothing."""

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from registry import audit, notifications
from registry.activities.certificate_pdf import hours
from registry.activities.models import (
    REVIEW_STATUSES,
    Activity,
    ServiceCorrection,
    ServiceRecord,
    ServiceReview,
)
from registry.activities.operations import local_month
from registry.activities.service_rules import require_creditable
from registry.clock import utcnow
from registry.errors import NotAllowed, NotFound
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, User
from registry.pagination import capped_count
from registry.points import ledger
from registry.scoping import can_see, visible
from registry.texts import stored
from registry.volunteers import township_counters
from registry.volunteers.models import Volunteer
from registry.volunteers.operations import star_level
from registry.workflow import Machine, Move

REVIEWERS = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)
REVIEW_MACHINE = Machine("service_review", REVIEW_STATUSES, (
    Move("approve", _l("批准"), ("pending",), "approved", REVIEWERS),
    Move("reject", _l("驳回"), ("pending",), "rejected", REVIEWERS, comment_required=True),
))


# ---------------------------------------------------------------- crediting


def add_minutes(volunteer: Volunteer, delta: int) -> None:
    """Add to the volunteer's total in one UPDATE (no lost update); audit a new star level."""
    before = star_level(volunteer.total_minutes or 0)
    total = db.session.execute(
        update(Volunteer.__table__).where(Volunteer.__table__.c.id == volunteer.id)
        .values(total_minutes=Volunteer.__table__.c.total_minutes + delta)
        .returning(Volunteer.__table__.c.total_minutes)
    ).scalar_one()
    db.session.expire(volunteer, ["total_minutes"])
    after = star_level(total)
    if after != before:
        audit.record("star_level", volunteer, changes={"star_level": [before, after]},
                     comment=f"累计服务 {hours(total)} 小时")


SERVICE_CONFIRMED = notifications.kind(
    "service_confirmed",
    _l("您在“%(activity)s”的服务时长 %(hours)s 小时已确认，获得 %(points)s 积分"))


def credit_record(record: ServiceRecord, activity: Activity, by: User) -> None:
    """A record starts to count: its points, minutes (and stars) and the township's figures."""
    volunteer = db.session.get(Volunteer, record.volunteer_id)
    notifications.notify(volunteer.user_id, SERVICE_CONFIRMED,
                         {"activity": activity.title, "hours": hours(record.minutes),
                          "points": record.points}, "/me/service")
    if record.points > 0:
        ledger.credit(volunteer, record.points, "earn",
                      stored(f"参加“{activity.title}”服务 {hours(record.minutes)} 小时"),
                      ref=f"service:{record.id}", by=by)
    add_minutes(volunteer, record.minutes)
    township_counters.bump(activity.township_code, *local_month(activity.starts_at),
                           service_minutes=record.minutes, points_issued=record.points)


def credit_correction(correction: ServiceCorrection, activity: Activity, by: User) -> None:
    """A correction starts to count: the points difference, minutes and township figures."""
    volunteer = db.session.get(Volunteer, correction.volunteer_id)
    before = correction.minutes_after - correction.delta_minutes
    memo = stored(f"更正“{activity.title}”服务时长 {hours(before)}→"
                  f"{hours(correction.minutes_after)} 小时")
    ref = f"correction:{correction.id}"
    if correction.delta_points > 0:
        ledger.credit(volunteer, correction.delta_points, "adjust", memo, ref=ref, by=by)
    elif correction.delta_points < 0:
        ledger.debit(volunteer, -correction.delta_points, "reverse", memo, ref=ref, by=by)
    add_minutes(volunteer, correction.delta_minutes)
    township_counters.bump(activity.township_code, *local_month(activity.starts_at),
                           service_minutes=correction.delta_minutes,
                           points_issued=correction.delta_points)


# ---------------------------------------------------------------- four eyes


def request_review(user: User, record: ServiceRecord, grounds: str, *, minutes: int,
                   delta_minutes: int, delta_points: int,
                   correction: ServiceCorrection | None = None) -> ServiceReview:
    """Put a record (or a correction) on the list waiting for a second staff member."""
    review = ServiceReview(
        record_id=record.id, correction_id=correction.id if correction else None,
        activity_id=record.activity_id, volunteer_id=record.volunteer_id,
        township_code=record.township_code, minutes=minutes, delta_minutes=delta_minutes,
        delta_points=delta_points, grounds=grounds[:200], status="pending",
        requested_by=user.id,
    )
    db.session.add(review)
    db.session.flush()
    db.session.expire(record, ["reviews"])
    return review


def _lock_review(review_id: int) -> ServiceReview:
    stmt = (select(ServiceReview).where(ServiceReview.id == review_id).with_for_update()
            .execution_options(populate_existing=True))
    review = db.session.execute(stmt).scalar_one_or_none()
    if review is None:
        raise NotFound(_("待审核记录不存在"))
    return review


def _check_reviewer(user: Any, review: ServiceReview) -> None:
    if getattr(user, "role", None) not in REVIEWERS or not can_see(user, review):
        raise NotAllowed(_("只有该服务站或上级民政部门的工作人员可以审核"))
    if user.id == review.requested_by:
        raise NotAllowed(_("须由另一名工作人员审核：不能审核自己录入或更正的服务时长"))


def decide(user: User, review: ServiceReview, name: str, comment: str = "") -> ServiceReview:
    """approve (the item starts to count) or reject (with a reason; nothing is credited)."""
    review = _lock_review(review.id)
    _check_reviewer(user, review)
    activity = db.session.get(Activity, review.activity_id)
    if name == "approve" and review.status == "pending":
        require_creditable(db.session.get(Volunteer, review.volunteer_id))
    REVIEW_MACHINE.move(review, name, user, comment)
    review.decided_by, review.decided_at = user.id, utcnow()
    review.decision_reason = (comment or "").strip()[:2000]
    db.session.flush()
    if review.status == "approved":
        if review.correction_id is None:
            credit_record(db.session.get(ServiceRecord, review.record_id), activity, user)
        else:
            credit_correction(db.session.get(ServiceCorrection, review.correction_id),
                              activity, user)
    record = db.session.get(ServiceRecord, review.record_id)
    db.session.expire(record, ["reviews", "corrections"])
    return review


def pending_stmt(user: User, args: dict | None = None):
    """Reviews waiting in user's jurisdiction, newest first (filter activity_id)."""
    stmt = visible(user, select(ServiceReview), ServiceReview).where(
        ServiceReview.status == "pending")
    activity_id = str((args or {}).get("activity_id") or "")
    if activity_id.isdigit() and len(activity_id) < 10:
        stmt = stmt.where(ServiceReview.activity_id == int(activity_id))
    return stmt.options(
        selectinload(ServiceReview.activity), selectinload(ServiceReview.volunteer),
        selectinload(ServiceReview.requester), selectinload(ServiceReview.record),
    ).order_by(ServiceReview.id.desc())


def pending_count(user: User, cap: int) -> int | None:
    """How many wait in user's jurisdiction, counted up to cap (None: more)."""
    if getattr(user, "role", None) not in REVIEWERS:
        return 0
    return capped_count(visible(user, select(ServiceReview.id), ServiceReview).where(
        ServiceReview.status == "pending"), cap)
