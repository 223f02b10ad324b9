"""The registered organization's record: uploads, annual reports, grades, the abnormal list,
hubs and party building; each rule allowed and refused."""

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from registry import audit
from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import User
from registry.organizations import documents, party_and_hubs, records
from registry.organizations import operations as orgs
from registry.organizations.demo import make_uscc, sample_data
from registry.organizations.models import Organization
from tests.org_documents import hand_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03" + b"\x00" * 64


def user(name):
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


@pytest.fixture
def people(app, make_user):
    make_user("city_official", "511300", "city1")
    make_user("county_official", "511302", "sq1")
    make_user("county_official", "511303", "gp1")
    make_user("org_admin", "511300", "rep1")


def registered(name="南充市顺庆区阳光社会工作服务中心", serial=1, **overrides):
    org = orgs.create_application(user("sq1"), sample_data(name=name, **overrides), submit=True)
    hand_in(user("sq1"), org)
    orgs.approve(user("sq1"), org, uscc=make_uscc(org.org_type, "511302", serial),
                 certificate_date=date(2020, 5, 1))
    db.session.flush()
    return org


# ---------------------------------------------------------------- uploads

def test_upload_checks_content_not_name(ctx, people):
    rep = user("rep1")
    org = orgs.create_application(rep, sample_data())
    doc = documents.save_document(rep, org, io.BytesIO(PDF), "章程.pdf", "charter")
    assert doc.content_type == "application/pdf" and doc.stored_name.endswith(".pdf")
    assert "章程" not in doc.stored_name
    assert documents.document_path(doc).read_bytes() == PDF
    for data, name in ((EXE, "章程.pdf"), (EXE, "photo.png"), (PNG, "scan.pdf"),
                       (b"", "empty.pdf"), (b"GIF89a....", "x.gif")):
        with pytest.raises(ValidationFailed) as error:
            documents.save_document(rep, org, io.BytesIO(data), name, "charter")
        assert "file" in error.value.fields
    with pytest.raises(ValidationFailed):
        documents.save_document(rep, org, io.BytesIO(PDF), "a.pdf", "nonsense")
    big = PDF + b"0" * (10 * 1024 * 1024)
    with pytest.raises(ValidationFailed) as error:
        documents.save_document(rep, org, io.BytesIO(big), "big.pdf", "charter")
    assert "10 MB" in error.value.message


def test_upload_refused_once_rejected(ctx, people):
    rep = user("rep1")
    org = orgs.create_application(rep, sample_data(), submit=True)
    documents.save_document(rep, org, io.BytesIO(PDF), "补充材料.pdf", "other")
    orgs.reject(user("sq1"), org, "不符合条件")
    rep = user("rep1")
    with pytest.raises(Conflict):
        documents.save_document(rep, org, io.BytesIO(PDF), "a.pdf", "charter")
    with pytest.raises(NotAllowed):
        documents.save_document(user("gp1"), org, io.BytesIO(PDF), "a.pdf", "charter")


def test_document_served_only_to_those_who_may_see(app, people, browser):
    with app.app_context():
        rep = user("rep1")
        org = orgs.create_application(rep, sample_data())
        doc = documents.save_document(rep, org, io.BytesIO(PDF), "章程.pdf", "charter")
        db.session.commit()
        url = f"/organizations/{org.id}/documents/{doc.id}"
    browser.login("rep1")
    response = browser.get(url)
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["Content-Type"] == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    other = type(browser)(app.test_client())
    other.login("gp1")
    assert other.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 302  # to the login page
    assert not any(p.endswith("章程.pdf") for p in __import__("os").listdir(
        app.config["UPLOAD_DIR"]))


def test_upload_route_refuses_renamed_exe(app, people, browser):
    with app.app_context():
        org = orgs.create_application(user("rep1"), sample_data())
        db.session.commit()
        oid = org.id
    browser.login("rep1")
    response = browser.post(f"/organizations/{oid}/documents",
                            {"kind": "charter", "file": (io.BytesIO(EXE), "章程.pdf")},
                            content_type="multipart/form-data")
    assert response.status_code == 422
    with app.app_context():
        assert documents.documents_of(user("rep1"), db.session.get(Organization, oid)) == []


# ---------------------------------------------------------------- annual reports

def test_annual_report_filed_once_and_reviewed(ctx, people):
    org = registered()
    rep_data = {"year": 2024, "income_fen": 100, "expenditure_fen": 50, "net_assets_fen": 0,
                "staff_count": 2, "activities": "开展活动"}
    report = records.file_annual_report(user("sq1"), org, rep_data)
    with pytest.raises(Conflict):
        records.file_annual_report(user("sq1"), org, rep_data)
    for bad in ({"year": 2019}, {"year": today_local().year + 1}, {"income_fen": -1},
                {"income_fen": 1.5}, {"activities": ""}, {"activities": "x" * 5001},
                {"staff_count": "abc"}):
        with pytest.raises(ValidationFailed):
            records.file_annual_report(user("sq1"), org, {**rep_data, "year": 2023, **bad})
    with pytest.raises(ValidationFailed):
        records.review_annual_report(user("sq1"), report, "fail", "")
    with pytest.raises(ValidationFailed):
        records.review_annual_report(user("sq1"), report, "excellent")
    with pytest.raises(NotAllowed):
        records.review_annual_report(user("gp1"), report, "pass")
    records.review_annual_report(user("sq1"), report, "basic")
    assert report.result_label == "基本合格"


def test_annual_report_needs_a_registered_org(ctx, people):
    org = orgs.create_application(user("sq1"), sample_data(), submit=True)
    with pytest.raises(Conflict):
        records.file_annual_report(user("sq1"), org, {"year": 2025, "activities": "x"})


