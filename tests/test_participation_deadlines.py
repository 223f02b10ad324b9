"""社情民意 deadlines in working days: weekends skipped, configured holidays skipped, make-up
workdays (调休) counted; each category's configured days; forwarding keeps the due date and
reopening counts a new one from the day of reopening."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry.clock import today_local
from registry.extensions import db
from registry.participation import deadlines, operations
from registry.participation.models import Suggestion

FRIDAY = date(2026, 11, 27)


@pytest.fixture
def plain(app, ctx):
    """No holidays or make-up days configured: weekends only."""
    app.config["HOLIDAYS"], app.config["EXTRA_WORKDAYS"] = (), ()
    return app


def test_weekends_do_not_count(plain):
    assert deadlines.add_workdays(FRIDAY, 3) == date(2026, 12, 2)       # Mon, Tue, Wed
    assert deadlines.add_workdays(FRIDAY, 1) == date(2026, 11, 30)      # Monday
    assert deadlines.add_workdays(date(2026, 11, 28), 1) == date(2026, 11, 30)  # from Saturday
    assert deadlines.add_workdays(FRIDAY, 0) == FRIDAY
    assert deadlines.add_workdays(date(2026, 11, 23), 15) == date(2026, 12, 14)


def test_a_configured_holiday_is_skipped(plain):
    plain.config["HOLIDAYS"] = (date(2026, 12, 1),)
    assert deadlines.add_workdays(FRIDAY, 3) == date(2026, 12, 3)
    assert not deadlines.is_workday(date(2026, 12, 1))


def test_a_make_up_workday_counts(plain):
    plain.config["EXTRA_WORKDAYS"] = (date(2026, 11, 28),)   # a Saturday worked
    assert deadlines.is_workday(date(2026, 11, 28))
    assert deadlines.add_workdays(FRIDAY, 3) == date(2026, 12, 1)      # Sat, Mon, Tue


def test_the_default_calendar_knows_national_day_2026(app, ctx):
    # Wednesday 30 September: 1–7 October off, Thursday 8, Friday 9, Saturday 10 (调休) worked
    assert deadlines.add_workdays(date(2026, 9, 30), 3) == date(2026, 10, 10)
    # Spring Festival: 15–23 February off, Saturday 14 February worked
    assert deadlines.is_workday(date(2026, 2, 14)) and not deadlines.is_workday(
        date(2026, 2, 16))


def test_each_category_has_its_configured_days(plain):
    assert [deadlines.deadline_days(c) for c in ("consult", "suggest", "help", "complain")] \
        == [3, 7, 7, 15]
    plain.config["SUGGESTION_DEADLINE_DAYS"] = {**plain.config["SUGGESTION_DEADLINE_DAYS"],
                                                "consult": 2}
    assert deadlines.due_date("consult", FRIDAY) == date(2026, 12, 1)
    assert deadlines.workdays_between(FRIDAY, date(2026, 12, 1)) == 2


def test_posting_forwarding_and_reopening(app, api, make_user):
    make_user("station_admin", "511302001", "zc")
    response = api.client.post("/api/v1/public/suggestions", json={
        "township_code": "511302001", "category": "suggest", "content": "建议增设长椅"})
    code = response.get_json()["tracking_code"]
    with app.app_context():
        found = db.session.scalar(select(Suggestion).where(Suggestion.tracking_code == code))
        assert found.due_on == deadlines.due_date("suggest", today_local())
        # posted a while ago: its due date has passed
        found.due_on = today_local() - timedelta(days=1)
        old_due, sid = found.due_on, found.id
        db.session.commit()
    api.token("zc")
    forwarded = api.post(f"/api/v1/suggestions/{sid}/forward", json={"region_code": "511302"})
    assert forwarded.get_json()["due_on"] == old_due.isoformat()
    assert forwarded.get_json()["overdue"] is True
    with app.app_context():
        found = db.session.get(Suggestion, sid)
        found.handler_code = "511302001"  # back with the station to answer
        db.session.commit()
    api.post(f"/api/v1/suggestions/{sid}/answer", json={"answer": "已安排"})
    api.client.post("/api/v1/public/suggestions/rate", json={
        "tracking_code": code, "rating": "unsatisfied", "reason": "没有说明时间"})
    reopened = api.client.post("/api/v1/public/suggestions/reopen",
                               json={"tracking_code": code})
    assert reopened.status_code == 200, reopened.get_json()
    with app.app_context():
        found = db.session.get(Suggestion, sid)
        assert found.status == "reopened" and found.reopen_count == 1
        assert found.due_on == deadlines.due_date("suggest", today_local()) > old_due
        assert found.answered_in_time is False  # the first answer came after its due date
        assert operations.is_overdue(found) is False
