"""The station's household (户积分) pages and the volunteer's own: create with a 户主 found
by name, join, leave, change the 户主, one household per person, a foreign township's
household a 404, a resident of another township refused; the pool's entries shown."""

import pytest
from conftest import Browser
from sqlalchemy import select
from test_incentives_helpers import make_admin, rich_volunteer

from registry.extensions import db
from registry.incentives import households
from registry.incentives.models import Household, HouseholdMember
from registry.models import User
from registry.volunteers.models import Volunteer

A, OTHER = "511302001", "511302002"


@pytest.fixture
def browser(app):
    """A browser that starts a fresh session at each login (admin, then a volunteer)."""

    class Switching(Browser):
        def login(self, username, **kwargs):
            self.client, self.token = app.test_client(), None
            return super().login(username, **kwargs)

    return Switching(app.test_client())


def user_of(username):
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def town(app):
    """The station admin of A, three volunteers of A and one of OTHER (ids and logins)."""
    with app.app_context():
        admin = make_admin(A)
        people = {}
        for key, name, township in (("head", "王大明", A), ("wife", "王小红", A),
                                    ("son", "李小明", A), ("far", "王远方", OTHER)):
            volunteer, login = rich_volunteer(30, township)
            volunteer.name = name
            people[key] = (volunteer.id, login)
        db.session.commit()
        return admin.username, people


def new_household(browser, head_id, name="王家"):
    return browser.post("/households/new", {"action": "create", "head_volunteer_id": head_id,
                                            "name": name})


def household_id(app, name="王家"):
    with app.app_context():
        return db.session.scalar(select(Household.id).where(Household.name == name))


def test_create_join_leave_and_change_head(app, browser, town):
    admin, people = town
    browser.login(admin)
    found = browser.post("/households/new", {"action": "search", "q": "王"})
    text = found.get_data(as_text=True)
    assert "王大明" in text and "王小红" in text and "王远方" not in text
    assert new_household(browser, people["head"][0]).status_code == 302
    hid = household_id(app)
    page = browser.post(f"/households/{hid}", {"q": "李"})
    assert "李小明" in page.get_data(as_text=True)
    for key in ("wife", "son"):
        assert browser.post(f"/households/{hid}/add",
                            {"volunteer_id": people[key][0]}).status_code == 302
    assert browser.post(f"/households/{hid}/head",
                        {"volunteer_id": people["wife"][0]}).status_code == 302
    assert browser.post(f"/households/{hid}/remove",
                        {"volunteer_id": people["son"][0]}).status_code == 302
    refused = browser.post(f"/households/{hid}/remove", {"volunteer_id": people["wife"][0]})
    assert refused.status_code == 409 and "户主不能退出本户" in refused.get_data(as_text=True)
    with app.app_context():
        household = db.session.get(Household, hid)
        current = {(m.volunteer_id, m.is_head) for m in households.members(household)}
        assert current == {(people["head"][0], False), (people["wife"][0], True)}
        left = db.session.scalar(select(HouseholdMember).where(
            HouseholdMember.volunteer_id == people["son"][0]))
        assert left.left_at is not None  # kept with its leaving time
    listing = browser.get("/households/?q=王家").get_data(as_text=True)
    assert "王家" in listing
    assert "王家" in browser.get("/households/?q=王小").get_data(as_text=True)  # the 户主
    assert "王家" not in browser.get("/households/?q=赵").get_data(as_text=True)


def test_a_person_joins_one_household_only(app, browser, town):
    admin, people = town
    browser.login(admin)
    new_household(browser, people["head"][0])
    new_household(browser, people["son"][0], "李家")
    refused = browser.post(f"/households/{household_id(app, '李家')}/add",
                           {"volunteer_id": people["head"][0]})
    assert refused.status_code == 409
    assert "已是另一户的成员" in refused.get_data(as_text=True)
    again = new_household(browser, people["head"][0], "又一户")
    assert again.status_code == 409 and household_id(app, "又一户") is None


def test_a_resident_of_another_township_is_refused(app, browser, town):
    admin, people = town
    browser.login(admin)
    refused = new_household(browser, people["far"][0], "远方户")
    assert refused.status_code == 422
    assert "您管辖范围内没有这名志愿者" in refused.get_data(as_text=True)
    new_household(browser, people["head"][0])
    refused = browser.post(f"/households/{household_id(app)}/add",
                           {"volunteer_id": people["far"][0]})
    assert refused.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(HouseholdMember.id).where(
            HouseholdMember.volunteer_id == people["far"][0])) is None


def test_another_townships_household_is_a_404(app, browser, town):
    admin, people = town
    with app.app_context():
        far_admin = make_admin(OTHER)
        far_id = households.create_household(
            far_admin, db.session.get(Volunteer, people["far"][0]), "远方户").id
        db.session.commit()
    browser.login(admin)
    assert browser.get(f"/households/{far_id}").status_code == 404
    assert browser.post(f"/households/{far_id}/add",
                        {"volunteer_id": people["son"][0]}).status_code == 404
    assert "远方户" not in browser.get("/households/").get_data(as_text=True)


def test_volunteer_sees_members_and_what_was_pooled(app, browser, town):
    admin, people = town
    browser.login(admin)
    new_household(browser, people["head"][0])
    hid = household_id(app)
    browser.post(f"/households/{hid}/add", {"volunteer_id": people["wife"][0]})
    browser.login(people["wife"][1])
    assert browser.post("/me/points/transfer", {"points": "12"}).status_code == 302
    mine = browser.get("/households/mine").get_data(as_text=True)
    assert "王大明" in mine and "王小红" in mine and "+12" in mine
    points = browser.get("/me/points").get_data(as_text=True)
    assert "+12" in points and "王大明" in points
    browser.login(admin)
    detail = browser.get(f"/households/{hid}").get_data(as_text=True)
    assert "+12" in detail and "王小红" in detail
    browser.login(people["son"][1])  # in no household
    assert browser.get("/households/mine").status_code == 302
    assert browser.get(f"/households/{hid}").status_code == 403


def test_bad_input_never_a_500(app, browser, town):
    admin, people = town
    browser.login(admin)
    for value in ("", "abc", "99999999999999999999", "-1", "0"):
        response = new_household(browser, value)
        assert response.status_code == 422, value
    assert browser.post("/households/new", {"action": "search",
                                            "q": "王\x01"}).status_code == 422
    assert browser.get("/households/?q=" + "王" * 40).status_code == 422
    assert browser.post("/households/99999/add", {"volunteer_id": "1"}).status_code == 404
