"""Organizations as the registration rules are (issue 10.5): a report only for a completed year
since registration, a grade only two full years after the certificate, approval only with the
type's document checklist, uploads right after the first save, deregistration last and
confirmed; through operations, pages and the API."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from registry import audit
from registry.clock import today_local
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.models import User
from registry.organizations import documents, records
from registry.organizations import operations as orgs
from registry.organizations.demo import make_uscc, sample_data
from registry.organizations.models import Organization
from tests.org_documents import PDF, hand_in, hand_in_api

REPORT = {"income_fen": 100, "expenditure_fen": 50, "net_assets_fen": 50, "staff_count": 2,
          "activities": "开展活动"}


def user(name):
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


@pytest.fixture
def people(app, make_user):
    make_user("city_official", "511300", "city1")
    make_user("county_official", "511302", "sq1")
    make_user("org_admin", "511300", "rep1")


def registered(issued, serial=1, **overrides):
    overrides.setdefault("name", f"南充市顺庆区第{serial}社会工作服务中心")
    org = orgs.create_application(user("sq1"), sample_data(**overrides), submit=True)
    hand_in(user("sq1"), org)
    kind = overrides.get("org_type", "social_service")
    orgs.approve(user("sq1"), org, uscc=None if kind == "community" else
                 make_uscc(kind, "511302", serial), certificate_date=issued)
    db.session.commit()
    return org


# ---------------------------------------------------------------- annual reports

def test_report_only_for_a_completed_year_since_registration(ctx, people):
    today = today_local()
    org = registered(date(today.year - 3, 6, 1))
    for year in (today.year, today.year + 1, today.year - 4, 1949):
        with pytest.raises(ValidationFailed) as error:
            records.file_annual_report(user("sq1"), org, {"year": year, **REPORT})
        assert "year" in error.value.fields, year
    assert "尚未结束" in str(_refusal(org, today.year))
    assert "不能早于登记年度" in str(_refusal(org, today.year - 4))
    for year in (today.year - 3, today.year - 1):  # the registration year counts
        assert records.file_annual_report(user("sq1"), org, {"year": year, **REPORT}).year == year


def _refusal(org, year):
    with pytest.raises(ValidationFailed) as error:
        records.file_annual_report(user("sq1"), org, {"year": year, **REPORT})
    db.session.rollback()
    return error.value.message


def test_registered_this_year_files_no_report_yet(ctx, people):
    today = today_local()
    org = registered(date(today.year, 1, 1))
    assert list(records.report_years(org)) == []
    assert "该年度结束后才能报送" in _refusal(org, today.year)


def test_report_year_rule_on_the_page(app, browser, people):
    today = today_local()
    with app.app_context():
        oid = registered(date(today.year - 2, 3, 1)).id
    browser.login("rep1")  # the representative is bound to it
    with app.app_context():
        db.session.get(User, user("rep1").id).organization_id = oid
        db.session.commit()
    browser.login("rep1")
    page = browser.get(f"/organizations/{oid}").get_data(as_text=True)
    assert f'value="{today.year - 1}"' in page  # the form proposes last year
    response = browser.post(f"/organizations/{oid}/reports", {
        "year": str(today.year), "income_fen": "1", "expenditure_fen": "1",
        "net_assets_fen": "1", "staff_count": "1", "activities": "x"})
    assert response.status_code == 422 and "尚未结束" in response.get_data(as_text=True)
    response = browser.post(f"/organizations/{oid}/reports", {
        "year": str(today.year - 1), "income_fen": "1", "expenditure_fen": "1",
        "net_assets_fen": "1", "staff_count": "1", "activities": "x"})
    assert response.status_code == 302


# ---------------------------------------------------------------- grades

def test_grade_two_full_calendar_years_after_the_certificate(ctx, people):
    today = today_local()
    young = registered(date(today.year - 2, 5, 1), 1)  # one full year has ended
    assert records.rating_open_from(young) == date(today.year + 1, 1, 1)
    with pytest.raises(ValidationFailed) as error:
        records.rate(user("sq1"), young, "3A", today)
    assert "rated_on" in error.value.fields and "满两个年度" in error.value.message
    db.session.rollback()
    old = registered(date(today.year - 3, 12, 31), 2)  # two full years since
    assert records.rate(user("sq1"), old, "3A", date(today.year, 1, 1)).grade == "3A"
    with pytest.raises(ValidationFailed):  # a rating dated before the two years ended
        records.rate(user("sq1"), old, "3A", date(today.year - 1, 12, 31))
    db.session.rollback()
    new_year = registered(date(today.year - 2, 1, 1), 3)  # 1 January: its own year is full
    assert records.rating_open_from(new_year) == date(today.year, 1, 1)
    assert records.rate(user("sq1"), new_year, "2A", today).grade == "2A"


def test_a_filed_community_organization_is_not_graded(ctx, people):
    today = today_local()
    org = registered(date(today.year - 5, 1, 1), 4, org_type="community",
                     region_code="511302001", name="中城街道邻里守望队", registered_capital_fen=0)
    with pytest.raises(Conflict):
        records.rate(user("sq1"), org, "3A", today)


def test_grade_rule_on_the_page(app, browser, people):
    today = today_local()
    with app.app_context():
        oid = registered(date(today.year - 1, 7, 1)).id
    browser.login("sq1")
    page = browser.get(f"/organizations/{oid}").get_data(as_text=True)
    assert f"{today.year + 2}-01-01" in page  # when it may be rated
    response = browser.post(f"/organizations/{oid}/grade",
                            {"grade": "5A", "rated_on": today.isoformat(), "comment": ""})
    assert response.status_code == 422 and "满两个年度" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, oid).grade is None


# ---------------------------------------------------------------- documents and approval

def test_checklist_per_type_in_one_place(ctx, people):
    assert documents.required_kinds("social_group", "") == [
        "application", "charter", "members", "representative_id", "premises", "capital"]
    assert "supervisor_approval" in documents.required_kinds("social_group", "市文联")
    assert "directors" in documents.required_kinds("foundation", "")
    assert "capital" not in documents.required_kinds("community", "")
    assert set(documents.REQUIRED_DOCUMENTS) == {"social_group", "social_service",
                                                 "foundation", "community"}


@pytest.mark.parametrize("org_type,unit", [("social_group", "南充市文学艺术界联合会"),
                                           ("social_service", ""), ("foundation", "")])
def test_approval_refused_naming_the_missing_documents(ctx, people, org_type, unit):
    capital = 200_000_000 if org_type == "foundation" else 3_000_000
    org = orgs.create_application(user("sq1"), sample_data(
        org_type=org_type, supervisory_unit=unit, registered_capital_fen=capital), submit=True)
    hand_in(user("sq1"), org, skip=("charter", "premises"))
    db.session.commit()
    with pytest.raises(Conflict) as error:
        orgs.approve(user("sq1"), org, uscc=make_uscc(org_type, "511302", 5))
    assert "章程草案" in error.value.message and "住所使用证明" in error.value.message
    assert "登记申请书" not in error.value.message
    db.session.rollback()
    assert db.session.get(Organization, org.id).status == "submitted"
    hand_in(user("sq1"), org, skip=[k for k in documents.REQUIRED_DOCUMENTS[org_type]
                                    if k not in ("charter", "premises")])
    orgs.approve(user("sq1"), org, uscc=make_uscc(org_type, "511302", 5))
    assert org.status == "approved"


def test_approval_needs_documents_through_the_api(api, people):
    api.token("sq1")
    response = api.post("/api/v1/organizations", json={**sample_data(), "founded_on": None})
    org = response.get_json()
    assert set(org["documents_missing"]) == {"application", "charter", "representative_id",
                                             "premises", "capital"}
    response = api.post(f"/api/v1/organizations/{org['id']}/approve",
                        json={"uscc": make_uscc("social_service", "511302", 6)})
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert "章程草案" in error["message"] and "documents" in error["fields"]
    bad = api.post(f"/api/v1/organizations/{org['id']}/documents",
                   data={"kind": "charter", "file": (io.BytesIO(b"MZ\x90"), "a.pdf")})
    assert bad.status_code == 422 and "file" in bad.get_json()["error"]["fields"]
    hand_in_api(api, org["id"])
    listing = api.get(f"/api/v1/organizations/{org['id']}/documents").get_json()
    assert listing["missing"] == [] and len(listing["items"]) == 5
    response = api.post(f"/api/v1/organizations/{org['id']}/approve",
                        json={"uscc": make_uscc("social_service", "511302", 6)})
    assert response.status_code == 200 and response.get_json()["status"] == "approved"


def test_approval_needs_documents_on_the_reviewer_page(app, browser, people):
    with app.app_context():
        org = orgs.create_application(user("sq1"), sample_data(), submit=True)
        documents.save_document(user("sq1"), org, io.BytesIO(PDF), "申请书.pdf", "application")
        db.session.commit()
        oid = org.id
    browser.login("sq1")
    page = browser.get(f"/organizations/{oid}").get_data(as_text=True)
    approve = page[page.index('id="move-approve"'):]
    approve = approve[:approve.index("</form>")]
    assert "申请材料清单" in approve and "住所使用证明" in approve and "disabled" in approve
    response = browser.post(f"/organizations/{oid}/move/approve", {
        "uscc": make_uscc("social_service", "511302", 8), "certificate_date": "2026-01-05",
        "registration_authority": "顺庆区民政局", "comment": ""})
    assert response.status_code == 409 or "缺少" in response.get_data(as_text=True)
    assert "章程草案" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, oid).status == "submitted"


def test_uploads_follow_the_first_save_on_the_same_form(app, browser, people):
    browser.login("rep1")
    page = browser.get("/organizations/new").get_data(as_text=True)
    assert "会员名册" in page and "理事名单及身份证明" in page  # each type's checklist
    data = {**sample_data(), "registered_capital_fen": "30000", "founded_on": "",
            "is_volunteer_org": "", "action": "save"}
    del data["is_volunteer_org"]
    response = browser.post("/organizations/new", data)
    assert response.status_code == 302 and re.search(r"/organizations/\d+/edit#documents$",
                                                      response.location)
    page = browser.get(response.location).get_data(as_text=True)
    assert page.count('name="back" value="edit"') >= 5  # one upload per checklist item
    oid = int(re.search(r"/organizations/(\d+)/", response.location).group(1))
    response = browser.post(f"/organizations/{oid}/documents", {
        "kind": "charter", "back": "edit", "file": (io.BytesIO(PDF), "章程.pdf")})
    assert response.location.endswith(f"/organizations/{oid}/edit#documents")
    with app.app_context():
        org = db.session.get(Organization, oid)
        assert org.status == "draft" and "章程草案" not in documents.missing_documents(org)


# ---------------------------------------------------------------- the registered page

def test_registered_page_leads_with_everyday_work_and_confirms_deregistration(app, browser,
                                                                              people):
    today = today_local()
    with app.app_context():
        oid = registered(date(today.year - 3, 1, 1)).id
    browser.login("sq1")
    page = browser.get(f"/organizations/{oid}").get_data(as_text=True)
    bar = page[page.index('class="card-body"'):]
    buttons = re.findall(r'class="btn [^"]*"[^>]*>(?:<i[^>]*></i>)?\s*([^<]+)<', bar)
    assert buttons[0].strip() == "报送年度报告"
    labels = [b.strip() for b in buttons]
    deregister = next(i for i, label in enumerate(labels) if label.startswith("注销登记"))
    assert deregister > labels.index("列入活动异常名录")
    assert 'btn-outline-danger ms-auto' in bar
    response = browser.post(f"/organizations/{oid}/move/deregister", {"comment": "自行解散"})
    assert response.status_code == 422 and "请勾选确认" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Organization, oid).status == "approved"
    response = browser.post(f"/organizations/{oid}/move/deregister",
                            {"comment": "自行解散", "confirm": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organization, oid).status == "deregistered"
