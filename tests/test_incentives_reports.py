"""举报奖励: public reports, tracking codes, review, duplicates and the first reporter, rewards,
claims by tracking code, exclusions, and the reporter's anonymity everywhere."""

import json

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.models import AuditEntry, User
from registry.points import ledger
from registry.volunteers.models import Volunteer
from tests.test_activities_helpers import make_volunteer

TOWNSHIP = "511302001"


def report(api, **changes):
    body = {"category": "illegal_organization", "township_code": TOWNSHIP,
            "description": "有人以研究会名义收会费", "contact": "13912345678", **changes}
    response = api.client.post("/api/v1/public/reports", json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["tracking_code"]


def report_id(app, code):
    with app.app_context():
        from registry.incentives.models import Report
        return db.session.scalar(select(Report.id).where(Report.tracking_code == code))


@pytest.fixture
def official(api, make_user):
    make_user("county_official", "511302", "sq")
    api.token("sq")
    return api


@pytest.fixture
def volunteer(app):
    with app.app_context():
        person, username = make_volunteer(TOWNSHIP)
        db.session.commit()
        return username


def test_public_report_gives_a_code_and_status_shows_no_personal_data(app, api):
    code = report(api)
    assert len(code) == 10
    status = api.client.get(f"/api/v1/public/reports/{code}")
    body = status.get_json()
    assert status.status_code == 200 and body["status"] == "submitted"
    text = json.dumps(body, ensure_ascii=False)
    assert "139" not in text and "研究会" not in text and "contact" not in body
    assert api.client.get("/api/v1/public/reports/AAAAAAAAAA").status_code == 404
    # typed in lower case with a dash, as people read it
    assert api.client.get(f"/api/v1/public/reports/{code[:5].lower()}-{code[5:]}"
                          ).status_code == 200


def test_bad_report_gets_chinese_messages_and_nothing_saved(app, api):
    response = api.client.post("/api/v1/public/reports", json={
        "category": "illegal_organization", "township_code": "511302", "description": " "})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "township_code" in fields and "description" in fields
    with app.app_context():
        from registry.incentives.models import Report
        assert db.session.scalar(select(Report.id)) is None


def test_contact_only_for_the_handling_official_masked_in_lists_and_audit(app, api, official,
                                                                         make_user):
    code = report(api)
    rid = report_id(app, code)
    listed = official.get("/api/v1/reports").get_json()["items"]
    assert listed[0]["contact"] == "139****5678"
    assert official.get(f"/api/v1/reports/{rid}").get_json()["contact"] == "13912345678"
    make_user("county_official", "511303", "gp")
    official.token("gp")
    assert official.get(f"/api/v1/reports/{rid}").status_code == 404
    assert official.get("/api/v1/reports").get_json()["items"] == []
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(AuditEntry.object_type == "Report"))
        text = " ".join(r.changes + r.comment for r in rows)
        assert "13912345678" not in text and "139****5678" not in text


def test_named_report_is_never_tied_to_its_reporter_in_the_audit_log(app, browser, volunteer):
    browser.login(volunteer)
    response = browser.post("/reports/new", data={
        "category": "safety_hazard", "township_code": TOWNSHIP, "description": "消防通道堵塞"})
    assert response.status_code == 200 and "查询码" in response.get_data(as_text=True)
    with app.app_context():
        from registry.incentives.models import Report
        row = db.session.scalar(select(Report))
        assert row.reporter_user_id is not None
        audit = db.session.scalar(select(AuditEntry).where(AuditEntry.object_type == "Report"))
        assert audit.actor_id is None and str(row.reporter_user_id) not in json.loads(
            audit.changes).get("reporter_user_id", "")


