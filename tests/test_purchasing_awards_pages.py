"""以奖代补 pages: the city's editor (weights, bands), applying with evidence, scoring at the
field, the city's decisions, the public 公示 and objections, payment, jurisdiction."""

from datetime import timedelta
from io import BytesIO

from registry.clock import today_local, utcnow
from registry.extensions import db
from registry.purchasing.models import AwardApplication, AwardRound
from tests.conftest import Browser
from tests.test_purchasing_award_helpers import (
    PDF,
    apply,
    score,
    world_fixture,  # noqa: F401
)


def person(app, login):
    browser = Browser(app.test_client())
    browser.login(login)
    return browser


def round_form(**changes):
    today = today_local()
    data = {"title": "2027年以奖代补", "year": "2027", "description": "",
            "opens_on": str(today), "closes_on": str(today + timedelta(days=30)),
            "criteria": "服务成效 60 受益人数\n志愿服务时长 40",
            "tiers": "90 100 50,000\n80-89 30000"}
    data.update(changes)
    return data


def test_city_edits_a_round_with_checked_weights_and_bands(app, world):
    city = person(app, "city")
    response = city.post("/awards/rounds/new", data=round_form(
        criteria="服务成效 60\n志愿服务时长 30"))
    assert response.status_code == 422
    assert "权重之和应为 100，现为 90" in response.get_data(as_text=True)
    response = city.post("/awards/rounds/new", data=round_form(tiers="80 90 100\n90 100 200"))
    assert response.status_code == 422 and "重叠" in response.get_data(as_text=True)
    response = city.post("/awards/rounds/new", data=round_form(tiers="90 100 五万"))
    assert response.status_code == 422 and "金额" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AwardRound).count() == 1
    response = city.post("/awards/rounds/new", data=round_form())
    assert response.status_code == 302
    with app.app_context():
        row = db.session.query(AwardRound).order_by(AwardRound.id.desc()).first()
        assert [(t.min_score, t.max_score, t.amount_fen) for t in row.tiers] == [
            (90, 100, 5_000_000), (80, 89, 3_000_000)]
        new_id = row.id
    assert person(app, "sq").get(f"/awards/rounds/{new_id}").status_code == 404  # a draft
    assert person(app, "sq").get("/awards/rounds/new").status_code == 403
    assert city.post(f"/awards/rounds/{new_id}/publish").status_code == 302
    # A published round is fixed: the page says so (a domain refusal shown as a message).
    response = city.post(f"/awards/rounds/{new_id}/edit", data=round_form(title="改名"))
    assert "不能再修改" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(AwardRound, new_id).title == "2027年以奖代补"


def test_apply_on_the_page_needs_evidence_and_eligibility(app, world):
    rep = person(app, "rep")
    url = f"/awards/rounds/{world['round']}/apply"
    data = {"title": "社区助老服务", "description": "上门服务",
            "work_from": str(today_local() - timedelta(days=30)),
            "work_to": str(today_local() - timedelta(days=1))}
    response = rep.post(url, data=data)
    assert response.status_code == 422 and "证明材料" in response.get_data(as_text=True)
    response = rep.post(url, data={**data, "evidence": (BytesIO(PDF), "证明.pdf")},
                        content_type="multipart/form-data")
    assert response.status_code == 302
    page = person(app, "rep_abnormal").get(url).get_data(as_text=True)
    assert "不符合申请条件" in page and "活动异常名录" in page
    response = person(app, "rep_abnormal").post(url, data={
        **data, "evidence": (BytesIO(PDF), "证明.pdf")}, content_type="multipart/form-data")
    assert response.status_code != 302 and "活动异常名录" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(AwardApplication).count() == 1


def test_scoring_page_shows_errors_at_the_field(app, api, world):
    application = apply(api, world).get_json()["id"]
    county = person(app, "sq")
    page = county.get(f"/awards/applications/{application}").get_data(as_text=True)
    assert "提交评分" in page
    first, second = world["criteria"]
    response = county.post(f"/awards/applications/{application}/score",
                           data={f"score_{first}": "101", f"score_{second}": "90"})
    assert response.status_code == 422 and "0 到 100" in response.get_data(as_text=True)
    response = county.post(f"/awards/applications/{application}/score",
                           data={f"score_{first}": "95", f"score_{second}": "90"})
    assert response.status_code == 302
    assert "93.00" in county.get(f"/awards/applications/{application}").get_data(as_text=True)


