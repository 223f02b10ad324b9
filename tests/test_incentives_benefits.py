"""公益反哺: publishing, who qualifies, claims within the quota (never beyond, once each), and the
provider's confirmation of use by claim code."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from registry.clock import today_local
from registry.extensions import db
from registry.incentives import benefits
from registry.incentives.models import Benefit, BenefitClaim
from registry.models import User
from tests.test_activities_helpers import make_volunteer

TOWNSHIP = "511302001"


@pytest.fixture
def world(app, make_user):
    make_user("city_official", "511300", "city1")
    make_user("unassigned", "511300", "scenic")
    with app.app_context():
        people = []
        for minutes in (0, 400 * 60, 400 * 60):
            person, login = make_volunteer(TOWNSHIP)
            person.total_minutes = minutes
            people.append(login)
        db.session.commit()
    return people


def publish(api, **changes):
    api.token("city1")
    body = {"provider": "嘉陵江风景区", "title": "免费游览", "min_star": 2, "min_hours": 0,
            "quota": 1, "valid_from": today_local() - timedelta(days=1),
            "valid_to": today_local() + timedelta(days=30), "provider_login": "scenic", **changes}
    with api.client.application.app_context():
        city = db.session.scalar(select(User).where(User.username == "city1"))
        benefit = benefits.publish(city, body)
        db.session.commit()
        return benefit.id


def test_a_volunteer_sees_what_they_qualify_for(app, api, world):
    publish(api)
    api.token(world[0])
    item = api.get("/api/v1/benefits").get_json()["items"][0]
    assert item["qualifies"] is False and "二星" in item["reason"]
    refused = api.post(f"/api/v1/benefits/{item['id']}/claims")
    assert refused.status_code == 409 and "不符合" in refused.get_json()["error"]["message"]
    api.token(world[1])
    assert api.get("/api/v1/benefits").get_json()["items"][0]["qualifies"] is True


def test_claims_stop_at_the_quota_and_once_per_volunteer(app, api, world):
    benefit_id = publish(api)
    api.token(world[1])
    first = api.post(f"/api/v1/benefits/{benefit_id}/claims")
    assert first.status_code == 201 and len(first.get_json()["code"]) == 10
    assert api.post(f"/api/v1/benefits/{benefit_id}/claims").status_code == 409
    api.token(world[2])
    full = api.post(f"/api/v1/benefits/{benefit_id}/claims")
    assert full.status_code == 409 and "名额" in full.get_json()["error"]["message"]
    with app.app_context():
        benefit = db.session.get(Benefit, benefit_id)
        assert (benefit.claimed, benefit.quota) == (1, 1)
        assert db.session.query(BenefitClaim).count() == 1


def test_the_quota_update_is_guarded_even_when_the_row_read_is_stale(app, api, world):
    """Two claimers who both read `claimed < quota` cannot both pass: the UPDATE decides."""
    benefit_id = publish(api)
    with app.app_context():
        from registry.volunteers.models import Volunteer
        people = db.session.scalars(select(Volunteer).where(
            Volunteer.total_minutes > 0)).all()
        benefit = db.session.get(Benefit, benefit_id)
        benefits.claim(people[0], benefit)
        benefit.claimed = 0  # what a concurrent reader would have seen, never flushed
        db.session.expunge(benefit)
        stale = db.session.get(Benefit, benefit_id)
        with pytest.raises(Exception, match="名额"):
            benefits.claim(people[1], stale)
        db.session.rollback()


def test_provider_confirms_use_once_and_nobody_else_can(app, api, world, make_user):
    benefit_id = publish(api, quota=5)
    api.token(world[1])
    code = api.post(f"/api/v1/benefits/{benefit_id}/claims").get_json()["code"]
    make_user("unassigned", "511300", "other")
    api.token("other")
    assert api.post("/api/v1/benefit-claims/confirm", json={"code": code}).status_code == 422
    api.token("scenic")
    used = api.post("/api/v1/benefit-claims/confirm", json={"code": code})
    assert used.status_code == 200 and used.get_json()["status"] == "used"
    assert api.post("/api/v1/benefit-claims/confirm", json={"code": code}).status_code == 409
    api.token(world[1])
    assert api.get("/api/v1/me/benefit-claims").get_json()["items"][0]["status"] == "used"


def test_publishing_is_for_the_city_with_messages_for_bad_input(app, browser, world,
                                                                make_user):
    make_user("county_official", "511302", "sq")
    browser.login("sq")
    assert browser.get("/benefits/new").status_code == 403
    from tests.conftest import Browser
    city = Browser(app.test_client())
    city.login("city1")
    response = city.post("/benefits/new", data={
        "provider": "医院", "title": "体检", "min_star": "0", "min_hours": "0", "quota": "0",
        "valid_from": "2026-01-10", "valid_to": "2026-01-01", "provider_login": "nobody"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "名额" in text
    with app.app_context():
        assert db.session.query(Benefit).count() == 0


def test_claim_page_shows_the_code(app, api, world):
    benefit_id = publish(api)
    from tests.conftest import Browser
    volunteer = Browser(app.test_client())
    volunteer.login(world[1])
    page = volunteer.post(f"/benefits/{benefit_id}/claim", data={}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert "领取成功" in text and "已领取" in text