def test_verify_upheld_rewards_a_registered_reporter_and_twice_is_409(app, api, official,
                                                                      browser, volunteer):
    browser.login(volunteer)
    browser.post("/reports/new", data={"category": "environment", "township_code": TOWNSHIP,
                                       "description": "倾倒垃圾"})
    with app.app_context():
        from registry.incentives.models import Report
        rid = db.session.scalar(select(Report.id))
    response = official.post(f"/api/v1/reports/{rid}/verify",
                             json={"outcome": "upheld", "reward_points": 40, "comment": "属实"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["reward_status"] == "credited"
    again = official.post(f"/api/v1/reports/{rid}/verify",
                          json={"outcome": "upheld", "reward_points": 40})
    assert again.status_code == 409 and "已处理" in again.get_json()["error"]["message"]
    with app.app_context():
        person = db.session.scalar(select(Volunteer).join(User, User.id == Volunteer.user_id)
                                   .where(User.username == volunteer))
        assert ledger.balance(person).balance == 40


def test_reward_on_a_rejected_report_is_refused_and_nothing_moves(app, api, official):
    rid = report_id(app, report(api))
    bad = official.post(f"/api/v1/reports/{rid}/verify",
                        json={"outcome": "rejected", "reward_fen": 20000, "comment": "不实"})
    assert bad.status_code == 422
    no_reason = official.post(f"/api/v1/reports/{rid}/verify", json={"outcome": "rejected"})
    assert no_reason.status_code == 422
    assert official.get(f"/api/v1/reports/{rid}").get_json()["status"] == "submitted"
    off_tier = official.post(f"/api/v1/reports/{rid}/verify",
                             json={"outcome": "upheld", "reward_fen": 12345})
    assert off_tier.status_code == 422 and "档次" in off_tier.get_json()["error"]["message"]
    both = official.post(f"/api/v1/reports/{rid}/verify",
                         json={"outcome": "upheld", "reward_fen": 20000, "reward_points": 5})
    assert both.status_code == 422


def test_anonymous_reporter_claims_points_with_the_code_once(app, api, official, volunteer):
    code = report(api)
    rid = report_id(app, code)
    official.post(f"/api/v1/reports/{rid}/verify", json={"outcome": "upheld",
                                                          "reward_points": 25})
    assert api.client.get(f"/api/v1/public/reports/{code}").get_json()["reward_status"] == \
        "unclaimed"
    official.token(volunteer)
    claimed = official.post("/api/v1/reports/claims", json={"tracking_code": code})
    assert claimed.status_code == 200 and claimed.get_json()["reward_status"] == "credited"
    assert official.post("/api/v1/reports/claims", json={"tracking_code": code}
                         ).status_code == 409
    assert official.get("/api/v1/me/points").get_json()["balance"] == 25


def test_staff_of_the_region_are_never_rewarded(app, api, official, make_user):
    code = report(api)
    rid = report_id(app, code)
    official.post(f"/api/v1/reports/{rid}/verify", json={"outcome": "upheld",
                                                          "reward_fen": 20000})
    make_user("station_admin", TOWNSHIP, "zc")
    official.token("zc")
    refused = official.post("/api/v1/reports/claims", json={"tracking_code": code})
    assert refused.status_code == 403  # a station admin cannot even call the volunteer claim
    with app.app_context():
        from registry.incentives import reports
        from registry.incentives.models import Report
        staff = db.session.scalar(select(User).where(User.username == "zc"))
        row = db.session.get(Report, rid)
        assert "工作人员" in reports.exclusion(staff, row)
        row.reported_organization_id = 7
        party = User(username="rep", display_name="负责人", role="org_admin",
                     region_code="511302", password_hash="x", organization_id=7)
        assert "被举报" in reports.exclusion(party, row)


def test_duplicates_link_to_the_first_upheld_report_and_earn_nothing(app, api, official):
    first = report(api)
    second = report(api, description="同一个研究会又在收费")
    first_id, second_id = report_id(app, first), report_id(app, second)
    # The first is not upheld yet: no duplicate of it.
    early = official.post(f"/api/v1/reports/{second_id}/duplicate", json={"duplicate_of": first})
    assert early.status_code == 422
    official.post(f"/api/v1/reports/{first_id}/verify", json={"outcome": "upheld",
                                                               "reward_points": 10})
    done = official.post(f"/api/v1/reports/{second_id}/duplicate", json={"duplicate_of": first})
    assert done.status_code == 200 and done.get_json()["status"] == "duplicate"
    assert done.get_json()["duplicate_of_id"] == first_id
    assert done.get_json()["reward_status"] == "none"
    # A duplicate cannot then be verified (and rewarded).
    assert official.post(f"/api/v1/reports/{second_id}/verify",
                         json={"outcome": "upheld", "reward_points": 10}).status_code == 409


def test_an_earlier_report_is_never_a_duplicate_of_a_later_one(app, api, official):
    earlier = report(api)
    later = report(api)
    official.post(f"/api/v1/reports/{report_id(app, later)}/verify",
                  json={"outcome": "upheld", "reward_points": 10})
    refused = official.post(f"/api/v1/reports/{report_id(app, earlier)}/duplicate",
                            json={"duplicate_of": later})
    assert refused.status_code == 409 and "最先" in refused.get_json()["error"]["message"]


def test_cash_reward_approved_then_paid_once(app, api, official, volunteer):
    code = report(api)
    rid = report_id(app, code)
    official.post(f"/api/v1/reports/{rid}/verify", json={"outcome": "upheld",
                                                          "reward_fen": 50000})
    assert official.post(f"/api/v1/reports/{rid}/paid", json={}).status_code == 409
    official.token(volunteer)
    assert official.post("/api/v1/reports/claims", json={"tracking_code": code}
                         ).get_json()["reward_status"] == "approved"
    official.token("sq")
    assert official.post(f"/api/v1/reports/{rid}/paid", json={}).get_json()[
        "reward_status"] == "paid"
    assert official.post(f"/api/v1/reports/{rid}/paid", json={}).status_code == 409


def test_tracking_page_is_a_post_and_the_list_masks_the_reporter(app, api, browser, make_user):
    code = report(api)
    page = browser.post("/reports/track", data={"tracking_code": code})
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "已受理" in text and "139" not in text
    make_user("station_admin", TOWNSHIP, "zc2")
    browser.login("zc2")
    listing = browser.get("/reports/").get_data(as_text=True)
    assert "匿名" in listing and "13912345678" not in listing and code not in listing
    detail = browser.get(f"/reports/{report_id(app, code)}").get_data(as_text=True)
    assert "13912345678" in detail


def test_public_report_posts_are_rate_limited(app, api):
    app.config["RATELIMIT_ENABLED"] = True
    codes = [api.client.post("/api/v1/public/reports", json={
        "category": "other", "township_code": TOWNSHIP, "description": "x"}).status_code
        for _ in range(25)]
    assert 429 in codes


def test_back_office_lists_reports_without_the_reporter(app, api, make_user):
    from tests.conftest import Browser
    code = report(api)
    make_user("county_official", "511302", "sqadmin")
    browser = Browser(app.test_client())
    browser.login("sqadmin")
    for url in ("/admin/report/", f"/admin/report/details/?id={report_id(app, code)}",
                "/admin/deed/", "/admin/moralrule/", "/admin/benefit/", "/admin/benefitclaim/"):
        response = browser.get(url)
        assert response.status_code == 200, url
        assert "13912345678" not in response.get_data(as_text=True)
        assert "139****5678" not in response.get_data(as_text=True)
