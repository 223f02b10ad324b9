"""Grants: amounts in fen, approved → paid | cancelled, totals by county/year/type, scoping."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.scoping import get_visible
from registry.support import operations as support
from registry.support.models import Grant
from registry.workflow import history
from tests.conftest import Browser
from tests.test_support_helpers import org_id, user, world  # noqa: F401

pytestmark = pytest.mark.usefixtures("world")
# Only parametrize lists read TODAY (a day's drift keeps them valid); each test reads its
# own, since a run may cross Beijing midnight.
TODAY = today_local()


def granted(actor="sq1", org="顺庆区阳光社工中心", **overrides):
    data = {"organization_id": org_id(org), "grant_type": "venture", "amount_fen": 5_000_000,
            "purpose": "社区养老公益创投项目", "source": "市级福利彩票公益金",
            "granted_on": date(2025, 6, 1), **overrides}
    grant = support.record_grant(user(actor), data)
    db.session.commit()
    return grant


def test_record_pay_and_history(ctx):
    today = today_local()
    grant = granted()
    assert (grant.status, grant.year, grant.region_code) == ("approved", 2025, "511302")
    with pytest.raises(ValidationFailed) as error:
        support.pay_grant(user("sq1"), grant, date(2025, 5, 1))  # before it was granted
    assert "paid_on" in error.value.fields
    with pytest.raises(ValidationFailed):
        support.pay_grant(user("sq1"), grant, today + timedelta(days=1))
    db.session.rollback()
    support.pay_grant(user("sq1"), grant, date(2025, 6, 20), "GK-001")
    db.session.commit()
    assert (grant.status, grant.paid_on, grant.payment_ref) == ("paid", date(2025, 6, 20),
                                                                "GK-001")
    assert grant.paid_at is not None
    with pytest.raises(Conflict):
        support.pay_grant(user("sq1"), grant, date(2025, 6, 21))
    with pytest.raises(Conflict):
        support.cancel_grant(user("sq1"), grant, "重复")
    db.session.rollback()
    moves = history(grant)
    assert len(moves) == 1 and "GK-001" in moves[0].comment


def test_cancel_needs_reason(ctx):
    grant = granted()
    with pytest.raises(ValidationFailed):
        support.cancel_grant(user("sq1"), grant, "")
    db.session.rollback()
    support.cancel_grant(user("sq1"), grant, "项目未实施")
    db.session.commit()
    assert grant.status == "cancelled"


@pytest.mark.parametrize("data, field", [
    ({"amount_fen": -100}, "amount_fen"),
    ({"amount_fen": 0}, "amount_fen"),
    ({"amount_fen": 1.5}, "amount_fen"),
    ({"amount_fen": "12.5"}, "amount_fen"),
    ({"amount_fen": True}, "amount_fen"),
    ({"amount_fen": 10**13}, "amount_fen"),
    ({"grant_type": "bribe"}, "grant_type"),
    ({"purpose": ""}, "purpose"),
    ({"purpose": "项" * 5000}, "purpose"),
    ({"source": ""}, "source"),
    ({"granted_on": None}, "granted_on"),
    ({"granted_on": TODAY + timedelta(days=3)}, "granted_on"),
])
def test_bad_grant_saves_nothing(ctx, data, field):
    with pytest.raises(ValidationFailed) as error:
        granted(**data)
    assert field in error.value.fields
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Grant)) == 0


@pytest.mark.parametrize("text, fen", [("50000", 5_000_000), ("50,000.00", 5_000_000),
                                       ("¥1.5", 150), ("0.01", 1), (" 12 元", 1200)])
def test_parse_yuan(text, fen):
    assert support.parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "-5", "0", "12.345", "abc", "1e3x", "NaN", "Infinity",
                                  "9" * 30])
def test_parse_yuan_refuses(text):
    with pytest.raises(ValidationFailed) as error:
        support.parse_yuan(text)
    assert "amount" in error.value.fields


def test_roles_and_jurisdiction(ctx):
    with pytest.raises(ValidationFailed):
        granted(actor="sq1", org="高坪区乐龄中心")  # another county's organization
    db.session.rollback()
    for name in ("rep1", "st1"):
        with pytest.raises(NotAllowed):
            granted(actor=name)
        db.session.rollback()
    mine = granted()
    theirs = granted(actor="gp1", org="高坪区乐龄中心")
    assert get_visible(user("gp1"), Grant, mine.id) is None
    assert get_visible(user("city1"), Grant, mine.id) is not None
    assert get_visible(user("rep1"), Grant, mine.id) is not None
    assert get_visible(user("rep1"), Grant, theirs.id) is None


def test_totals_by_county_year_type(ctx):
    granted(amount_fen=100_00)
    granted(amount_fen=200_00, grant_type="award", granted_on=date(2026, 1, 5))
    granted(amount_fen=300_00, org="顺庆区助老协会", granted_on=date(2026, 2, 1))
    paid = granted(actor="gp1", org="高坪区乐龄中心", amount_fen=400_00)
    support.pay_grant(user("gp1"), paid, date(2025, 7, 1))
    cancelled = granted(actor="gp1", org="高坪区乐龄中心", amount_fen=999_00)
    support.cancel_grant(user("gp1"), cancelled, "撤销")
    db.session.commit()

    totals = support.grant_totals(user("city1"), {})
    assert totals["total"] == {"count": 4, "amount_fen": 100_000, "paid_fen": 40_000}
    by_county = {r["county_name"]: r["amount_fen"] for r in totals["by_county"]}
    assert by_county == {"顺庆区": 60_000, "高坪区": 40_000}  # a township's grant counts to 顺庆区
    assert {r["year"]: r["amount_fen"] for r in totals["by_year"]} == {2025: 50_000,
                                                                        2026: 50_000}
    assert {r["grant_type"]: r["count"] for r in totals["by_type"]} == {"venture": 3,
                                                                         "award": 1}
    assert ("511302", 2026, "venture", 30_000) in {
        (r["county_code"], r["year"], r["grant_type"], r["amount_fen"]) for r in totals["rows"]}

    county = support.grant_totals(user("sq1"), {"year": 2026})
    assert county["total"]["amount_fen"] == 50_000
    assert [r["county_name"] for r in county["by_county"]] == ["顺庆区"]
    only_cancelled = support.grant_totals(user("gp1"), {"status": "cancelled"})
    assert only_cancelled["total"]["amount_fen"] == 99_900


def test_pages(browser, app):
    browser.login("sq1")
    base = {"organization": "顺庆区阳光社工中心", "grant_type": "venture", "amount": "50,000.00",
            "purpose": "公益创投项目", "source": "区级财政", "granted_on": "2025-06-01"}
    for bad, message in ((("amount", "-5"), "金额必须大于 0"),
                         (("amount", "12.345"), "最多两位小数"),
                         (("amount", "一万"), "必须是数字"),
                         (("purpose", "项" * 5000), "不能超过 500 个字符"),
                         (("granted_on", "2025-13-01"), "日期格式不正确"),
                         (("organization", "高坪区乐龄中心"), "找不到该社会组织"),
                         (("grant_type", "gift"), "请选择资金类型")):
        response = browser.post("/support/grants/new", {**base, bad[0]: bad[1]})
        assert response.status_code == 422, bad
        assert message in response.get_data(as_text=True), bad
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Grant)) == 0
    assert browser.post("/support/grants/new", base).status_code == 302
    with app.app_context():
        grant = db.session.scalar(select(Grant))
        assert grant.amount_fen == 5_000_000
        grant_id = grant.id
    url = f"/support/grants/{grant_id}"
    response = browser.post(f"{url}/pay", {"paid_on": "2025-05-01"})
    assert response.status_code == 422 and "拨付日期必须不早于批准日期" in \
        response.get_data(as_text=True)
    assert browser.post(f"{url}/pay", {"paid_on": "2025-06-10", "payment_ref": "GK1"}
                        ).status_code == 302
    page = browser.get(url).get_data(as_text=True)
    assert "已拨付" in page and "50,000.00" in page and "登记拨付" in page
    assert browser.post(f"{url}/pay", {"paid_on": "2025-06-11"}).status_code == 302  # flashed
    assert "不能登记拨付" in browser.get(url).get_data(as_text=True)
    page = browser.get("/support/grants/totals").get_data(as_text=True)
    assert "顺庆区" in page and "50,000.00" in page
    assert browser.get("/support/grants?year=2025&grant_type=venture").status_code == 200
    assert browser.get("/support/grants?year=abc&status=zz&region_code=511303").status_code == 200

    browser = Browser(app.test_client())
    browser.login("gp1")
    assert browser.get(url).status_code == 404
    assert browser.post(f"{url}/cancel", {"comment": "x"}).status_code == 404
    assert "50,000.00" not in browser.get("/support/grants").get_data(as_text=True)
    assert "50,000.00" not in browser.get("/support/grants/totals").get_data(as_text=True)

    browser = Browser(app.test_client())
    browser.login("rep1")
    assert browser.get(url).status_code == 200
    assert browser.get("/support/grants/totals").status_code == 403
    assert browser.get("/support/grants/new").status_code == 403
    assert browser.post(f"{url}/cancel", {"comment": "x"}).status_code == 403
    browser = Browser(app.test_client())
    browser.login("rep2")
    assert browser.get(url).status_code == 404


def test_admin_views_are_scoped_and_read_only(app):
    with app.app_context():
        grant_id = granted().id
    sq = Browser(app.test_client())
    sq.login("sq1")
    assert "社区养老公益创投项目" in sq.get("/admin/grant/").get_data(as_text=True)
    assert sq.get(f"/admin/grant/details/?id={grant_id}").status_code == 200
    assert sq.get(f"/admin/grant/edit/?id={grant_id}").status_code in (302, 403, 404)
    gp = Browser(app.test_client())
    gp.login("gp1")
    assert "社区养老公益创投项目" not in gp.get("/admin/grant/").get_data(as_text=True)
    details = gp.get(f"/admin/grant/details/?id={grant_id}")
    assert details.status_code in (302, 404)
    assert "社区养老公益创投项目" not in details.get_data(as_text=True)
    rep = Browser(app.test_client())
    rep.login("rep1")
    assert rep.get("/admin/grant/").status_code == 403


def test_cli_totals(app):
    with app.app_context():
        granted()
    result = app.test_cli_runner().invoke(args=["grant-totals", "--user", "sq1"])
    assert result.exit_code == 0, result.output
    assert "顺庆区\t2025\t公益创投\t1 笔\t50,000.00 元" in result.output
    result = app.test_cli_runner().invoke(args=["grant-totals", "--user", "rep1"])
    assert result.exit_code != 0


def test_org_support_snippet(app):
    from flask import render_template_string
    from flask_login import login_user

    from registry.models import User
    from registry.organizations.models import Organization

    with app.app_context():
        granted()
        with app.test_request_context("/"):
            org = db.session.get(Organization, org_id("顺庆区阳光社工中心"))
            template = '{% include "support/_org_support.html" %}'
            assert "资金支持" not in render_template_string(template, organization=org)
            login_user(db.session.scalar(select(User).where(User.username == "sq1")))
            html = render_template_string(template, organization=org)
            assert "1 笔" in html and "50,000.00" in html
            login_user(db.session.scalar(select(User).where(User.username == "gp1")))
            assert "0 笔" in render_template_string(template, organization=org)
