"""以奖代补 through the API: the round's weights and bands, eligibility (each reason), the
window, scoring, four eyes, 公示 and objections, payment, jurisdiction, bad input."""

from datetime import timedelta
from io import BytesIO

import pytest

from registry.clock import today_local, utcnow
from registry.errors import Conflict
from registry.extensions import db
from registry.purchasing import award_applications, awards, eligibility
from registry.purchasing.models import AwardApplication, AwardRound
from tests.test_purchasing_award_helpers import (
    PNG,
    apply,
    round_body,
    score,
    user,
    world_fixture,  # noqa: F401
)


def body(**changes):
    data = round_body(**changes)
    for key in ("opens_on", "closes_on"):
        data[key] = str(data[key])
    return data


# --- rounds -------------------------------------------------------------------------------------

def test_weights_must_sum_to_100(api, world):
    api.token("city")
    criteria = [{"name": "成效", "weight": 60}, {"name": "时长", "weight": 30}]
    response = api.post("/api/v1/award-rounds", json=body(criteria=criteria))
    assert response.status_code == 422
    assert "权重之和应为 100，现为 90" in response.get_json()["error"]["fields"]["criteria"][0]
    for bad in ([{"name": "成效", "weight": 0}, {"name": "时长", "weight": 100}],
                [{"name": "成效", "weight": 50}, {"name": "成效", "weight": 50}], []):
        assert api.post("/api/v1/award-rounds", json=body(criteria=bad)).status_code == 422
    assert api.post("/api/v1/award-rounds", json=body()).status_code == 201


def test_bands_must_not_overlap(api, world):
    api.token("city")
    tiers = [{"min_score": 80, "max_score": 90, "amount_fen": 100},
             {"min_score": 90, "max_score": 100, "amount_fen": 200}]
    response = api.post("/api/v1/award-rounds", json=body(tiers=tiers))
    assert response.status_code == 422
    assert "重叠" in response.get_json()["error"]["fields"]["tiers"][0]
    for bad in ([{"min_score": 90, "max_score": 80, "amount_fen": 100}],
                [{"min_score": 90, "max_score": 101, "amount_fen": 100}],
                [{"min_score": 90, "max_score": 100, "amount_fen": 0}],
                [{"min_score": 90, "max_score": 100, "amount_fen": 2**40}]):
        assert api.post("/api/v1/award-rounds", json=body(tiers=bad)).status_code == 422


def test_window_and_round_dates(api, world):
    api.token("city")
    today = today_local()
    response = api.post("/api/v1/award-rounds", json=body(closes_on=str(today - timedelta(
        days=10))))
    assert response.status_code == 422 and "closes_on" in response.get_json()["error"]["fields"]
    response = api.post("/api/v1/award-rounds", json=body(
        opens_on=str(today + timedelta(days=1)), closes_on=str(today + timedelta(days=9))))
    future = response.get_json()["id"]
    assert api.post(f"/api/v1/award-rounds/{future}/publish").status_code == 200
    applied = apply(api, {**world, "round": future})
    assert applied.status_code == 409 and "不在申请期内" in applied.get_json()["error"]["message"]


def test_published_round_is_fixed_and_drafts_are_the_citys(api, world):
    api.token("city")
    draft = api.post("/api/v1/award-rounds", json=body(title="草稿批次")).get_json()["id"]
    response = api.client.put(f"/api/v1/award-rounds/{world['round']}", json=body(),
                              headers={"Authorization": f"Bearer {api.bearer}"})
    assert response.status_code == 409
    api.token("sq")
    assert api.get(f"/api/v1/award-rounds/{draft}").status_code == 404
    assert api.get(f"/api/v1/award-rounds/{world['round']}").status_code == 200
    assert api.post("/api/v1/award-rounds", json=body()).status_code == 403
    api.token("rep")
    assert api.post(f"/api/v1/award-rounds/{draft}/publish").status_code == 403


# --- eligibility --------------------------------------------------------------------------------

@pytest.mark.parametrize("login, reason", [
    ("rep_noreport", "年度报告未报送"), ("rep_fail", "不合格"),
    ("rep_abnormal", "活动异常名录"), ("rep_dereg", "未登记或已注销"), ("rep_penalty", "行政处罚"),
])
def test_an_ineligible_organization_cannot_apply(api, world, login, reason):
    response = apply(api, world, login=login)
    assert response.status_code == 409
    assert reason in response.get_json()["error"]["message"]


