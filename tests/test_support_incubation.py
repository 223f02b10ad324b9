"""Incubation: incubators, intakes, the workflow (allowed and refused), pages, scoping."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.scoping import get_visible
from registry.support import incubation as inc
from registry.support.models import Incubation, IncubationIntake, Incubator
from registry.workflow import history
from tests.conftest import Browser
from tests.test_support_helpers import org_id, user, world  # noqa: F401

# Only parametrize lists read TODAY (a day's drift keeps them valid); each test reads its
# own, since a run may cross Beijing midnight.
TODAY = today_local()
pytestmark = pytest.mark.usefixtures("world")


def setup_intake(actor="sq1", region="511302", capacity=3, opens=-5, closes=20):
    today = today_local()
    official = user(actor)
    base = inc.save_incubator(official, {"name": "顺庆区孵化园", "region_code": region,
                                         "address": "中城街道文化路 8 号"})
    intake = inc.save_intake(official, base, {
        "year": today.year, "title": "第一期", "opens_on": today + timedelta(days=opens),
        "closes_on": today + timedelta(days=closes), "capacity": capacity})
    db.session.commit()
    return base, intake


def applied(intake, org_name="顺庆区阳光社工中心", actor="sq1"):
    item = inc.apply(user(actor), intake, org_id(org_name), "社区养老服务项目")
    db.session.commit()
    return item


def under_review(intake, org_name="顺庆区阳光社工中心", score=88):
    item = applied(intake, org_name)
    official = user("sq1")
    inc.start_review(official, item, "材料齐全")
    if score is not None:
        inc.record_score(official, item, score, "评审组意见：方向明确")
    db.session.commit()
    return item


def test_full_cycle_to_graduation_with_history(ctx):
    today = today_local()
    _, intake = setup_intake()
    item = under_review(intake)
    official = user("sq1")
    start = today - timedelta(days=300)
    inc.admit(official, item, start_on=start, mentor="周老师", agreement_no="FH-001")
    assert item.status == "admitted"
    assert item.end_on == inc.add_months(start, 12)  # default period from config
    milestone = inc.add_milestone(official, item, "建立财务制度", start + timedelta(days=30))
    inc.complete_milestone(official, milestone, start + timedelta(days=25))
    inc.mid_review(official, item, 82, "进展良好")
    inc.finish(official, item, "graduate", today, "完成孵化目标")
    db.session.commit()
    assert (item.status, item.mid_score, item.finished_on) == ("graduated", 82, today)
    moves = history(item)
    assert [m.comment.split("：")[0] for m in moves] == [
        "受理并进入评审", "同意入驻", "中期评估", "出壳（结业）"]
    assert all(m.actor_name == "sq1" for m in moves)
    assert "进展良好" in moves[2].comment


def test_reject_needs_a_reason_and_exit_from_admitted(ctx):
    today = today_local()
    _, intake = setup_intake()
    item = under_review(intake)
    with pytest.raises(ValidationFailed) as error:
        inc.reject(user("sq1"), item, "  ")
    assert "comment" in error.value.fields
    db.session.rollback()
    inc.reject(user("sq1"), item, "服务方向不符")
    db.session.commit()
    assert item.status == "rejected"
    other = under_review(intake, "顺庆区助老协会")
    inc.admit(user("sq1"), other)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        inc.finish(user("sq1"), other, "exit", today, "")
    db.session.rollback()
    inc.finish(user("sq1"), other, "exit", today, "主动退出")
    db.session.commit()
    assert other.status == "exited"


@pytest.mark.parametrize("move", ["admit", "graduate", "mid_review"])
def test_wrong_state_is_a_conflict_and_changes_nothing(ctx, move):
    today = today_local()
    _, intake = setup_intake()
    item = applied(intake)
    official = user("sq1")
    with pytest.raises(Conflict):
        if move == "admit":
            inc.MACHINE.move(item, "admit", official)
        elif move == "graduate":
            inc.finish(official, item, "graduate", today, "")
        else:
            inc.mid_review(official, item, 80, "中期")
    db.session.rollback()
    assert db.session.get(Incubation, item.id).status == "applied"
    assert history(item) == []


def test_roles_and_missing_score(ctx):
    _, intake = setup_intake()
    item = applied(intake)
    for name in ("rep1", "st1"):
        with pytest.raises(NotAllowed):
            inc.start_review(user(name), item)
        db.session.rollback()
    inc.start_review(user("sq1"), item)
    with pytest.raises(ValidationFailed) as error:
        inc.admit(user("sq1"), item)
    assert "score" in error.value.fields
    for bad in (101, -1, 1.5, "八十", True):
        with pytest.raises(ValidationFailed):
            inc.record_score(user("sq1"), item, bad, "意见")
    db.session.rollback()
    assert db.session.get(Incubation, item.id).score is None


def test_capacity_is_enforced(ctx):
    _, intake = setup_intake(capacity=1)
    first = under_review(intake)
    second = under_review(intake, "顺庆区助老协会")
    inc.admit(user("sq1"), first)
    db.session.commit()
    with pytest.raises(Conflict, match="已满"):
        inc.admit(user("sq1"), second)
    db.session.rollback()
    assert db.session.get(Incubation, second.id).status == "under_review"


def test_duplicate_and_running_applications_refused(ctx):
    today = today_local()
    base, intake = setup_intake()
    applied(intake)
    with pytest.raises(Conflict, match="已申请过本批次"):
        applied(intake)
    db.session.rollback()
    other = inc.save_intake(user("sq1"), base, {
        "year": today.year, "title": "第二期", "opens_on": today, "closes_on": today,
        "capacity": 2})
    with pytest.raises(Conflict, match="进行中的孵化申请"):
        inc.apply(user("sq1"), other, org_id("顺庆区阳光社工中心"), "再次申请")
    db.session.rollback()
    with pytest.raises(ValidationFailed, match="已不予登记或已注销"):
        inc.apply(user("sq1"), intake, org_id("顺庆区已注销协会"), "计划")


def test_incubation_period_and_dates(ctx):
    today = today_local()
    _, intake = setup_intake()
    item = under_review(intake)
    official = user("sq1")
    with pytest.raises(ValidationFailed) as error:
        inc.admit(official, item, start_on=today, end_on=today - timedelta(days=1))
    assert "end_on" in error.value.fields
    with pytest.raises(ValidationFailed, match="不能超过 36 个月"):
        inc.admit(official, item, start_on=today, end_on=today + timedelta(days=365 * 4))
    db.session.rollback()
    assert db.session.get(Incubation, item.id).status == "under_review"


def test_configurable_default_period(app):
    app.config["INCUBATION_DEFAULT_MONTHS"] = 24
    with app.app_context():
        _, intake = setup_intake()
        item = under_review(intake)
        inc.admit(user("sq1"), item, start_on=date(2026, 1, 31))
        assert item.end_on == date(2028, 1, 31)
        db.session.rollback()


@pytest.mark.parametrize("data, field", [
    ({"closes_on": TODAY - timedelta(days=10)}, "closes_on"),
    ({"capacity": "1.5"}, "capacity"),
    ({"capacity": -3}, "capacity"),
    ({"title": ""}, "title"),
    ({"title": "期" * 5000}, "title"),
    ({"year": "二〇二六"}, "year"),
    ({"opens_on": None}, "opens_on"),
])
def test_intake_bad_input_saves_nothing(ctx, data, field):
    today = today_local()
    official = user("sq1")
    base = inc.save_incubator(official, {"name": "孵化园", "region_code": "511302"})
    db.session.commit()
    values = {"year": today.year, "title": "第一期", "opens_on": today,
              "closes_on": today + timedelta(days=5), "capacity": 3, **data}
    with pytest.raises(ValidationFailed) as error:
        inc.save_intake(official, base, values)
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(IncubationIntake)) == 0


def test_incubator_region_must_be_in_jurisdiction(ctx):
    with pytest.raises(ValidationFailed) as error:
        inc.save_incubator(user("sq1"), {"name": "高坪孵化园", "region_code": "511303"})
    assert "region_code" in error.value.fields
    with pytest.raises(ValidationFailed):
        inc.save_incubator(user("sq1"), {"name": "园", "region_code": "511302",
                                         "operator_id": org_id("高坪区乐龄中心")})


def test_other_county_never_sees_incubation(ctx):
    base, intake = setup_intake()
    item = applied(intake)
    gp, city = user("gp1"), user("city1")
    for model, ident in ((Incubator, base.id), (IncubationIntake, intake.id),
                         (Incubation, item.id)):
        assert get_visible(gp, model, ident) is None
        assert get_visible(city, model, ident) is not None
    assert get_visible(user("rep2"), Incubation, item.id) is None
    assert get_visible(user("rep1"), Incubation, item.id) is not None


# --- pages -------------------------------------------------------------------------------

def test_pages_create_incubator_and_intake(browser, app):
    browser.login("sq1")
    response = browser.post("/support/incubators/new", {
        "name": "顺庆区社会组织孵化园", "region_code": "511302", "address": "文化路 8 号",
        "operator_id": "52511302MJ1234561U"})
    assert response.status_code == 302
    with app.app_context():
        base = db.session.scalar(select(Incubator))
        assert base.operator_id == org_id("顺庆区阳光社工中心")
    response = browser.post(f"/support/incubators/{base.id}/intakes/new", {
        "year": "2026", "title": "第一期", "opens_on": "2026-03-01", "closes_on": "2026-02-01",
        "capacity": "5"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "报名截止日期必须不早于报名开始日期" in page
    response = browser.post(f"/support/incubators/{base.id}/intakes/new", {
        "year": "2026", "title": "第一期", "opens_on": "2026/03/01", "closes_on": "2026-04-01",
        "capacity": "5"})
    assert response.status_code == 422 and "日期格式不正确" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IncubationIntake)) == 0
    response = browser.post(f"/support/incubators/{base.id}/intakes/new", {
        "year": "2026", "title": "第一期", "opens_on": "2026-03-01", "closes_on": "2026-04-01",
        "capacity": "5"})
    assert response.status_code == 302
    assert "第一期" in browser.get(f"/support/incubators/{base.id}").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"name": ""}, "请填写孵化基地名称"),
    ({"name": "园" * 5000}, "不能超过 100 个字符"),
    ({"name": "孵化园", "operator_id": "不存在的组织"}, "找不到该社会组织"),
    ({"name": "孵化园", "region_code": "511303"}, "不在您的管辖范围内"),
    ({"name": "孵化园", "address": "\x01\x02"}, "无法识别的字符"),
])
def test_incubator_page_bad_input(browser, app, data, message):
    browser.login("sq1")
    response = browser.post("/support/incubators/new", {"region_code": "511302", **data})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incubator)) == 0


def test_non_utf8_form_is_refused_cleanly(browser, app):
    browser.login("sq1")
    body = f"csrf_token={browser.token}&region_code=511302&name=%FF%FE%FA".encode()
    response = browser.client.post("/support/incubators/new", data=body,
                                   content_type="application/x-www-form-urlencoded")
    # Werkzeug keeps undecodable escapes as the literal text "%FF%FE%FA": saved, never a 500.
    assert response.status_code == 302
    raw = f"csrf_token={browser.token}&region_code=511302&name=".encode() + b"\xff\xfe"
    response = browser.client.post("/support/incubators/new", data=raw,
                                   content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400  # the body cannot be read at all: a Chinese error page
    assert "请刷新页面后重试" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incubator)) == 1


def test_workflow_through_pages(browser, app):
    with app.app_context():
        _, intake = setup_intake()
        item = applied(intake)
        intake_id, item_id = intake.id, item.id
    browser.login("sq1")
    url = f"/support/incubations/{item_id}"
    assert browser.post(f"{url}/admit", {}).status_code == 302  # wrong state: flashed
    assert "当前状态为“已申请”" in browser.get(url).get_data(as_text=True)
    assert browser.post(f"{url}/review", {"comment": "受理"}).status_code == 302
    response = browser.post(f"{url}/score", {"score": "120", "score_comment": "好"})
    assert response.status_code == 422 and "评审得分应在 0 到 100 之间" in \
        response.get_data(as_text=True)
    assert browser.post(f"{url}/score", {"score": "90", "score_comment": "好"}).status_code == 302
    response = browser.post(f"{url}/admit", {"start_on": "2026-05-01", "end_on": "2026-04-01"})
    assert response.status_code == 422 and "孵化结束日期必须晚于孵化开始日期" in \
        response.get_data(as_text=True)
    response = browser.post(f"{url}/admit", {"start_on": "2026-05-01", "mentor": "周老师"})
    assert response.status_code == 302
    response = browser.post(f"{url}/milestone", {"title": "", "due_on": "2026-06-01"})
    assert response.status_code == 422 and "请填写里程碑内容" in response.get_data(as_text=True)
    assert browser.post(f"{url}/milestone", {"title": "制度建设", "due_on": "2026-06-01"}
                        ).status_code == 302
    assert browser.post(f"{url}/bogus", {}).status_code == 404
    page = browser.get(url).get_data(as_text=True)
    assert "同意入驻" in page and "周老师" in page and "制度建设" in page
    page = browser.get(f"/support/intakes/{intake_id}").get_data(as_text=True)
    assert "顺庆区阳光社工中心" in page


def test_other_county_gets_404_by_every_route(browser, app):
    with app.app_context():
        base, intake = setup_intake()
        item = applied(intake)
        ids = base.id, intake.id, item.id
    browser.login("gp1")
    for url in (f"/support/incubators/{ids[0]}", f"/support/incubators/{ids[0]}/edit",
                f"/support/intakes/{ids[1]}", f"/support/intakes/{ids[1]}/apply",
                f"/support/intakes/{ids[1]}/edit", f"/support/incubations/{ids[2]}"):
        assert browser.get(url).status_code == 404, url
    assert browser.post(f"/support/incubations/{ids[2]}/review", {}).status_code == 404
    assert "顺庆区阳光社工中心" not in browser.get("/support/incubations").get_data(as_text=True)
    assert "顺庆区孵化园" not in browser.get("/support/incubators").get_data(as_text=True)


def test_org_admin_applies_in_window_and_sees_only_its_own(browser, app):
    with app.app_context():
        _, intake = setup_intake()
        _, closed = setup_intake(actor="city1", region="511300", opens=-30, closes=-1)
        other = applied(intake, "顺庆区助老协会")
        intake_id, closed_id, other_id = intake.id, closed.id, other.id
    browser.login("rep1")
    assert browser.get("/support/incubators").status_code == 200
    response = browser.post(f"/support/intakes/{closed_id}/apply", {"plan": "计划"})
    assert "现在不能申请" in response.get_data(as_text=True)  # outside the window
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Incubation)) == 1
    response = browser.post(f"/support/intakes/{intake_id}/apply",
                            {"plan": "社区服务", "organization": "顺庆区助老协会"})
    assert response.status_code == 302
    with app.app_context():
        mine = db.session.scalar(select(Incubation).where(Incubation.id != other_id))
        assert mine.organization_id == org_id("顺庆区阳光社工中心")  # its own, whatever it sent
        mine_id = mine.id
    assert browser.get(f"/support/incubations/{mine_id}").status_code == 200
    assert browser.get(f"/support/incubations/{other_id}").status_code == 404
    assert browser.post(f"/support/incubations/{mine_id}/review", {}).status_code == 403
    assert browser.get("/support/incubators/new").status_code == 403


def test_station_admin_and_anonymous_are_kept_out(browser):
    assert browser.get("/support/incubators").status_code == 302  # to the login page
    browser.login("st1")
    for url in ("/support/incubators", "/support/trainings", "/support/grants"):
        assert browser.get(url).status_code == 403


def test_incubator_operator_scores_and_keeps_milestones(browser, app):
    """The hub running the incubator (its representative) sees the applications to it, scores
    them and keeps milestones; it decides nothing, and never acts on its own application."""
    today = today_local()
    with app.app_context():
        official = user("sq1")
        base = inc.save_incubator(official, {"name": "孵化园", "region_code": "511302",
                                             "operator_id": org_id("顺庆区阳光社工中心")})
        intake = inc.save_intake(official, base, {
            "year": today.year, "title": "第一期", "opens_on": today, "closes_on": today,
            "capacity": 3})
        db.session.commit()
        item = under_review(intake, "顺庆区助老协会", score=None)
        own = under_review(intake, "顺庆区阳光社工中心", score=None)
        item_id, own_id = item.id, own.id
        rep = user("rep1")
        assert inc.can_support(rep, item) and not inc.can_support(rep, own)
        assert not inc.can_support(user("rep2"), item)
    browser.login("rep1")
    url = f"/support/incubations/{item_id}"
    page = browser.get(url).get_data(as_text=True)
    assert "保存评分" in page and "同意入驻" not in page
    assert browser.post(f"{url}/score", {"score": "85", "score_comment": "方向明确"}
                        ).status_code == 302
    assert browser.post(f"{url}/admit", {}).status_code == 403
    assert browser.post(f"{url}/reject", {"comment": "x"}).status_code == 403
    assert browser.post(f"/support/incubations/{own_id}/score",
                        {"score": "100", "score_comment": "自评"}).status_code == 403
    with app.app_context():
        assert db.session.get(Incubation, item_id).score == 85
        assert db.session.get(Incubation, own_id).score is None
        inc.admit(user("sq1"), db.session.get(Incubation, item_id), start_on=today)
        db.session.commit()
    response = browser.post(f"{url}/milestone", {"title": "建立制度", "due_on": today.isoformat()})
    assert response.status_code == 302
    with app.app_context():
        milestone_id = db.session.get(Incubation, item_id).milestones[0].id
    assert browser.post(f"/support/milestones/{milestone_id}/done", {}).status_code == 302
    with app.app_context():
        assert db.session.get(Incubation, item_id).milestones[0].done_on == today
    other = Browser(app.test_client())
    other.login("rep2")
    assert other.get(url).status_code == 404


def test_volunteers_see_no_incubator(ctx, make_user):
    from registry.models import User

    setup_intake()
    name = make_user("volunteer", "511302001")
    volunteer = db.session.scalar(select(User).where(User.username == name))
    assert get_visible(volunteer, Incubator, 1) is None
    assert get_visible(volunteer, IncubationIntake, 1) is None
    assert get_visible(user("rep2"), Incubator, 1) is not None


def test_overdue_incubations_and_milestones(app):
    today = today_local()
    with app.app_context():
        _, intake = setup_intake()
        item = under_review(intake)
        start = today - timedelta(days=500)
        inc.admit(user("sq1"), item, start_on=start, end_on=start + timedelta(days=365))
        inc.add_milestone(user("sq1"), item, "章程", start + timedelta(days=30))
        db.session.commit()
        due = inc.overdue(user("sq1"))
        assert [i.id for i in due["incubations"]] == [item.id]
        assert [m.title for m in due["milestones"]] == ["章程"]
        assert inc.overdue(user("gp1")) == {"incubations": [], "milestones": []}
    result = app.test_cli_runner().invoke(args=["incubation-due", "--user", "sq1"])
    assert result.exit_code == 0, result.output
    assert "孵化期已满未结业" in result.output and "共 1 项孵化、1 个里程碑需跟进" in result.output
    browser = Browser(app.test_client())
    browser.login("sq1")
    page = browser.get("/support/incubations").get_data(as_text=True)
    assert "尚未结业或退出" in page and "已逾期" in page
