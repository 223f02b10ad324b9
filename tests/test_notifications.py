"""The message centre: each area's event tells exactly the right account once; the bell's count
(and its 99+ cap) on every signed-in page and no query on public ones; the page marks read only
one's own messages, another's is a 404, opening goes to an internal link only."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import event, select

from registry import audit, notifications
from registry.activities import service_records, signups
from registry.clock import today_local, utcnow
from registry.extensions import db
from registry.incentives import benefits, deeds, expiry
from registry.incentives.models import BenefitClaim
from registry.models import User
from registry.notifications import Notification
from registry.organizations import operations as orgs
from registry.organizations.demo import make_uscc, sample_data
from registry.points.models import PointsLedgerEntry
from registry.points.operations import rebuild_summaries
from registry.volunteers import operations as volunteers
from tests.conftest import Browser
from tests.org_documents import hand_in
from tests.test_activities_helpers import make_activity, make_admin, make_station, make_volunteer
from tests.test_incentives_helpers import rich_volunteer
from tests.test_purchasing_award_helpers import apply, score
from tests.test_purchasing_award_helpers import world_fixture as award_world  # noqa: F401

TOWNSHIP = "511302001"


def user(name: str) -> User:
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


def messages(user_id: int | None = None) -> list[tuple[int, str]]:
    """(account, kind) of every message (of one account), oldest first."""
    stmt = select(Notification.user_id, Notification.kind).order_by(Notification.id)
    if user_id is not None:
        stmt = stmt.where(Notification.user_id == user_id)
    return [tuple(row) for row in db.session.execute(stmt)]


def signed_in(app, login: str) -> Browser:
    browser = Browser(app.test_client())
    browser.login(login)
    return browser


# --- the events -----------------------------------------------------------------------------

def test_organization_decisions_tell_the_representative_only(ctx, make_user):
    make_user("county_official", "511302", "sq1")
    make_user("org_admin", "511300", "rep1")
    make_user("org_admin", "511300", "rep2")
    rep = user("rep1")
    org = orgs.create_application(rep, sample_data(), submit=True)
    hand_in(rep, org)
    db.session.commit()
    orgs.return_application(user("sq1"), org, "请补充章程")
    db.session.commit()
    rep = user("rep1")
    assert messages() == [(rep.id, "org_returned")]
    orgs.submit_application(rep, org)
    orgs.approve(user("sq1"), org, uscc=make_uscc("social_service", "511302", 1),
                certificate_date=date(2026, 1, 5))
    db.session.commit()
    assert messages() == [(rep.id, "org_returned"), (rep.id, "org_approved")]
    note = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
    assert note.link == f"/organizations/{org.id}" and org.name in note.text
    assert "准予登记" in note.text

    other = orgs.create_application(user("rep2"), sample_data(name="另一个社工服务中心",
                                                              uscc=None), submit=True)
    db.session.commit()
    orgs.reject(user("sq1"), other, "业务范围不符合规定")
    db.session.commit()
    assert messages(user("rep2").id) == [(user("rep2").id, "org_rejected")]
    assert len(messages(user("rep1").id)) == 2


def test_a_rolled_back_decision_tells_nobody(ctx, make_user):
    make_user("county_official", "511302", "sq1")
    make_user("org_admin", "511300", "rep1")
    org = orgs.create_application(user("rep1"), sample_data(), submit=True)
    db.session.commit()
    orgs.return_application(user("sq1"), org, "请补充章程")
    db.session.rollback()
    assert messages() == []


def test_volunteer_review_tells_the_volunteer(ctx, make_user):
    make_user("station_admin", TOWNSHIP, "st1")
    people = []
    for _ in range(3):
        person, _login = make_volunteer(TOWNSHIP, status="pending")
        people.append(person)
    db.session.commit()
    for person, move, comment in zip(people, ("approve", "return", "reject"),
                                     ("", "照片不清晰", "身份不符"), strict=True):
        volunteers.transition(person, move, user("st1"), comment)
    db.session.commit()
    assert messages() == [(people[0].user_id, "volunteer_approved"),
                          (people[1].user_id, "volunteer_returned"),
                          (people[2].user_id, "volunteer_rejected")]
    note = db.session.scalar(select(Notification).where(
        Notification.user_id == people[1].user_id))
    assert note.link == "/me/profile" and "退回修改" in note.text
    assert "照片不清晰" not in note.text  # the reason is read on the page, not in the message


def test_a_suspension_is_not_a_message(ctx, make_user):
    make_user("station_admin", TOWNSHIP, "st1")
    person, _login = make_volunteer(TOWNSHIP)
    db.session.commit()
    volunteers.transition(person, "suspend", user("st1"), "暂停")
    assert messages() == []


def test_service_confirmed_and_wait_list_promotion(ctx):
    make_station(TOWNSHIP)
    admin = make_admin(TOWNSHIP)
    past = make_activity(admin, start_in=timedelta(hours=-3))
    person, _login = make_volunteer(TOWNSHIP)
    service_records.confirm_service(admin, past, person, 60, "现场参加")
    db.session.commit()
    assert messages() == [(person.user_id, "service_confirmed")]
    note = db.session.scalar(select(Notification))
    assert past.title in note.text and "1.0" in note.text and note.link == "/me/service"

    coming = make_activity(admin, capacity=1)
    first, _login = make_volunteer(TOWNSHIP)
    second, _login = make_volunteer(TOWNSHIP)
    db.session.commit()
    signups.sign_up(db.session.get(User, first.user_id), coming)
    waiting = signups.sign_up(db.session.get(User, second.user_id), coming)
    assert waiting.status == "waitlisted"
    signups.cancel_signup(db.session.get(User, first.user_id), coming)
    db.session.commit()
    assert messages(second.user_id) == [(second.user_id, "signup_promoted")]
    assert messages(first.user_id) == []


def test_deed_approved_then_credited(ctx, make_user):
    make_user("county_official", "511302", "sq")
    make_user("station_admin", TOWNSHIP, "zc")
    person, _login = make_volunteer(TOWNSHIP, name="陈静怡")
    rule = deeds.save_rule(user("sq"), {"category": "孝老爱亲", "deed": "照料孤寡老人",
                                        "points": 300, "effective_from": date(2025, 1, 1),
                                        "effective_to": None})
    deed = deeds.record(user("zc"), {"volunteer_id": person.id, "rule_id": rule.id,
                                     "deed_date": today_local(), "description": "照料独居老人"})
    db.session.commit()
    assert messages() == []
    deeds.approve(user("sq"), deed)
    db.session.commit()
    assert messages() == [(person.user_id, "deed_approved")]
    note = db.session.scalar(select(Notification))
    assert "照料孤寡老人" in note.text and "陈静怡" not in note.text
    deeds.credit_due(utcnow() + timedelta(days=30))
    deeds.credit_due(utcnow() + timedelta(days=30))  # twice: credited (and told) once
    db.session.commit()
    assert messages() == [(person.user_id, "deed_approved"), (person.user_id, "deed_credited")]


def test_award_decisions_tell_the_organization(app, api, world):
    application = apply(api, world).get_json()["id"]
    score(api, world, application, (95, 90))
    api.token("city")
    api.post(f"/api/v1/award-applications/{application}/return", json={"comment": "证明不足"})
    score(api, world, application, (95, 90))
    api.token("city")
    assert api.post(f"/api/v1/award-applications/{application}/approve",
                    json={}).status_code == 200
    with app.app_context():
        rep = user("rep")
        assert [kind for _uid, kind in messages()] == ["award_returned", "award_approved"]
        assert {uid for uid, _kind in messages()} == {rep.id}
        note = db.session.scalar(select(Notification).order_by(Notification.id.desc()))
        assert note.link == f"/awards/applications/{application}"
        assert "2026年社区服务以奖代补" in note.text
    assert signed_in(app, "rep").get(note.link).status_code == 200


def test_benefit_expiry_warned_once(ctx, make_user):
    make_user("city_official", "511300", "city1")
    holder, _login = make_volunteer(TOWNSHIP)
    holder.total_minutes = 400 * 60
    user_used, _login = make_volunteer(TOWNSHIP)
    user_used.total_minutes = 400 * 60
    today = today_local()
    soon = benefits.publish(user("city1"), {
        "provider": "嘉陵江风景区", "title": "免费游览", "min_star": 0, "min_hours": 0,
        "quota": 5, "valid_from": today - timedelta(days=1),
        "valid_to": today + timedelta(days=10)})
    later = benefits.publish(user("city1"), {
        "provider": "图书馆", "title": "借阅卡", "min_star": 0, "min_hours": 0, "quota": 5,
        "valid_from": today - timedelta(days=1), "valid_to": today + timedelta(days=90)})
    benefits.claim(holder, soon)
    benefits.claim(holder, later)
    used = benefits.claim(user_used, soon)
    db.session.execute(BenefitClaim.__table__.update().where(
        BenefitClaim.__table__.c.id == used.id).values(status="used"))
    db.session.commit()
    assert benefits.warn_expiring() == 1
    assert benefits.warn_expiring() == 0  # the daily job again: nobody told twice
    db.session.commit()
    assert messages() == [(holder.user_id, "benefit_expiring")]
    note = db.session.scalar(select(Notification))
    assert "免费游览" in note.text and str(today + timedelta(days=10)) in note.text
    # Two months on the other benefit nears its end: one more message, for it.
    assert benefits.warn_expiring(today + timedelta(days=70)) == 1


def test_points_expiring_warned_once_a_month(ctx):
    soon, _login = rich_volunteer(40)
    later, _login = rich_volunteer(40)
    db.session.execute(PointsLedgerEntry.__table__.update().where(
        PointsLedgerEntry.__table__.c.volunteer_id == soon.id).values(
            created_at=utcnow() - timedelta(days=700)))  # ~23 months: expire within 30 days
    rebuild_summaries()
    db.session.commit()
    assert expiry.warn_soon() == 1
    assert expiry.warn_soon() == 0  # the next day: not again this month
    assert messages() == [(soon.user_id, "points_expiring")]
    assert "40" in db.session.scalar(select(Notification)).text
    assert expiry.warn_soon(utcnow() + timedelta(days=40)) == 1  # next month: once more
    assert len(messages(later.user_id)) == 0


def test_unregistered_kind_refused(ctx):
    with pytest.raises(KeyError):
        notifications.notify(1, "no_such_kind")


# --- the bell and the page ------------------------------------------------------------------

def add_notes(app, login: str, count: int, link: str | None = "/me/profile") -> list[int]:
    with app.app_context():
        account = user(login)
        notes = [notifications.notify(account.id, "volunteer_approved", {}, link)
                 for _ in range(count)]
        db.session.commit()
        return [note.id for note in notes]


@pytest.fixture
def two(app, make_user):
    make_user("county_official", "511302", "alice")
    make_user("county_official", "511302", "bob")
    return app


def bell(page: str) -> str | None:
    match = re.search(r'class="[^"]*bell-count[^"]*"[^>]*>([^<]+)<', page)
    return match.group(1) if match else None


def test_the_bell_counts_and_caps(two):
    alice = signed_in(two, "alice")
    page = alice.get("/").get_data(as_text=True)
    assert 'href="/notifications/"' in page and bell(page) is None
    assert 'aria-label="站内消息"' in page
    add_notes(two, "alice", 3)
    page = alice.get("/").get_data(as_text=True)
    assert bell(page) == "3" and "站内消息，3 条未读" in page
    add_notes(two, "alice", 97)
    assert bell(alice.get("/").get_data(as_text=True)) == "99+"
    assert bell(signed_in(two, "bob").get("/").get_data(as_text=True)) is None


def test_the_page_lists_newest_first_and_marks_own_read(two):
    first, second = add_notes(two, "alice", 2)
    add_notes(two, "bob", 1)
    alice = signed_in(two, "alice")
    page = alice.get("/notifications/").get_data(as_text=True)
    assert "<title>站内消息" in page and 'class="breadcrumb' in page
    assert page.count("notification-unread") == 2
    assert page.index(f"/notifications/{second}/open") < page.index(f"/notifications/{first}/open")
    alice.refresh_token("/notifications/")
    assert alice.post("/notifications/read-all").status_code == 302
    with two.app_context():
        unread = {uid: n for uid, n in db.session.execute(
            select(Notification.user_id, Notification.read_at.is_(None)))}
        assert unread == {user("alice").id: False, user("bob").id: True}
    assert "notification-unread" not in alice.get("/notifications/").get_data(as_text=True)


def test_opening_a_message(two):
    inside, = add_notes(two, "alice", 1, "/me/profile?tab=1")
    outside, = add_notes(two, "alice", 1, "//evil.example/x")
    scheme, = add_notes(two, "alice", 1, "https://evil.example/x")
    nowhere, = add_notes(two, "alice", 1, None)
    bobs, = add_notes(two, "bob", 1)
    alice = signed_in(two, "alice")
    response = alice.get(f"/notifications/{inside}/open")
    assert response.status_code == 302 and response.location.endswith("/me/profile?tab=1")
    for note in (outside, scheme, nowhere):
        response = alice.post(f"/notifications/{note}/open")
        assert response.status_code == 302 and response.location.endswith("/notifications/")
    assert alice.get(f"/notifications/{bobs}/open").status_code == 404
    assert alice.get("/notifications/99999/open").status_code == 404
    with two.app_context():
        assert db.session.get(Notification, bobs).read_at is None
        assert db.session.get(Notification, inside).read_at is not None


def test_anonymous_visitors_are_sent_to_login(app):
    client = app.test_client()
    assert client.get("/notifications/").status_code == 302
    assert client.get("/notifications/1/open").status_code == 302


def count_queries(app, client, url: str) -> int:
    seen = []

    def note(conn, cursor, statement, *args):
        if "notification" in statement:
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", note)
    return len(seen)


def test_public_pages_never_ask_and_a_signed_in_page_asks_once(two):
    anonymous = two.test_client()
    for url in ("/", "/registry/", "/volunteers/register", "/certificates/"):
        assert count_queries(two, anonymous, url) == 0, url
    alice = signed_in(two, "alice")
    add_notes(two, "alice", 2)
    assert count_queries(two, alice.client, "/") == 1


def test_english_viewer(two):
    add_notes(two, "alice", 1)
    alice = signed_in(two, "alice")
    alice.get("/lang/en")
    response = alice.get("/notifications/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert '<html lang="en">' in page and bell(page) == "1"


MINE = ("org_approved", "org_returned", "org_rejected", "volunteer_approved",
        "volunteer_returned", "volunteer_rejected", "signup_promoted", "service_confirmed",
        "deed_approved", "deed_credited", "award_approved", "award_returned", "award_rejected",
        "benefit_expiring", "points_expiring", "pool_points_expiring")


def test_texts_carry_no_personal_data(ctx):
    """These areas' texts name only things (organizations, activities, rounds, dates)."""
    for name in MINE:
        params = set(re.findall(r"%\((\w+)\)s", str(notifications.KINDS[name])))
        assert params <= {"org", "activity", "hours", "points", "deed", "date", "round",
                          "title", "provider", "until"}, name