def test_eligibility_reasons(app, world):
    with app.app_context():
        from registry.organizations.models import Organization
        ok, reasons = eligibility.award_eligibility(db.session.get(Organization, world["rep"]))
        assert ok and reasons == []
        ok, reasons = eligibility.award_eligibility(db.session.get(Organization, world["rep_gp"]))
        assert ok  # 基本合格 passes
        org = db.session.get(Organization, world["rep_penalty"])
        assert not eligibility.award_eligibility(org)[0]
        later = today_local() + timedelta(days=3 * 366)
        assert "行政处罚" not in "".join(eligibility.award_eligibility(org, later)[1])


@pytest.mark.parametrize("cut", [False, True])
def test_the_credit_profile_answers_as_the_rules_do(app, world, monkeypatch, cut):
    """The profile lets the rules read the lists it has read (whole ones only): the answers
    are the rules' own, for every kind of organization, and with lists cut short too."""
    from registry.organizations.models import Organization
    from registry.purchasing import credit

    if cut:
        monkeypatch.setattr(credit, "PROFILE_ROWS", 1)
    with app.app_context():
        viewer = user("city")
        for name in ("rep", "rep_gp", "rep_noreport", "rep_fail", "rep_abnormal", "rep_dereg",
                     "rep_penalty"):
            org = db.session.get(Organization, world[name])
            shown = [answer.as_dict() for answer in credit.profile(viewer, org)["eligibility"]]
            asked = [eligibility.eligibility(org, purpose).as_dict()
                     for purpose in eligibility.PURPOSES]
            assert shown == asked, name
            assert shown[1]["eligible"] == (name in ("rep", "rep_gp")), name


def test_eligibility_is_checked_again_at_approval(app, api, world):
    application = apply(api, world).get_json()["id"]
    assert score(api, world, application).status_code == 200
    with app.app_context():
        from registry.organizations import records
        from registry.organizations.models import Organization
        records.list_abnormal(user("sq"), db.session.get(Organization, world["rep"]),
                              "unreachable")
        db.session.commit()
    api.token("city")
    response = api.post(f"/api/v1/award-applications/{application}/approve", json={})
    assert response.status_code == 409 and "活动异常名录" in response.get_json()["error"]["message"]


# --- the workflow -------------------------------------------------------------------------------

def test_scored_approved_publicized_objected_and_paid(app, api, world):
    application = apply(api, world).get_json()["id"]
    assert apply(api, world).status_code == 409  # one open application per round
    response = score(api, world, application, (95, 90))
    assert response.status_code == 200
    data = response.get_json()
    assert data["total_score"] == "93.00" and data["amount_fen"] == 5_000_000
    api.token("city")
    assert api.post(f"/api/v1/award-applications/{application}/return",
                    json={}).status_code == 422  # a reason is required
    assert api.post(f"/api/v1/award-applications/{application}/return",
                    json={"comment": "服务成效证明不足"}).status_code == 200
    rescored = score(api, world, application, (85, 89)).get_json()
    assert rescored["total_score"] == "86.60" and rescored["amount_fen"] == 3_000_000
    api.token("city")
    assert api.post(f"/api/v1/award-applications/{application}/approve",
                    json={"comment": "同意"}).status_code == 200
    assert api.post(f"/api/v1/award-applications/{application}/publicize",
                    json={}).status_code == 200
    public = api.client.get("/api/v1/public/award-publicity").get_json()["items"]
    assert [(p["applicant"], p["amount_fen"], p["total_score"]) for p in public] == [
        ("顺庆区阳光社工中心", 3_000_000, "86.60")]
    # Payment waits for the end of 公示.
    api.token("city2")
    pay = {"amount_fen": 3_000_000, "paid_on": str(today_local()), "voucher_no": "财拨2026-001"}
    assert api.post(f"/api/v1/award-applications/{application}/payment",
                    json=pay).status_code == 409
    # An objection sends it back to the city, which approves and publicizes it again.
    objected = api.client.post(f"/api/v1/public/award-applications/{application}/objections",
                               json={"reason": "服务人数与实际不符"})
    assert objected.status_code == 201 and objected.get_json()["status"] == "objected"
    api.token("city")
    detail = api.get(f"/api/v1/award-applications/{application}").get_json()
    assert detail["objections"] == ["服务人数与实际不符"] and "approve" in detail["moves"]
    api.post(f"/api/v1/award-applications/{application}/approve", json={"comment": "已核实"})
    api.post(f"/api/v1/award-applications/{application}/publicize", json={})
    with app.app_context():
        row = db.session.get(AwardApplication, application)
        row.publicized_until = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert api.client.post(f"/api/v1/public/award-applications/{application}/objections",
                           json={"reason": "太晚了"}).status_code == 409
    api.token("city")  # the approver may not record the payment
    assert api.post(f"/api/v1/award-applications/{application}/payment",
                    json=pay).status_code == 409
    api.token("city2")
    wrong = api.post(f"/api/v1/award-applications/{application}/payment",
                     json={**pay, "amount_fen": 3_000_001})
    assert wrong.status_code == 422 and "amount_fen" in wrong.get_json()["error"]["fields"]
    paid = api.post(f"/api/v1/award-applications/{application}/payment", json=pay)
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    # The applicant sees every step, the scores and the reasons.
    api.token("rep")
    mine = api.get(f"/api/v1/award-applications/{application}").get_json()
    assert [s["score"] for s in mine["scores"]] == [85, 89]
    assert any("服务成效证明不足" in step["comment"] for step in mine["steps"])
    assert mine["paid_fen"] == 3_000_000 and mine["voucher_no"] == "财拨2026-001"
    with app.app_context():
        awarded = award_applications.awards_of(world["rep"])
        assert awarded == [{"application_id": application, "round_title": "2026年社区服务以奖代补",
                            "year": today_local().year, "amount_fen": 3_000_000,
                            "score": "86.60", "status": "paid", "status_label": "已拨付",
                            "paid_on": today_local()}]


