"""Honest hours (issue 10) through the domain functions: the city's points maximum, who may be
credited, the record's span, the daily cap across activities, four-eyes approval of long or
late records and of corrections, and check-in for signed-up volunteers only."""

from datetime import datetime, time, timedelta

import pytest
from conftest import PASSWORD
from sqlalchemy import func, select
from test_activities_helpers import (
    activity_data,
    enrol,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry import accounts
from registry.activities import approvals, certificates, service_records, service_rules, signups
from registry.activities import operations as activities
from registry.activities.models import ServiceRecord, ServiceReview
from registry.clock import from_local, to_local, today_local, utcnow
from registry.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.models import User
from registry.points import ledger
from registry.points import operations as points
from registry.points.models import PointsLedgerEntry
from registry.volunteers.models import TownshipYearStats, Volunteer

WALK_IN = "现场帮忙"


@pytest.fixture
def world(ctx):
    make_station("511302001")
    make_station("511303001")
    return make_admin("511302001"), make_admin("511302001")  # two staff of one station


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


def at_local(days_ago: int, hour: int, minute: int = 0) -> timedelta:
    """start_in for an activity starting on a Beijing date days_ago at hour:minute."""
    moment = from_local(datetime.combine(today_local() - timedelta(days=days_ago),
                                         time(hour, minute)))
    return moment - utcnow()


def balance(volunteer) -> int:
    return ledger.balance(volunteer).balance


def total(volunteer) -> int:
    return db.session.get(Volunteer, volunteer.id).total_minutes


# ---------------------------------------------------------------- the issue's example


def test_the_issues_example_is_refused_at_every_step(world):
    """An activity begun 26 days ago, its whole length for a suspended volunteer of another
    county who never signed up, at 1000 points an hour."""
    admin, _ = world
    length = timedelta(days=26)
    with pytest.raises(ValidationFailed) as error:
        make_activity(admin, start_in=-length, length=length, points_per_hour=1000)
    assert "points_per_hour" in error.value.fields
    activity = make_activity(admin, start_in=-length, length=length, points_per_hour=20)
    with pytest.raises(ValidationFailed):  # nor raised afterwards by an edit
        activities.update_activity(admin, activity, activity_data(
            start_in=-length, length=length, points_per_hour=1000))
    assert db.session.get(type(activity), activity.id).points_per_hour == 20
    foreigner, _ = make_volunteer("511303001", status="suspended")
    whole = activity.length_minutes
    with pytest.raises(NotFound):  # another county, never signed up: not ours to credit
        service_records.confirm_service(admin, activity, foreigner, whole, "他说来过")
    enrol(activity, foreigner)
    with pytest.raises(Conflict) as error:  # signed up now, but suspended
        service_records.confirm_service(admin, activity, foreigner, whole, "他说来过")
    assert "已暂停" in error.value.message
    local, _ = make_volunteer("511302001")
    with pytest.raises(ValidationFailed) as error:  # 26 days in one go: over the daily cap
        service_records.confirm_service(admin, activity, local, whole, WALK_IN)
    assert "每日上限" in error.value.message
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 0
    assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 0


def test_points_rate_follows_the_configured_maximum(app, world):
    admin, _ = world
    make_activity(admin, points_per_hour=20)
    app.config["POINTS_PER_HOUR_MAX"] = 5
    with pytest.raises(ValidationFailed) as error:
        make_activity(admin, points_per_hour=6)
    assert "5" in error.value.fields["points_per_hour"][0]


# ---------------------------------------------------------------- who may be credited


def test_who_may_be_credited(world):
    admin, _ = world
    activity = make_activity(admin, start_in=timedelta(hours=-3))
    signed, _ = make_volunteer()
    enrol(activity, signed)
    assert service_records.confirm_service(admin, activity, signed, 60).walk_in is False
    waiting, _ = make_volunteer()
    enrol(activity, waiting, status="waitlisted")
    with pytest.raises(ValidationFailed) as error:  # a waiting-list place is no sign-up
        service_records.confirm_service(admin, activity, waiting, 60)
    assert "reason" in error.value.fields
    record = service_records.confirm_service(admin, activity, waiting, 60, "  递补未及时  ")
    assert record.walk_in and record.walk_in_reason == "递补未及时"
    for status in ("suspended", "deregistered"):
        volunteer, _ = make_volunteer(status=status)
        enrol(activity, volunteer, status="checked_out",
              check_in_at=activity.starts_at, check_out_at=activity.ends_at)
        with pytest.raises(Conflict):
            service_records.confirm_service(admin, activity, volunteer, 60, WALK_IN)
    # Another jurisdiction: only a volunteer who signed up (or checked in) themselves.
    foreigner, _ = make_volunteer("511303001")
    with pytest.raises(NotFound):
        service_records.confirm_service(admin, activity, foreigner, 60, WALK_IN)
    enrol(activity, foreigner, status="checked_in", check_in_at=activity.starts_at)
    assert service_records.confirm_service(admin, activity, foreigner, 60).minutes == 60


# ---------------------------------------------------------------- the record's span


def test_span_inside_the_activity_and_not_in_the_future(world):
    admin, _ = world
    running = make_activity(admin, start_in=timedelta(minutes=-60), length=timedelta(hours=3))
    volunteer, _ = make_volunteer()
    with pytest.raises(ValidationFailed) as error:  # 3 h of a running activity, 1 h in
        service_records.confirm_service(admin, running, volunteer, 120, WALK_IN)
    assert "minutes" in error.value.fields
    assert service_records.confirm_service(admin, running, volunteer, 55, WALK_IN)
    ended = make_activity(admin, start_in=timedelta(hours=-5), length=timedelta(hours=3))
    late, _ = make_volunteer()
    enrol(ended, late, status="checked_out", check_in_at=ended.starts_at + timedelta(hours=2),
          check_out_at=ended.ends_at)
    with pytest.raises(ValidationFailed):  # checked in 2 h late: at most 60 minutes
        service_records.confirm_service(admin, ended, late, 61, "签退前忘记扫码")
    record = service_records.confirm_service(admin, ended, late, 60)
    assert record.started_at == ended.starts_at + timedelta(hours=2)


# ---------------------------------------------------------------- the daily cap


def test_daily_cap_across_activities_on_one_day(world):
    admin, _ = world
    morning = make_activity(admin, start_in=at_local(3, 8), length=timedelta(hours=8))
    evening = make_activity(admin, start_in=at_local(3, 16), length=timedelta(hours=6))
    next_day = make_activity(admin, start_in=at_local(2, 8), length=timedelta(hours=6))
    volunteer, _ = make_volunteer()
    service_records.confirm_service(admin, morning, volunteer, 480, WALK_IN)
    with pytest.raises(ValidationFailed) as error:
        service_records.confirm_service(admin, evening, volunteer, 241, WALK_IN)
    assert "每日上限 720 分钟" in error.value.message
    service_records.confirm_service(admin, evening, volunteer, 240, WALK_IN)
    service_records.confirm_service(admin, next_day, volunteer, 360, WALK_IN)  # another day
    assert total(volunteer) == 1080


def test_daily_cap_holds_for_corrections_and_pending_records(world):
    admin, second = world
    first = make_activity(admin, start_in=at_local(4, 7), length=timedelta(hours=10))
    other = make_activity(admin, start_in=at_local(4, 17), length=timedelta(hours=7))
    volunteer, _ = make_volunteer()
    pending = service_records.confirm_service(admin, first, volunteer, 600, WALK_IN)
    assert pending.pending_review is not None  # above 8 h: waits, but holds its place
    with pytest.raises(ValidationFailed, match="每日上限"):
        service_records.confirm_service(admin, other, volunteer, 180, WALK_IN)
    approvals.decide(second, pending.pending_review, "reject", "核实只有 6 小时")
    record = service_records.confirm_service(admin, other, volunteer, 180, WALK_IN)
    # A rejected record is corrected from zero; the cap counts the other activity's 3 h.
    with pytest.raises(ValidationFailed, match="每日上限"):
        service_records.correct_record(admin, pending, 541, "按实际时长重新提交")
    service_records.correct_record(admin, pending, 360, "按实际时长重新提交")
    assert total(volunteer) == 540
    with pytest.raises(ValidationFailed, match="每日上限"):
        service_records.correct_record(admin, record, 361, "补记")
    service_records.correct_record(admin, record, 360, "补记")
    assert total(volunteer) == 720


def test_a_record_over_several_days_is_spread_over_them(world):
    admin, second = world
    three_days = make_activity(admin, start_in=at_local(6, 9), length=timedelta(hours=56))
    volunteer, _ = make_volunteer()
    shares = service_rules.day_shares(three_days.starts_at, three_days.ends_at, 1440)
    assert sorted(shares.values()) == [386, 438, 618] and len(shares) == 3
    with pytest.raises(ValidationFailed, match="每日上限"):  # 20 h a day is not honest
        service_records.confirm_service(admin, three_days, volunteer, 3360, WALK_IN)
    record = service_records.confirm_service(admin, three_days, volunteer, 1440, WALK_IN)
    assert record.pending_review is not None and total(volunteer) == 0


# ---------------------------------------------------------------- four eyes


def test_long_record_waits_for_a_second_staff_member(world):
    admin, second = world
    activity = make_activity(admin, start_in=timedelta(hours=-10), length=timedelta(hours=9),
                             points_per_hour=20)
    volunteer, username = make_volunteer()
    record = service_records.confirm_service(admin, activity, volunteer, 540, WALK_IN)
    review = record.pending_review
    assert review.grounds == "超过 8 小时" and record.current_minutes == 0
    assert (balance(volunteer), total(volunteer)) == (0, 0)
    with pytest.raises(NotFound):  # no certificate for hours not yet approved
        certificates.issue(volunteer)
    assert review in list(db.session.scalars(approvals.pending_stmt(admin)))
    assert approvals.pending_count(second, 99) == 1
    with pytest.raises(NotAllowed):  # never the one who recorded it
        approvals.decide(admin, review, "approve")
    with pytest.raises(NotAllowed):  # nor another township's admin
        approvals.decide(make_admin("511303001"), review, "approve")
    with pytest.raises(ValidationFailed):  # a rejection needs its reason
        approvals.decide(second, review, "reject", "")
    with pytest.raises(Conflict):  # nothing to correct while it waits
        service_records.correct_record(admin, record, 400, "改少")
    approvals.decide(second, review, "approve")
    assert (balance(volunteer), total(volunteer)) == (180, 540)
    assert db.session.get(ServiceReview, review.id).decided_by == second.id
    with pytest.raises(Conflict):
        approvals.decide(second, review, "approve")  # once
    stats = db.session.get(TownshipYearStats, ("511302001", to_local(activity.starts_at).year))
    assert (stats.service_minutes, stats.points_issued) == (540, 180)
    assert certificates.issue(volunteer).total_minutes == 540
    assert list(points.mismatches()) == []


def test_rejected_record_credits_nothing(world):
    admin, _ = world
    county, _ = accounts.create_user("county511302", PASSWORD, "county_official", "511302",
                                     "县民政局")
    activity = make_activity(admin, start_in=timedelta(hours=-10), length=timedelta(hours=9))
    volunteer, _ = make_volunteer()
    record = service_records.confirm_service(admin, activity, volunteer, 500, WALK_IN)
    approvals.decide(county, record.pending_review, "reject", "当天未见到该志愿者")
    db.session.refresh(record)
    assert record.approval == "rejected" and record.current_minutes == 0
    assert (balance(volunteer), total(volunteer)) == (0, 0)
    assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 0


def test_record_of_an_activity_ended_long_ago_waits(world):
    admin, second = world
    old = make_activity(admin, start_in=timedelta(days=-31, hours=-2))
    recent = make_activity(admin, start_in=timedelta(days=-29, hours=-2))
    volunteer, _ = make_volunteer()
    late = service_records.confirm_service(admin, old, volunteer, 60, WALK_IN)
    assert late.pending_review.grounds == "活动结束已超过 30 天" and total(volunteer) == 0
    assert service_records.confirm_service(admin, recent, volunteer, 60, WALK_IN).approval is None
    assert total(volunteer) == 60
    approvals.decide(second, late.pending_review, "approve", "补录，有签到表")
    assert total(volunteer) == 120


def test_corrections_obey_the_four_eyes_rule(world):
    admin, second = world
    activity = make_activity(admin, start_in=timedelta(hours=-11), length=timedelta(hours=10),
                             points_per_hour=6)
    volunteer, _ = make_volunteer()
    record = service_records.confirm_service(admin, activity, volunteer, 420, WALK_IN)
    assert total(volunteer) == 420 and balance(volunteer) == 42
    correction = service_records.correct_record(admin, record, 600, "补记下午时长")
    assert total(volunteer) == 420 and balance(volunteer) == 42  # waits
    review = db.session.scalar(select(ServiceReview).where(
        ServiceReview.correction_id == correction.id))
    with pytest.raises(Conflict):
        service_records.correct_record(admin, record, 500, "再改")
    with pytest.raises(NotAllowed):
        approvals.decide(admin, review, "approve")
    approvals.decide(second, review, "approve")
    assert total(volunteer) == 600 and balance(volunteer) == 60
    service_records.correct_record(admin, record, 300, "核实后减少")  # a lowering counts at once
    assert total(volunteer) == 300 and balance(volunteer) == 30
    assert list(points.mismatches()) == []


def test_correction_raising_an_old_record_waits(world, monkeypatch):
    admin, second = world
    activity = make_activity(admin, start_in=timedelta(days=-20))
    volunteer, _ = make_volunteer()
    record = service_records.confirm_service(admin, activity, volunteer, 60, WALK_IN)
    later = utcnow() + timedelta(days=15)
    monkeypatch.setattr(service_records, "utcnow", lambda: later)
    service_records.correct_record(admin, record, 100, "补记")
    assert total(volunteer) == 60
    assert db.session.scalar(select(ServiceReview.grounds).where(
        ServiceReview.status == "pending")) == "活动结束已超过 30 天"


def test_a_suspended_volunteer_is_not_approved(world):
    admin, second = world
    activity = make_activity(admin, start_in=timedelta(hours=-10), length=timedelta(hours=9))
    volunteer, _ = make_volunteer()
    record = service_records.confirm_service(admin, activity, volunteer, 500, WALK_IN)
    db.session.get(Volunteer, volunteer.id).status = "suspended"
    with pytest.raises(Conflict):
        approvals.decide(second, record.pending_review, "approve")
    enrolled = make_activity(admin, start_in=timedelta(hours=-3))
    enrol(enrolled, volunteer)
    with pytest.raises(Conflict):  # nor credited anew, sign-up or not
        service_records.confirm_service(admin, enrolled, volunteer, 30)


# ---------------------------------------------------------------- check-in


def test_check_in_only_for_signed_up_volunteers(world):
    admin, _ = world
    activity = make_activity(admin, start_in=timedelta(minutes=-10), capacity=1)
    first, second = (user_of(make_volunteer()[1]) for _ in range(2))
    place = signups.sign_up(first, activity)
    waiting = signups.sign_up(second, activity)
    assert waiting.status == "waitlisted"
    with pytest.raises(Conflict) as error:
        signups.check_in(admin, activity, waiting)
    assert "候补名单" in error.value.message and "递补" in error.value.message
    with pytest.raises(Conflict):  # by the QR code neither
        signups.scan(second, activity, signups.checkin_code(activity))
    assert waiting.status == "waitlisted" and activities.occupied(activity) == 1
    stranger = user_of(make_volunteer()[1])
    with pytest.raises(Conflict) as error:  # full: no place taken on the spot
        signups.scan(stranger, activity, signups.checkin_code(activity))
    assert "名额已满" in error.value.message
    signups.check_in(admin, activity, place)
    activities.update_activity(admin, activity, activity_data(
        start_in=activity.starts_at - utcnow(), capacity=2))  # moved up: now it may
    assert waiting.status == "signed_up"
    signups.check_in(admin, activity, waiting)
    assert activities.occupied(activity) == 2


def test_an_activity_with_records_keeps_its_window(world):
    """Edit after create: the window cannot be stretched under recorded service."""
    admin, _ = world
    activity = make_activity(admin, start_in=timedelta(hours=-3))
    volunteer, _ = make_volunteer()
    service_records.confirm_service(admin, activity, volunteer, 60, WALK_IN)
    stretched = activity_data(start_in=timedelta(days=-26), length=timedelta(days=26))
    with pytest.raises(ValidationFailed) as error:
        activities.update_activity(admin, activity, stretched)
    assert "starts_at" in error.value.fields
    same = activity_data(start_in=activity.starts_at - utcnow(), title="改名", capacity=5)
    assert activities.update_activity(admin, activity, same).title == "改名"
