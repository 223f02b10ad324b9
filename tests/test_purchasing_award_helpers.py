"""Shared set-up of the 以奖代补 tests: officials of the city and two counties, a township
station, eligible and ineligible organizations with their representatives, a round open today."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from sqlalchemy import select

from registry.clock import today_local
from registry.extensions import db
from registry.models import User
from registry.organizations.models import AbnormalListing, AnnualReport, Organization
from registry.purchasing import awards
from registry.volunteers.models import Station

PDF = b"%PDF-1.4\n% evidence\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32
CRITERIA = [{"name": "服务成效", "weight": 60, "description": "受益人数"},
            {"name": "志愿服务时长", "weight": 40, "description": ""}]
TIERS = [{"min_score": 90, "max_score": 100, "amount_fen": 5_000_000},
         {"min_score": 80, "max_score": 89, "amount_fen": 3_000_000},
         {"min_score": 60, "max_score": 79, "amount_fen": 1_000_000}]
# name, region, status, last year's report result, abnormal, representative
ORGS = (
    ("顺庆区阳光社工中心", "511302", "approved", "pass", False, "rep"),
    ("高坪区乐龄中心", "511303", "approved", "basic", False, "rep_gp"),
    ("顺庆区未年检协会", "511302", "approved", None, False, "rep_noreport"),
    ("顺庆区不合格协会", "511302", "approved", "fail", False, "rep_fail"),
    ("顺庆区异常协会", "511302", "approved", "pass", True, "rep_abnormal"),
    ("顺庆区已注销协会", "511302", "deregistered", "pass", False, "rep_dereg"),
    ("顺庆区受罚协会", "511302", "approved", "pass", False, "rep_penalty"),
)


def round_body(**changes) -> dict:
    today = today_local()
    body = {"title": "2026年社区服务以奖代补", "year": today.year, "description": "",
            "opens_on": today - timedelta(days=5), "closes_on": today + timedelta(days=5),
            "criteria": [dict(c) for c in CRITERIA], "tiers": [dict(t) for t in TIERS]}
    body.update(changes)
    return body


def user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture(name="world")
def world_fixture(app, make_user):
    for name, role, region in (("city", "city_official", "511300"),
                               ("city2", "city_official", "511300"),
                               ("sq", "county_official", "511302"),
                               ("sq2", "county_official", "511302"),
                               ("gp", "county_official", "511303"),
                               ("stn", "station_admin", "511302001"),
                               ("stn_gp", "station_admin", "511303001")):
        make_user(role, region, name)
    for *_, rep in ORGS:
        make_user("org_admin", "511300", rep)
    ids = {}
    with app.app_context():
        last_year = today_local().year - 1
        for name, region, status, result, abnormal, rep in ORGS:
            org = Organization(name=name, org_type="social_service", region_code=region,
                               status=status, certificate_date=date(2018, 3, 1),
                               abnormal_listed=abnormal)
            db.session.add(org)
            db.session.flush()
            ids[rep] = org.id
            user(rep).organization_id = org.id
            if result:
                db.session.add(AnnualReport(organization_id=org.id, region_code=region,
                                            year=last_year, result=result))
            if abnormal:
                db.session.add(AbnormalListing(organization_id=org.id, region_code=region,
                                               reason="unreachable",
                                               listed_on=today_local() - timedelta(days=30)))
        db.session.add(Station(name="中城街道志愿服务站", township_code="511302001"))
        awards.record_penalty(user("sq"), ids["rep_penalty"], {
            "decided_on": today_local() - timedelta(days=100), "decision_no": "顺民罚〔2026〕1号",
            "reason": "违规开展活动"})
        row = awards.save_round(user("city"), round_body())
        awards.publish_round(user("city"), row)
        ids["round"] = row.id
        ids["criteria"] = [c.id for c in row.criteria]
        db.session.commit()
    return ids


def apply(api, world, login="rep", evidence=True, **changes):
    """Apply through the API (and upload one evidence file); returns the response."""
    api.token(login)
    today = today_local()
    body = {"round_id": world["round"], "title": "社区助老服务",
            "description": "为 120 位独居老人上门服务",
            "work_from": str(today - timedelta(days=200)),
            "work_to": str(today - timedelta(days=10)), **changes}
    response = api.post("/api/v1/award-applications", json=body)
    if evidence and response.status_code == 201:
        upload = api.post(f"/api/v1/award-applications/{response.get_json()['id']}/evidence",
                          json=None, data={"file": (BytesIO(PDF), "证明.pdf")},
                          content_type="multipart/form-data")
        assert upload.status_code == 201, upload.get_json()
    return response


def score(api, world, application_id, values=(95, 90), login="sq"):
    api.token(login)
    return api.post(f"/api/v1/award-applications/{application_id}/score", json={
        "scores": [{"criterion_id": c, "score": v} for c, v in zip(world["criteria"], values,
                                                                   strict=True)],
        "comment": "材料齐全"})
