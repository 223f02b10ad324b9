"""The station admin's home page counts the activities whose hours wait to be confirmed
(ended, with signed-up or checked-in volunteers not yet recorded), linking to the activity
list's ?to_confirm=1 filter, which shows exactly those."""

from datetime import timedelta

from registry.activities import service_records
from registry.activities.models import Activity, Signup
from registry.extensions import db
from registry.models import User
from registry.volunteers.models import Volunteer
from tests.home_cards import work_cards
from tests.test_activities_helpers import (
    browser,  # noqa: F401 - the switching browser fixture
    make_activity,
    make_admin,
    make_station,
    make_volunteer,
)

LABEL = "待确认时长的活动"
ENDED = {"start_in": -timedelta(hours=3), "length": timedelta(hours=2)}


def signup(activity, volunteer, status):
    db.session.add(Signup(activity_id=activity.id, volunteer_id=volunteer.id,
                          township_code=activity.township_code, status=status))


def test_activities_to_confirm(app, browser):  # noqa: F811
    with app.app_context():
        make_station("511302001")
        make_station("511302002")
        admin = make_admin("511302001")
        other_admin = make_admin("511302002")
        people = [make_volunteer()[0] for _ in range(3)]
        waiting = make_activity(admin, title="待确认甲", **ENDED)
        signup(waiting, people[0], "signed_up")
        signup(waiting, people[1], "checked_in")
        nobody = make_activity(admin, title="无人待确认", **ENDED)
        signup(nobody, people[0], "waitlisted")
        signup(nobody, people[1], "no_show")
        running = make_activity(admin, title="进行中", start_in=-timedelta(hours=1),
                                length=timedelta(hours=2))
        signup(running, people[0], "checked_in")
        draft = make_activity(admin, publish=False, title="未发布的", **ENDED)
        signup(draft, people[0], "signed_up")
        one_left = make_activity(admin, title="待确认乙", **ENDED)
        signup(one_left, people[2], "checked_out")
        foreign = make_activity(other_admin, title="别的站", **ENDED)
        signup(foreign, people[0], "signed_up")
        db.session.commit()
        admin_name, activity_id, volunteer_id = admin.username, one_left.id, people[2].id
    browser.login(admin_name)
    count, link = work_cards(browser.get("/").get_data(as_text=True))[LABEL]
    assert count == "2" and link == "/activities/?to_confirm=1"
    listed = browser.get(link).get_data(as_text=True)
    assert "待确认甲" in listed and "待确认乙" in listed
    for title in ("无人待确认", "进行中", "未发布的", "别的站"):
        assert title not in listed, title
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.username == admin_name))
        service_records.confirm_service(admin, db.session.get(Activity, activity_id),
                                        db.session.get(Volunteer, volunteer_id), 60,
                                        "提前离开")
        db.session.commit()
    count, _ = work_cards(browser.get("/").get_data(as_text=True))[LABEL]
    assert count == "1"
    assert "待确认乙" not in browser.get(link).get_data(as_text=True)
    # The filter keeps the others: status and title search narrow it further.
    assert "待确认甲" not in browser.get(link + "&q=乙").get_data(as_text=True)


def test_capped_and_only_for_station_admins(app, browser, make_user):  # noqa: F811
    app.config["HOME_COUNT_CAP"] = 1
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        volunteer, _ = make_volunteer()
        for n in range(2):
            signup(make_activity(admin, title=f"活动{n}", **ENDED), volunteer, "signed_up")
        db.session.commit()
        name = admin.username
    browser.login(name)
    assert work_cards(browser.get("/").get_data(as_text=True))[LABEL][0] == "1+"
    browser.login(make_user("county_official", "511302"))
    assert LABEL not in work_cards(browser.get("/").get_data(as_text=True))