def test_city_decides_public_objects_and_payment(app, api, world):
    application = apply(api, world).get_json()["id"]
    score(api, world, application, (85, 85))
    city = person(app, "city")
    response = city.post(f"/awards/applications/{application}/return", data={"comment": ""})
    assert response.status_code == 302
    assert "须填写意见或理由" in city.get(response.location).get_data(as_text=True)
    city.post(f"/awards/applications/{application}/approve", data={"comment": "同意"})
    city.post(f"/awards/applications/{application}/publicize", data={"comment": ""})
    public = Browser(app.test_client())
    listing = public.get("/awards/").get_data(as_text=True)
    assert "顺庆区阳光社工中心" in listing and "30,000.00" in listing and "85.00" in listing
    public.refresh_token("/awards/")
    response = public.post(f"/awards/{application}/objections", data={"reason": "人数不实"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(AwardApplication, application).status == "objected"
    city.post(f"/awards/applications/{application}/approve", data={"comment": "已核实"})
    city.post(f"/awards/applications/{application}/publicize", data={"comment": ""})
    with app.app_context():
        db.session.get(AwardApplication, application).publicized_until = utcnow()
        db.session.commit()
    finance = person(app, "city2")
    url = f"/awards/applications/{application}/payment"
    response = finance.post(url, data={"amount": "29999", "paid_on": str(today_local()),
                                       "voucher_no": "V1"})
    assert response.status_code == 422 and "30000.00" in response.get_data(as_text=True)
    response = finance.post(url, data={"amount": "30,000", "paid_on": str(today_local()),
                                       "voucher_no": "V1"})
    assert response.status_code == 302
    mine = person(app, "rep").get(f"/awards/applications/{application}").get_data(as_text=True)
    assert "已拨付" in mine and "人数不实" in mine and "V1" in mine


def test_foreign_applications_and_evidence_are_404(app, api, world):
    application = apply(api, world).get_json()["id"]
    with app.app_context():
        evidence = db.session.get(AwardApplication, application)
        from registry.purchasing import award_evidence
        file_id = award_evidence.files_of(evidence)[0].id
    for login in ("gp", "rep_gp", "stn"):
        browser = person(app, login)
        assert browser.get(f"/awards/applications/{application}").status_code == 404
        assert browser.get(f"/awards/evidence/{file_id}").status_code == 404
    assert person(app, "gp").post(f"/awards/applications/{application}/score",
                                  data={}).status_code == 404
    download = person(app, "sq").get(f"/awards/evidence/{file_id}")
    assert download.status_code == 200 and download.data == PDF
    assert Browser(app.test_client()).get("/awards/applications").status_code in (302, 401)


def test_an_official_records_a_penalty_from_the_credit_profile(app, world, api):
    """The credit profile offers officials 登记行政处罚; a bad date or an empty field is named
    at the field and nothing is saved; a recorded penalty shows in the profile (page and
    API) and refuses the organization's award application; other counties and other roles
    cannot record one."""
    from registry.purchasing.models import OrgPenalty
    from tests.test_purchasing_award_helpers import apply as apply_api

    org = world["rep"]
    sq = person(app, "sq")
    profile = sq.get(f"/organizations/{org}").get_data(as_text=True)
    assert f"/awards/penalties/{org}/new" in profile
    page = f"/awards/penalties/{org}/new"
    assert sq.get(page).status_code == 200
    for bad, field_message in ((dict(decided_on=""), "请填写处罚决定日期"),
                               (dict(decided_on="0001-01-01"), ""),
                               (dict(decided_on=str(today_local() + timedelta(days=1))),
                                "不能晚于今天"),
                               (dict(decision_no=""), "请填写处罚决定书文号"),
                               (dict(reason="x" * 2001), "2000")):
        data = {"decided_on": str(today_local()), "decision_no": "顺民罚2号",
                "reason": "违规收费"} | bad
        response = sq.post(page, data=data)
        assert response.status_code == 422, bad
        assert field_message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(OrgPenalty).filter_by(organization_id=org).count() == 0
    assert person(app, "gp").get(page).status_code == 404  # 高坪区: not its organization
    assert person(app, "stn").get(page).status_code == 403
    assert person(app, "rep").get(page).status_code == 403
    response = sq.post(page, data={"decided_on": str(today_local()), "decision_no": "顺民罚2号",
                                   "reason": "违规收费"})
    assert response.status_code == 302 and f"/organizations/{org}" in response.location
    assert "顺民罚2号" in sq.get(f"/organizations/{org}").get_data(as_text=True)
    api.token("sq")
    penalties = api.get(f"/api/v1/organizations/{org}/credit").get_json()["penalties"]
    assert penalties == [{"decided_on": str(today_local()), "decision_no": "顺民罚2号",
                          "reason": "违规收费"}]
    response = apply_api(api, world)
    assert response.status_code == 409 and "行政处罚" in response.get_json()["error"]["message"]