def test_score_ranges_and_criteria(api, world):
    application = apply(api, world).get_json()["id"]
    for values in ((101, 90), (-1, 90)):
        response = score(api, world, application, values)
        assert response.status_code == 422
    api.token("sq")
    response = api.post(f"/api/v1/award-applications/{application}/score",
                        json={"scores": [{"criterion_id": world["criteria"][0], "score": 90}]})
    assert response.status_code == 422  # every criterion is scored
    response = api.post(f"/api/v1/award-applications/{application}/score", json={"scores": [
        {"criterion_id": world["criteria"][0], "score": 90},
        {"criterion_id": world["criteria"][1], "score": 90},
        {"criterion_id": 999999, "score": 90}]})
    assert response.status_code == 422
    api.token("rep")
    assert api.get(f"/api/v1/award-applications/{application}").get_json()["status"] == "applied"


def test_no_award_below_the_lowest_band(api, world):
    application = apply(api, world).get_json()["id"]
    assert score(api, world, application, (50, 50)).get_json()["amount_fen"] == 0
    api.token("city")
    response = api.post(f"/api/v1/award-applications/{application}/approve", json={})
    assert response.status_code == 409
    assert "不在任何奖励档次" in response.get_json()["error"]["message"]
    assert api.post(f"/api/v1/award-applications/{application}/reject",
                    json={"comment": "未达到奖励档次"}).get_json()["status"] == "rejected"


def test_band_edges_follow_the_whole_points(app, world):
    with app.app_context():
        row = db.session.get(AwardRound, world["round"])
        assert awards.amount_for(row, 8999) == 3_000_000  # 89.99 is in 80–89
        assert awards.amount_for(row, 9000) == 5_000_000
        assert awards.amount_for(row, 5999) == 0


def test_evidence_is_needed_and_checked(api, world):
    application = apply(api, world, evidence=False).get_json()["id"]
    response = score(api, world, application)
    assert response.status_code == 409 and "证明材料" in response.get_json()["error"]["message"]
    api.token("rep")
    url = f"/api/v1/award-applications/{application}/evidence"
    renamed = api.post(url, json=None, data={"file": (BytesIO(PNG), "证明.pdf")},
                       content_type="multipart/form-data")
    assert renamed.status_code == 422
    fake = api.post(url, json=None, data={"file": (BytesIO(b"MZ\x90\x00"), "a.pdf")},
                    content_type="multipart/form-data")
    assert fake.status_code == 422
    good = api.post(url, json=None, data={"file": (BytesIO(PNG), "../../现场照片.png")},
                    content_type="multipart/form-data")
    assert good.status_code == 201 and good.get_json()["name"] == "现场照片.png"


def test_four_eyes(app, api, world, make_user):
    # A county official who applied for his own station may not score it.
    api.token("stn")
    station_app = apply(api, world, login="stn").get_json()["id"]
    with app.app_context():
        db.session.get(AwardApplication, station_app).submitted_by = user("sq").id
        db.session.commit()
    assert score(api, world, station_app).status_code == 409
    assert score(api, world, station_app, login="sq2").status_code == 200
    # City-level applicant: the city scores, then another city official approves.
    with app.app_context():
        row = db.session.get(AwardApplication, station_app)
        row.status, row.region_code = "applied", "511300"
        db.session.commit()
    assert score(api, world, station_app, login="city").status_code == 200
    api.token("city")
    response = api.post(f"/api/v1/award-applications/{station_app}/approve", json={})
    assert response.status_code == 409 and "评分人" in response.get_json()["error"]["message"]
    api.token("city2")
    assert api.post(f"/api/v1/award-applications/{station_app}/approve",
                    json={}).status_code == 200


