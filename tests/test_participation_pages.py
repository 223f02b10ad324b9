"""社情民意 pages: anonymity on the public board, the API and the audit log; HTML shown as
text; rating needs the tracking code and a reason for 不满意; reopening once and only after
不满意; posting rate-limited with a Chinese message; every page renders with its title."""

import json

from sqlalchemy import select

from registry.extensions import db
from registry.models import AuditEntry
from registry.participation.models import Suggestion
from tests.conftest import Browser
from tests.test_activities_helpers import make_volunteer
from tests.test_participation_workflow import TOWNSHIP, post, row

SCRIPT = "<script>alert('x')</script><b>粗体</b>"


def answered(app, api, make_user, **changes) -> str:
    make_user("station_admin", TOWNSHIP, "zc")
    code = post(api, **changes)
    api.token("zc")
    response = api.post(f"/api/v1/suggestions/{row(app, code).id}/answer",
                        json={"answer": "已处理，谢谢 <i>关心</i>"})
    assert response.status_code == 200
    api.bearer = None
    return code


def rate(browser, code, rating, reason=""):
    return browser.post("/suggestions/rate", data={"tracking_code": code, "rating": rating,
                                                   "reason": reason})


def test_public_board_and_api_never_carry_the_poster_or_contact(app, api, make_user):
    with app.app_context():
        _, username = make_volunteer(TOWNSHIP, name="李秀英")
        db.session.commit()
    code = answered(app, api, make_user, content="路灯坏了，电话 13800138000")
    board = Browser(app.test_client()).get("/suggestions/public")
    text = board.get_data(as_text=True)
    assert board.status_code == 200 and "路灯坏了" in text and "已处理" in text
    assert "13912345678" not in text and "139****5678" not in text and code not in text
    assert "13800138000" not in text  # a phone inside the text is masked on the board
    listed = api.client.get("/api/v1/public/suggestions").get_json()
    assert listed["items"] and "contact" not in listed["items"][0]
    dumped = json.dumps(listed, ensure_ascii=False)
    assert "13912345678" not in dumped and "poster" not in dumped and code not in dumped
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).where(
            AuditEntry.object_type == "Suggestion"))
        audit = " ".join(r.changes + r.comment for r in rows)
        assert "13912345678" not in audit and "139****5678" not in audit and code not in audit
        first = db.session.scalar(select(AuditEntry).where(
            AuditEntry.object_type == "Suggestion").order_by(AuditEntry.id))
        assert first.actor_id is None


def test_open_items_are_not_public(app, api):
    post(api, content="还没答复的留言")
    assert "还没答复的留言" not in Browser(app.test_client()).get(
        "/suggestions/public").get_data(as_text=True)
    assert api.client.get("/api/v1/public/suggestions").get_json()["items"] == []


def test_html_in_posts_is_shown_as_text(app, api, make_user):
    code = answered(app, api, make_user, content=SCRIPT)
    browser = Browser(app.test_client())
    for page in (browser.get("/suggestions/public"),
                 browser.post("/suggestions/track", data={"tracking_code": code})):
        text = page.get_data(as_text=True)
        assert "<script>alert" not in text and "&lt;script&gt;" in text
        assert "<i>关心</i>" not in text
    staff = Browser(app.test_client())
    staff.login("zc")
    detail = staff.get(f"/suggestions/{row(app, code).id}").get_data(as_text=True)
    assert "<script>alert" not in detail and "&lt;b&gt;粗体" in detail


def test_rating_needs_the_code_and_a_reason_for_unsatisfied(app, api, make_user):
    code = answered(app, api, make_user)
    browser = Browser(app.test_client())
    wrong = rate(browser, "AAAAA-AAAAA", "satisfied")
    assert wrong.status_code == 422 and "查询码不正确" in wrong.get_data(as_text=True)
    no_reason = rate(browser, code, "unsatisfied")
    assert no_reason.status_code == 422 and "请填写理由" in no_reason.get_data(as_text=True)
    assert row(app, code).rating is None
    bad = api.client.post("/api/v1/public/suggestions/rate",
                          json={"tracking_code": code, "rating": "unsatisfied"})
    assert bad.status_code == 422 and "reason" in bad.get_json()["error"]["fields"]
    nobody = api.client.post("/api/v1/public/suggestions/rate",
                             json={"tracking_code": "2345678923", "rating": "satisfied"})
    assert nobody.status_code == 422 and "tracking_code" in nobody.get_json()["error"]["fields"]
    done = rate(browser, code, "basically_satisfied")
    assert done.status_code == 200 and "感谢您的评价" in done.get_data(as_text=True)
    assert row(app, code).rating == "basically_satisfied"
    twice = api.client.post("/api/v1/public/suggestions/rate",
                            json={"tracking_code": code, "rating": "satisfied"})
    assert twice.status_code == 409


