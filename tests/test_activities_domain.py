"""Activities through the domain functions: validation, workflow, places and the waiting list,
check-in/out, confirmation (points once), corrections, township stats."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_activities_helpers import (
    activity_data,
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

from registry.activities import operations as activities
from registry.activities import service_records, signups
from registry.activities.models import Activity, ServiceRecord
from registry.audit import AppendOnlyError
from registry.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.points import ledger
from registry.points import operations as points
from registry.points.models import PointsLedgerEntry
from registry.volunteers.models import TownshipYearStats, Volunteer
from registry.volunteers.operations import star_level


@pytest.fixture
def world(ctx):
    station = make_station("511302001")
    admin = make_admin("511302001")
    return station, admin


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


@pytest.mark.parametrize("changes, field", [
    ({"title": ""}, "title"),
    ({"title": "长" * 101}, "title"),
    ({"address": ""}, "address"),
    ({"content": "x" * 5001}, "content"),
    ({"capacity": 0}, "capacity"),
    ({"capacity": -1}, "capacity"),
    ({"capacity": "1.5"}, "capacity"),
    ({"capacity": "abc"}, "capacity"),
    ({"points_per_hour": -1}, "points_per_hour"),
    ({"points_per_hour": 2.5}, "points_per_hour"),
    ({"category": "nope"}, "category"),
    ({"starts_at": "2026-13-45 99:99"}, "starts_at"),
    ({"starts_at": ""}, "starts_at"),
    ({"title": "a\x00b"}, "title"),
])
def test_bad_activity_input(world, changes, field):
    _, admin = world
    with pytest.raises(ValidationFailed) as error:
        activities.create_activity(admin, activity_data(**changes))
    assert field in error.value.fields
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_end_before_start(world):
    _, admin = world
    data = activity_data()
    data["ends_at"], data["starts_at"] = data["starts_at"], data["ends_at"]
    with pytest.raises(ValidationFailed) as error:
        activities.create_activity(admin, data)
    assert error.value.fields["ends_at"] == ["结束时间必须晚于开始时间"]


def test_only_station_admins_create_for_own_station(world):
    station, admin = world
    other_station = make_station("511302002")
    with pytest.raises(NotAllowed):
        activities.create_activity(admin, activity_data(station_id=other_station.id))
    activity = activities.create_activity(admin, activity_data(station_id=station.id))
    assert activity.status == "draft" and activity.township_code == "511302001"
    no_station_admin = make_admin("511303001")
    with pytest.raises(Conflict):
        activities.create_activity(no_station_admin, activity_data())


def test_workflow_and_stats(world):
    _, admin = world
    activity = make_activity(admin, publish=False)
    activities.move(admin, activity, "publish")
    assert activity.status == "published"
    year = activity.starts_at.year
    stats = db.session.get(TownshipYearStats, ("511302001", year))
    assert stats.activities == 1
    with pytest.raises(Conflict):
        activities.move(admin, activity, "publish")
    with pytest.raises(ValidationFailed):
        activities.move(admin, activity, "cancel")  # a reason is required
    other = make_admin("511302002")
    with pytest.raises(NotAllowed):
        activities.move(other, activity, "close")
    activities.move(admin, activity, "close")
    assert activity.status == "closed"


def test_past_activity_can_be_created(world):
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(days=-3))
    assert activity.phase() == "ended"


def test_signup_waitlist_and_promotion(world):
    _, admin = world
    activity = make_activity(admin, capacity=2)
    people = [make_volunteer() for _ in range(4)]
    users = [user_of(name) for _, name in people]
    statuses = [signups.sign_up(u, activity).status for u in users]
    assert statuses == ["signed_up", "signed_up", "waitlisted", "waitlisted"]
    with pytest.raises(Conflict) as error:
        signups.sign_up(users[0], activity)
    assert "重复报名" in error.value.message
    signups.cancel_signup(users[1], activity)
    states = {s.volunteer_id: s.status for s in db.session.scalars(
        signups.signups_stmt(activity))}
    assert states[people[2][0].id] == "signed_up"  # first on the list moves up
    assert states[people[3][0].id] == "waitlisted"
    # Signing up again after cancelling goes to the end of the queue.
    assert signups.sign_up(users[1], activity).status == "waitlisted"
    signups.cancel_signup(users[3], activity)  # a waitlisted one leaves: nobody moves
    assert activities.occupied(activity) == 2


def test_signup_rules(world):
    _, admin = world
    draft = make_activity(admin, publish=False)
    ended = make_activity(admin, start_in=timedelta(hours=-5))
    _, username = make_volunteer()
    user = user_of(username)
    with pytest.raises(Conflict):
        signups.sign_up(user, draft)
    with pytest.raises(Conflict) as error:
        signups.sign_up(user, ended)
    assert "已结束" in error.value.message
    _, pending_name = make_volunteer(status="pending")
    with pytest.raises(Conflict):
        signups.sign_up(user_of(pending_name), make_activity(admin))
    with pytest.raises(NotAllowed):
        signups.sign_up(admin, make_activity(admin))
    with pytest.raises(NotFound):
        signups.cancel_signup(user, make_activity(admin))


def test_checkin_checkout_and_default_minutes(world):
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(minutes=-30))
    volunteer, username = make_volunteer()
    signup = signups.sign_up(user_of(username), activity)
    with pytest.raises(Conflict):
        signups.check_out(admin, activity, signup)
    signups.check_in(admin, activity, signup)
    signups.check_out(admin, activity, signup)
    assert signup.status == "checked_out"
    signup.check_in_at = activity.starts_at - timedelta(minutes=20)  # early: capped
    signup.check_out_at = activity.starts_at + timedelta(minutes=95)
    assert service_records.default_minutes(activity, signup) == 95
    signup.check_out_at = activity.ends_at + timedelta(hours=1)  # late: capped
    assert service_records.default_minutes(activity, signup) == 120
    other = make_admin("511302002")
    with pytest.raises(NotAllowed):
        signups.check_in(other, activity, signup)


def test_checkin_window(world):
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(days=2))
    _, username = make_volunteer()
    signup = signups.sign_up(user_of(username), activity)
    with pytest.raises(Conflict):
        signups.check_in(admin, activity, signup)


def test_qr_scan_checks_in_then_out(world):
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(minutes=-10))
    volunteer, username = make_volunteer()
    user = user_of(username)
    code = signups.checkin_code(activity)
    with pytest.raises(ValidationFailed):
        signups.scan(user, activity, code + "x")
    other = make_activity(admin, start_in=timedelta(minutes=-10))
    with pytest.raises(ValidationFailed):
        signups.scan(user, other, code)
    signup, action = signups.scan(user, activity, code)  # not signed up: a place on the spot
    assert action == "checked_in" and signup.walk_in
    with pytest.raises(Conflict):
        signups.scan(user, activity, code)  # too soon to check out
    signup.check_in_at -= timedelta(minutes=30)
    signup, action = signups.scan(user, activity, code)
    assert action == "checked_out"
    with pytest.raises(Conflict):
        signups.scan(user, activity, code)


def test_qr_code_expires_when_the_activity_ends(world, monkeypatch):
    """The code carries the activity's end: a photo of the QR is useless afterwards, even in the
    two hours in which the station may still check people out by the list (issue 9)."""
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(minutes=-10))
    _, username = make_volunteer()
    code = signups.checkin_code(activity)
    ends_at = activity.ends_at
    activity.ends_at += timedelta(hours=5)  # moved later: a code printed before still expires
    monkeypatch.setattr(signups, "utcnow", lambda: ends_at + timedelta(minutes=1))
    with pytest.raises(ValidationFailed) as error:
        signups.scan(user_of(username), activity, code)
    assert "二维码已过期" in error.value.message and "请联系志愿服务站" in error.value.message
    monkeypatch.setattr(signups, "utcnow", lambda: ends_at - timedelta(minutes=1))
    assert signups.scan(user_of(username), activity, code)[1] == "checked_in"
    old_style = signups._serializer().dumps(activity.id)  # a code without an end
    with pytest.raises(ValidationFailed, match="二维码无效"):
        signups.scan(user_of(username), activity, old_style)


def confirm_setup(admin, pph=10, **kwargs):
    activity = make_activity(admin, start_in=timedelta(hours=-3), points_per_hour=pph, **kwargs)
    volunteer, username = make_volunteer()
    return activity, volunteer, username


def test_confirm_credits_points_once(world):
    station, admin = world
    activity, volunteer, _ = confirm_setup(admin, pph=7)
    record = service_records.confirm_service(admin, activity, volunteer, 100, "现场参加")
    assert record.points == 100 * 7 // 60 == 11
    assert ledger.balance(volunteer).balance == 11
    assert db.session.get(Volunteer, volunteer.id).total_minutes == 100
    with pytest.raises(Conflict):
        service_records.confirm_service(admin, activity, volunteer, 60, "现场参加")
    entries = db.session.scalar(select(func.count()).select_from(PointsLedgerEntry))
    assert entries == 1
    assert ledger.balance(volunteer).balance == 11
    stats = db.session.get(TownshipYearStats, ("511302001", activity.starts_at.year))
    assert (stats.service_minutes, stats.points_issued) == (100, 11)
    signup = activities.signup_of(activity, volunteer)
    assert signup.status == "confirmed" and signup.walk_in and record.walk_in
    assert list(points.mismatches()) == []


@pytest.mark.parametrize("minutes, status", [(121, ValidationFailed), (0, ValidationFailed),
                                             (-5, ValidationFailed), (1.5, ValidationFailed),
                                             ("x", ValidationFailed)])
def test_confirm_bad_minutes(world, minutes, status):
    _, admin = world
    activity, volunteer, _ = confirm_setup(admin)
    with pytest.raises(status):
        service_records.confirm_service(admin, activity, volunteer, minutes, "现场参加")
    assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 0
    assert ledger.balance(volunteer).balance == 0


def test_confirm_rules(world):
    _, admin = world
    upcoming = make_activity(admin)
    volunteer, _ = make_volunteer()
    with pytest.raises(Conflict):
        service_records.confirm_service(admin, upcoming, volunteer, 30, "现场参加")
    activity, volunteer, _ = confirm_setup(admin)
    other = make_admin("511302002")
    with pytest.raises(NotAllowed):
        service_records.confirm_service(other, activity, volunteer, 30, "现场参加")


def test_confirm_changed_minutes_needs_reason(world):
    _, admin = world
    activity, volunteer, username = confirm_setup(admin, length=timedelta(hours=4))
    signup = signups.sign_up(user_of(username), activity)
    signup.status = "checked_out"
    signup.check_in_at = activity.starts_at
    signup.check_out_at = activity.starts_at + timedelta(minutes=90)
    with pytest.raises(ValidationFailed) as error:
        service_records.confirm_service(admin, activity, volunteer, 100)
    assert "reason" in error.value.fields
    record = service_records.confirm_service(admin, activity, volunteer, 100, "签退前忘记扫码")
    assert record.default_minutes == 90 and record.change_reason == "签退前忘记扫码"
    assert not record.walk_in


def test_correction_appends_and_adjusts(world):
    _, admin = world
    activity, volunteer, _ = confirm_setup(admin, pph=20)
    record = service_records.confirm_service(admin, activity, volunteer, 100, "现场参加")
    with pytest.raises(ValidationFailed):
        service_records.correct_record(admin, record, 80, "")
    with pytest.raises(ValidationFailed):
        service_records.correct_record(admin, record, 100, "没变化")
    with pytest.raises(ValidationFailed):
        service_records.correct_record(admin, record, 500, "太长")
    service_records.correct_record(admin, record, 80, "实际提前离开")
    assert ledger.balance(volunteer).balance == 80 * 20 // 60 == 26
    assert db.session.get(Volunteer, volunteer.id).total_minutes == 80
    service_records.correct_record(admin, record, 110, "补记准备时间")
    assert service_records.record_totals(record) == (110, 110 * 20 // 60)
    kinds = list(db.session.scalars(select(PointsLedgerEntry.kind)
                                    .order_by(PointsLedgerEntry.id)))
    assert kinds == ["earn", "reverse", "adjust"]
    assert record.minutes == 100  # never changed in place
    db.session.commit()  # audit rows join the chain when their transaction commits
    audit_rows = db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "correct"))
    assert audit_rows == 2
    assert list(points.mismatches()) == []
    record.minutes = 5
    with pytest.raises(AppendOnlyError):
        db.session.flush()
    db.session.rollback()


def test_correction_refused_when_points_already_spent(world):
    _, admin = world
    activity, volunteer, _ = confirm_setup(admin, pph=20)
    record = service_records.confirm_service(admin, activity, volunteer, 100, "现场参加")
    ledger.debit(volunteer, 30, "reverse", ref="spent-elsewhere")
    with pytest.raises(Conflict):
        service_records.correct_record(admin, record, 10, "录入错误")


def test_star_level_rises(app, ctx):
    app.config["STAR_THRESHOLDS_HOURS"] = (1, 2, 3, 4, 5)
    make_station("511302001")
    admin = make_admin("511302001")
    activity, volunteer, _ = confirm_setup(admin)
    service_records.confirm_service(admin, activity, volunteer, 120, "现场参加")
    assert star_level(db.session.get(Volunteer, volunteer.id).total_minutes) == 2
    db.session.commit()  # audit rows join the chain when their transaction commits
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "star_level")) == 1


def test_update_activity_capacity(world):
    _, admin = world
    activity = make_activity(admin, capacity=1)
    users = [user_of(make_volunteer()[1]) for _ in range(3)]
    for user in users:
        signups.sign_up(user, activity)
    data = activity_data(capacity=2)
    activities.update_activity(admin, activity, data)
    assert activities.occupied(activity) == 2
    with pytest.raises(ValidationFailed):
        activities.update_activity(admin, activity, activity_data(capacity=1))


def test_public_list_shows_published_upcoming_only(world):
    _, admin = world
    shown = make_activity(admin)
    make_activity(admin, publish=False)
    make_activity(admin, start_in=timedelta(days=-2))
    ids = [a.id for a in db.session.scalars(activities.public_activities_stmt({}))]
    assert ids == [shown.id]
    assert list(db.session.scalars(activities.public_activities_stmt(
        {"region_code": "511303"}))) == []
    with pytest.raises(ValidationFailed):
        activities.public_activities_stmt({"region_code": "abc"})


def test_no_show(world):
    _, admin = world
    activity = make_activity(admin, start_in=timedelta(minutes=-30))
    upcoming = make_activity(admin)
    people = [user_of(make_volunteer()[1]) for _ in range(2)]
    signup = signups.sign_up(people[0], activity)
    early = signups.sign_up(people[1], upcoming)
    with pytest.raises(Conflict):
        signups.mark_no_show(admin, upcoming, early)
    with pytest.raises(NotAllowed):
        signups.mark_no_show(make_admin("511302002"), activity, signup)
    signups.mark_no_show(admin, activity, signup)
    assert signup.status == "no_show"
    assert signup not in [s for s, _ in service_records.pending_confirmation(activity)]
    with pytest.raises(Conflict):
        signups.mark_no_show(admin, activity, signup)