def test_city_does_not_score_a_county_application(api, world):
    application = apply(api, world).get_json()["id"]
    assert score(api, world, application, login="city").status_code == 403


def test_jurisdiction(api, world):
    application = apply(api, world).get_json()["id"]
    station_app = apply(api, world, login="stn").get_json()["id"]
    other = apply(api, world, login="rep_gp").get_json()["id"]
    assert score(api, world, other, login="sq").status_code == 404
    api.token("gp")
    assert api.get(f"/api/v1/award-applications/{application}").status_code == 404
    assert [a["id"] for a in api.get("/api/v1/award-applications").get_json()["items"]] == [other]
    api.token("rep_gp")
    assert api.get(f"/api/v1/award-applications/{application}").status_code == 404
    api.token("stn")  # a station admin sees the station's own, not the township's organizations'
    assert [a["id"] for a in api.get("/api/v1/award-applications").get_json()["items"]] == [
        station_app]
    api.token("stn_gp")
    assert api.get(f"/api/v1/award-applications/{station_app}").status_code == 404
    api.token("city")
    listed = api.get("/api/v1/award-applications").get_json()["items"]
    assert {a["id"] for a in listed} == {application, station_app, other}
    api.token("rep")
    response = api.post(f"/api/v1/award-applications/{other}/evidence", json=None,
                        data={"file": (BytesIO(PNG), "a.png")}, content_type="multipart/form-data")
    assert response.status_code == 404


@pytest.mark.parametrize("changes, field", [
    ({"work_to": "2100-12-31"}, "work_to"),
    ({"work_from": "0001-01-01"}, "work_from"),
    ({"title": "\x00"}, "title"),
    ({"round_id": 2**40}, "round_id"),
    ({"work_from": "2026-02-30"}, "work_from"),
])
def test_bad_application_input(api, world, changes, field):
    response = apply(api, world, **changes)
    assert response.status_code in (400, 404, 422)
    assert response.get_json()["error"]["code"] in ("validation_error", "not_found",
                                                     "bad_request")
    api.token("city")
    assert api.get("/api/v1/award-applications").get_json()["items"] == []


def test_volunteer_and_public_cannot_apply(api, world, make_user):
    make_user("volunteer", "511302001", "vol")
    api.token("vol")
    assert apply(api, world, login="vol").status_code == 403
    api.bearer = None
    assert api.get("/api/v1/award-applications").status_code == 401


def test_objection_to_unknown_or_unpublicized(api, world):
    application = apply(api, world).get_json()["id"]
    for ident in (application, 999999):
        response = api.client.post(f"/api/v1/public/award-applications/{ident}/objections",
                                   json={"reason": "有异议"})
        assert response.status_code == 404
    response = api.client.post(f"/api/v1/public/award-applications/{application}/objections",
                               json={"reason": ""})
    assert response.status_code == 422


def test_operations_refuse_the_wrong_role(app, world):
    with app.app_context(), pytest.raises(Conflict):
        awards.publish_round(user("city"), db.session.get(AwardRound, world["round"]))


def test_penalty_command_excludes_from_awards(app, api, world):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["award-penalty", "--user", "sq", "--org-id", str(world["rep"]),
                                 "--decided-on", str(today_local()), "--number", "顺民罚1号",
                                 "--reason", "违规收费"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(args=["award-penalty", "--user", "gp", "--org-id",
                                  str(world["rep"]), "--decided-on", str(today_local()),
                                  "--number", "x", "--reason", "y"])
    assert refused.exit_code == 1  # not in 高坪区's jurisdiction
    response = apply(api, world)
    assert response.status_code == 409 and "行政处罚" in response.get_json()["error"]["message"]


def test_applicants_see_published_rounds_only(api, world):
    api.token("city")
    api.post("/api/v1/award-rounds", json=body(title="草稿批次"))
    assert len(api.get("/api/v1/award-rounds").get_json()["items"]) == 2
    api.token("rep")
    rounds = api.get("/api/v1/award-rounds").get_json()["items"]
    assert [(r["id"], r["window_open"]) for r in rounds] == [(world["round"], True)]
    assert sum(c["weight"] for c in rounds[0]["criteria"]) == 100


def test_county_rejects_before_scoring_only(api, world):
    application = apply(api, world).get_json()["id"]
    api.token("sq")
    assert api.post(f"/api/v1/award-applications/{application}/reject",
                    json={}).status_code == 422
    score(api, world, application)
    api.token("sq")
    assert api.post(f"/api/v1/award-applications/{application}/reject",
                    json={"comment": "不符合"}).status_code == 409