def test_reopen_only_after_unsatisfied_and_only_once(app, api, make_user):
    code = answered(app, api, make_user)
    browser = Browser(app.test_client())
    early = browser.post("/suggestions/reopen", data={"tracking_code": code})
    assert early.status_code == 422 and "不满意" in early.get_data(as_text=True)
    rated = rate(browser, code, "unsatisfied", "没有解决")
    assert "申请重新办理" in rated.get_data(as_text=True)
    reopened = browser.post("/suggestions/reopen", data={"tracking_code": code,
                                                         "reason": "请上门查看"})
    assert reopened.status_code == 200 and "新的答复期限" in reopened.get_data(as_text=True)
    assert row(app, code).status == "reopened"
    # handled again, answered again, unsatisfied again: no second reopening
    api.token("zc")
    assert api.post(f"/api/v1/suggestions/{row(app, code).id}/answer",
                    json={"answer": "已上门查看"}).status_code == 200
    api.bearer = None
    rate(browser, code, "unsatisfied", "还是没解决")
    again = api.client.post("/api/v1/public/suggestions/reopen", json={"tracking_code": code})
    assert again.status_code == 409 and "只能重新办理一次" in again.get_json()["error"]["message"]
    assert row(app, code).reopen_count == 1


def test_posting_is_rate_limited_with_a_chinese_message(app):
    app.config["RATELIMIT_ENABLED"] = True
    browser = Browser(app.test_client())
    responses = [browser.post("/suggestions/new", data={
        "category": "consult", "township_code": TOWNSHIP, "content": "问题"})
        for _ in range(22)]
    codes = [r.status_code for r in responses]
    assert 429 in codes and codes[0] == 200
    assert "请求过于频繁" in responses[-1].get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(db.func.count(Suggestion.id))) == codes.count(200)
    api_answers = [app.test_client().post("/api/v1/public/suggestions", json={
        "category": "consult", "township_code": TOWNSHIP, "content": "x"}) for _ in range(22)]
    limited = api_answers[-1]
    assert limited.status_code == 429 and api_answers[0].status_code == 201
    assert limited.get_json()["error"]["code"] == "rate_limited"
    assert "请求过于频繁" in limited.get_json()["error"]["message"]


def test_bad_posts_get_messages_at_their_fields_and_nothing_saved(app):
    browser = Browser(app.test_client())
    empty = browser.post("/suggestions/new", data={"category": "", "township_code": "511302",
                                                   "content": "   "})
    assert empty.status_code == 422
    huge = browser.post("/suggestions/new", data={"category": "consult",
                                                  "township_code": TOWNSHIP,
                                                  "content": "长" * 2001})
    assert huge.status_code == 422 and "2000" in huge.get_data(as_text=True)
    odd = browser.post("/suggestions/new", data={"category": "consult",
                                                 "township_code": "511302",
                                                 "content": "内容"})
    assert odd.status_code == 422 and "请选择所在乡镇" in odd.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Suggestion.id)) is None


def test_every_page_renders_with_its_title_and_breadcrumbs(app, api, make_user):
    code = answered(app, api, make_user)
    make_user("county_official", "511302", "sq")
    public = Browser(app.test_client())
    for url in ("/suggestions/new", "/suggestions/track", "/suggestions/public"):
        page = public.get(url)
        assert page.status_code == 200 and "breadcrumb" in page.get_data(as_text=True)
    assert public.get("/suggestions/manage").status_code in (302, 401, 403)
    staff = Browser(app.test_client())
    staff.login("sq")
    for url in ("/suggestions/manage", f"/suggestions/{row(app, code).id}",
                "/suggestions/stats"):
        page = staff.get(url)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "breadcrumb" in text and "<title>" in text
    home = public.get("/").get_data(as_text=True)
    assert "/suggestions/new" in home and "/suggestions/public" in home


def test_stats_page_refuses_backwards_or_absurd_ranges(app, make_user):
    make_user("county_official", "511302", "sq")
    staff = Browser(app.test_client())
    staff.login("sq")
    backwards = staff.get("/suggestions/stats?start=2026-05-01&end=2026-04-01")
    assert backwards.status_code == 422 and "不能早于" in backwards.get_data(as_text=True)
    absurd = staff.get("/suggestions/stats?start=1900-01-01&end=2100-12-31")
    assert absurd.status_code == 422 and "5 年" in absurd.get_data(as_text=True)
    garbage = staff.get("/suggestions/stats?start=2026-13-45")
    assert garbage.status_code == 422 and "格式不正确" in garbage.get_data(as_text=True)
    assert staff.get("/suggestions/stats?start=2026-01-01&end=2026-12-31").status_code == 200