# ---------------------------------------------------------------- grades and the abnormal list

def test_grade_valid_five_years(ctx, people):
    org = registered()
    rating = records.rate(user("sq1"), org, "4A", date(2024, 2, 29))
    assert rating.valid_until == date(2029, 2, 28) and org.grade == "4A"
    assert org.current_grade(date(2029, 3, 1)) is None
    with pytest.raises(ValidationFailed):
        records.rate(user("sq1"), org, "6A", date(2024, 1, 1))
    with pytest.raises(ValidationFailed):
        records.rate(user("sq1"), org, "3A", today_local() + timedelta(days=1))
    with pytest.raises(NotAllowed):
        records.rate(user("gp1"), org, "3A", date(2024, 1, 1))
    with pytest.raises(NotAllowed):
        records.rate(user("rep1"), org, "3A", date(2024, 1, 1))


def test_abnormal_list_and_removal(ctx, people):
    org = registered()
    with pytest.raises(Conflict):
        records.remove_abnormal(user("sq1"), org, "已整改")
    with pytest.raises(ValidationFailed):
        records.list_abnormal(user("sq1"), org, "other", "")  # "other" needs a note
    records.list_abnormal(user("sq1"), org, "missed_report", "", date(2025, 7, 1))
    assert org.abnormal_listed
    with pytest.raises(Conflict):
        records.list_abnormal(user("sq1"), org, "unreachable")
    with pytest.raises(ValidationFailed) as error:
        records.remove_abnormal(user("sq1"), org, "已补报", date(2025, 6, 1))
    assert "removed_on" in error.value.fields  # before the listing: dates in the wrong order
    with pytest.raises(ValidationFailed):
        records.remove_abnormal(user("sq1"), org, "")
    entry = records.remove_abnormal(user("sq1"), org, "已补报年报", date(2025, 8, 1))
    assert not org.abnormal_listed and entry.removed_on == date(2025, 8, 1)


# ---------------------------------------------------------------- hubs and party building

def test_hubs_are_designated_by_the_city(ctx, people):
    hub = registered()
    member = registered("南充市顺庆区志愿者协会", 2, org_type="social_group")
    pending = orgs.create_application(user("sq1"), sample_data(name="南充市顺庆区待审协会",
                                                               org_type="social_group"))
    with pytest.raises(NotAllowed):
        party_and_hubs.set_hub(user("sq1"), hub, True)
    party_and_hubs.set_hub(user("city1"), hub, True)
    with pytest.raises(Conflict):
        party_and_hubs.add_hub_member(user("city1"), hub, pending)
    with pytest.raises(Conflict):
        party_and_hubs.add_hub_member(user("city1"), hub, hub)
    party_and_hubs.add_hub_member(user("city1"), hub, member)
    with pytest.raises(Conflict):
        party_and_hubs.add_hub_member(user("city1"), hub, member)
    overview = party_and_hubs.hubs_overview(user("city1"))
    assert [(h.id, n) for h, n in overview] == [(hub.id, 1)]
    assert party_and_hubs.hubs_overview(user("gp1")) == []
    party_and_hubs.set_hub(user("city1"), hub, False)
    assert member.hub_id is None


def test_party_building_rules_and_coverage(ctx, people):
    org = registered()
    registered("南充市顺庆区志愿者协会", 2, org_type="social_group")
    with pytest.raises(ValidationFailed) as error:
        party_and_hubs.update_party(user("sq1"), org, {"party_org_status": "single",
                                             "party_member_count": 2})
    assert "party_member_count" in error.value.fields
    with pytest.raises(ValidationFailed):
        party_and_hubs.update_party(user("sq1"), org, {"party_org_status": "x"})
    with pytest.raises(ValidationFailed):
        party_and_hubs.update_party(user("sq1"), org, {"party_member_count": -1})
    party_and_hubs.update_party(user("sq1"), org, {"party_org_status": "single",
                                         "party_member_count": 5, "party_instructor": ""})
    rows = party_and_hubs.party_coverage(user("city1"))
    assert rows == [{"county_code": "511302", "county": "顺庆区", "total": 2, "single": 1,
                     "joint": 0, "none": 1, "covered": 1, "members": 5, "instructors": 0,
                     "coverage_pct": 50.0}]
    assert party_and_hubs.party_coverage(user("gp1")) == []


def test_demo_seed_is_idempotent(ctx, people):
    from registry.demo import seed_demo
    from registry.organizations.models import AnnualReport

    seed_demo()
    count = db.session.query(Organization).count()
    statuses = {s for (s,) in db.session.query(Organization.status).distinct()}
    assert statuses == {"draft", "submitted", "returned", "approved", "rejected",
                        "deregistered"}
    assert {t for (t,) in db.session.query(Organization.org_type).distinct()} == {
        "social_group", "social_service", "foundation", "community"}
    assert db.session.query(AnnualReport).count() >= 3
    seed_demo()
    assert db.session.query(Organization).count() == count


def test_seed_orgs_command(app):
    result = app.test_cli_runner().invoke(args=["seed-orgs", "--count", "300"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = list(db.session.scalars(select(Organization)))
        assert len(rows) == 300
        assert {o.status for o in rows} >= {"approved", "submitted"}
        from stdnum.cn import uscc

        assert all(uscc.is_valid(o.uscc) for o in rows if o.uscc)
    again = app.test_cli_runner().invoke(args=["seed-orgs", "--count", "10"])
    assert again.exit_code == 0
    bad = app.test_cli_runner().invoke(args=["seed-orgs", "--count", "-1"])
    assert bad.exit_code != 0
