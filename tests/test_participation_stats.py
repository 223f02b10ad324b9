"""社情民意 statistics: each figure of suggestion_rows against a hand-computed fixture (Beijing
date bounds, region scope, ratings, overdue), the summaries' rates and the stats page."""

from datetime import date, datetime, timedelta

import pytest

from registry.clock import from_local, today_local
from registry.extensions import db
from registry.participation.models import Suggestion
from registry.participation.statistics import suggestion_rows, summaries
from registry.tracking_codes import new_code
from tests.conftest import Browser

T1, T2, T3 = "511302001", "511302002", "511303001"
PAST, FUTURE = date(2026, 3, 9), today_local() + timedelta(days=30)
ZERO = dict(answered=0, answered_in_time=0, open_overdue=0, answer_seconds_total=0, rated=0,
            satisfied=0, basically_satisfied=0, unsatisfied=0)


def add(township, category, posted: str, status="answered", due=FUTURE, seconds=None,
        in_time=None, rating=None):
    created = from_local(datetime.fromisoformat(posted))
    db.session.add(Suggestion(
        tracking_code=new_code(), category=category, township_code=township,
        handler_code=township, content="留言", due_on=due, created_at=created, status=status,
        first_answered_at=created + timedelta(seconds=seconds) if seconds is not None else None,
        answer_seconds=seconds, answered_in_time=in_time, rating=rating))


def seed():
    add(T1, "consult", "2026-03-02 10:00", seconds=3600, in_time=True, rating="satisfied")
    add(T1, "consult", "2026-03-03 10:00", seconds=7200, in_time=False, rating="unsatisfied")
    add(T1, "consult", "2026-03-04 10:00", status="open", due=PAST)           # overdue
    add(T1, "consult", "2026-03-31 23:30", status="open")                     # last evening
    add(T1, "consult", "2026-02-28 23:30", seconds=60, in_time=True)          # before: out
    add(T1, "consult", "2026-04-01 00:10", status="open", due=PAST)           # after: out
    add(T1, "complain", "2026-03-05 09:00", status="open")
    add(T2, "help", "2026-03-10 08:00", seconds=1800, in_time=True,
        rating="basically_satisfied")
    add(T2, "help", "2026-03-10 09:00", status="reopened", due=PAST, seconds=600,
        in_time=True, rating="unsatisfied")
    add(T3, "suggest", "2026-03-10 09:00", seconds=100, in_time=True)         # 高坪区
    db.session.commit()


@pytest.fixture
def fixture(ctx):
    seed()


MARCH = (date(2026, 3, 1), date(2026, 3, 31))
EXPECTED = {
    (T1, "complain"): dict(ZERO, posted=1),
    (T1, "consult"): dict(posted=4, answered=2, answered_in_time=1, open_overdue=1,
                          answer_seconds_total=10800, rated=2, satisfied=1,
                          basically_satisfied=0, unsatisfied=1),
    (T2, "help"): dict(posted=2, answered=2, answered_in_time=2, open_overdue=1,
                       answer_seconds_total=2400, rated=2, satisfied=0, basically_satisfied=1,
                       unsatisfied=1),
}


def as_map(rows):
    return {(r.pop("township_code"), r.pop("category")): r for r in rows}


def test_county_figures_match_the_hand_count(fixture):
    assert as_map(suggestion_rows("511302", *MARCH)) == EXPECTED


def test_a_township_and_the_city(fixture):
    township = as_map(suggestion_rows(T1, *MARCH))
    assert township == {k: v for k, v in EXPECTED.items() if k[0] == T1}
    city = as_map(suggestion_rows("511300", *MARCH))
    assert city == {**EXPECTED, (T3, "suggest"): dict(
        ZERO, posted=1, answered=1, answered_in_time=1, answer_seconds_total=100)}
    assert suggestion_rows("511302", date(2026, 5, 1), date(2026, 5, 31)) == []


def test_the_beijing_day_bounds(fixture):
    last_day = as_map(suggestion_rows(T1, date(2026, 3, 31), date(2026, 3, 31)))
    assert last_day == {(T1, "consult"): dict(ZERO, posted=1)}
    feb = as_map(suggestion_rows(T1, date(2026, 2, 28), date(2026, 2, 28)))
    assert feb[(T1, "consult")]["posted"] == 1


def test_summaries_give_rates_and_average_time(fixture):
    figures = summaries("511302", *MARCH)
    total = figures["total"]
    assert (total["posted"], total["answered"], total["open_overdue"]) == (7, 4, 2)
    assert total["answer_rate"] == 57.1 and total["in_time_rate"] == 75.0
    assert total["average_hours"] == round(13200 / 4 / 3600, 1)
    assert total["satisfaction_rate"] == 50.0
    consult = next(r for r in figures["by_category"] if r["key"] == "consult")
    assert consult["answer_rate"] == 50.0 and consult["average_hours"] == 1.5
    assert [r["key"] for r in figures["by_township"]] == [T1, T2]
    suggest = next(r for r in figures["by_category"] if r["key"] == "suggest")
    assert suggest["posted"] == 0 and suggest["answer_rate"] is None


def test_the_stats_page_shows_the_figures_in_scope(app, make_user):
    with app.app_context():  # not ctx: requests would share its g (and the signed-in user)
        seed()
    make_user("county_official", "511302", "sq")
    make_user("station_admin", T2, "bc")
    browser = Browser(app.test_client())
    browser.login("sq")
    page = browser.get("/suggestions/stats?start=2026-03-01&end=2026-03-31")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "57.1%" in text and "50.0%" in text
    assert "中城街道" in text and "北城街道" in text and "白塔街道" not in text
    station = Browser(app.test_client())
    station.login("bc")
    text = station.get("/suggestions/stats?start=2026-03-01&end=2026-03-31").get_data(
        as_text=True)
    assert "北城街道" in text and "中城街道" not in text
