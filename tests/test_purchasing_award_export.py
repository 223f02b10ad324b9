"""The 以奖代补 application list's .xlsx export: scoped rows (officials, representatives,
station admins), exact yuan and scores, formula-safe cells, the audit row with its filters,
the list's filters kept, a large export as a background job, bad filters refused clearly."""

import io
import json
from datetime import timedelta
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.clock import today_local, utcnow
from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import AuditEntry
from registry.purchasing import award_export, awards
from registry.purchasing.models import AwardApplication
from registry.volunteers.models import Station
from tests.conftest import Browser
from tests.test_purchasing_award_helpers import (
    apply,
    round_body,
    score,
    user,
    world_fixture,  # noqa: F401
)

FORMULA_STATION = "=HYPERLINK(\"http://evil\",\"点我\")志愿服务站"
URL = "/awards/applications/export.xlsx"


@pytest.fixture
def applied(app, api, world):
    """顺庆区阳光社工中心's application scored, approved, publicized and paid (50,000 yuan);
    高坪区乐龄中心's applied; the 顺庆区 station's (its name looks like a formula) in a second
    round whose band pays 12,345.67 yuan, scored; a draft round. Returns the ids."""
    with app.app_context():
        station = db.session.scalar(select(Station).where(Station.township_code == "511302001"))
        station.name = FORMULA_STATION
        second = awards.save_round(user("city"), round_body(
            title="2026年志愿服务站以奖代补",
            tiers=[{"min_score": 60, "max_score": 100, "amount_fen": 1_234_567}]))
        awards.publish_round(user("city"), second)
        draft = awards.save_round(user("city"), round_body(title="草稿批次"))
        db.session.commit()
        ids = {"round2": second.id, "draft": draft.id, "round": world["round"]}
        criteria2 = [c.id for c in second.criteria]
    ids["paid"] = apply(api, world).get_json()["id"]
    assert score(api, world, ids["paid"]).status_code == 200
    api.token("city")
    for step in ("approve", "publicize"):
        assert api.post(f"/api/v1/award-applications/{ids['paid']}/{step}",
                        json={}).status_code == 200
    with app.app_context():
        db.session.get(AwardApplication, ids["paid"]).publicized_until = \
            utcnow() - timedelta(minutes=1)
        db.session.commit()
    api.token("city2")
    paid = api.post(f"/api/v1/award-applications/{ids['paid']}/payment", json={
        "amount_fen": 5_000_000, "paid_on": str(today_local()), "voucher_no": "财拨-1"})
    assert paid.status_code == 200, paid.get_json()
    ids["gp"] = apply(api, world, login="rep_gp").get_json()["id"]
    response = apply(api, world, login="stn", round_id=ids["round2"], title="@SUM(A1) 助老")
    assert response.status_code == 201, response.get_json()
    ids["station"] = response.get_json()["id"]
    scored = score(api, {**world, "criteria": criteria2}, ids["station"], (70, 61))
    assert scored.status_code == 200, scored.get_json()
    return ids


def _login(app, name) -> Browser:
    browser = Browser(app.test_client())
    browser.login(name)
    return browser


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data)).worksheets[0]


def _rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True))
            for row in sheet.iter_rows(min_row=2, values_only=True)]


def _ids(response) -> list[int]:
    return [row["申请编号"] for row in _rows(_sheet(response))]


def _exports(app) -> list[dict]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export",
            AuditEntry.object_type == "AwardApplication").order_by(AuditEntry.id))
        return [json.loads(entry.changes) for entry in entries]


def test_the_columns_exact_yuan_scores_and_dates(app, applied):
    rows = {row["申请编号"]: row for row in _rows(_sheet(_login(app, "city").get(URL)))}
    paid, station = rows[applied["paid"]], rows[applied["station"]]
    today = today_local()
    assert paid["批次"] == "2026年社区服务以奖代补" and paid["年度"] == today.year
    assert paid["申请人"] == "顺庆区阳光社工中心" and paid["申请人类型"] == "社会组织"
    assert paid["区县"] == "顺庆区" and paid["乡镇（街道）"] in (None, "")
    assert paid["状态"] == "已拨付" and Decimal(str(paid["总分"])) == Decimal("93")
    assert Decimal(str(paid["奖励金额（元）"])) == Decimal("50000")
    assert Decimal(str(paid["拨付金额（元）"])) == Decimal("50000")
    for column in ("申请日期", "批准日期", "拨付日期"):
        assert str(paid[column])[:10] == today.isoformat()
    # 70 × 60% + 61 × 40% = 66.40; the band pays 1,234,567 fen: exactly 12,345.67 yuan.
    assert station["申请人类型"] == "志愿服务站" and station["区县"] == "顺庆区"
    assert station["乡镇（街道）"] not in (None, "", "顺庆区")
    assert Decimal(str(station["总分"])) == Decimal("66.4")
    assert Decimal(str(station["奖励金额（元）"])) == Decimal("12345.67")
    assert station["状态"] == "已评分，待审批"
    assert station["批准日期"] in (None, "") and station["拨付金额（元）"] in (None, "")
    gp = rows[applied["gp"]]
    assert gp["区县"] == "高坪区" and gp["总分"] in (None, "") and gp["状态"] == "已申请，待评分"


def test_each_reader_exports_only_what_their_list_shows(app, applied, make_user):
    assert sorted(_ids(_login(app, "city").get(URL))) == sorted(
        [applied["paid"], applied["gp"], applied["station"]])
    # Newest first, like the list; a county official never gets another county's.
    assert _ids(_login(app, "sq").get(URL)) == [applied["station"], applied["paid"]]
    assert _ids(_login(app, "gp").get(URL)) == [applied["gp"]]
    # An applicant only its own: the organization's, the station's.
    assert _ids(_login(app, "rep").get(URL)) == [applied["paid"]]
    assert _ids(_login(app, "rep_gp").get(URL)) == [applied["gp"]]
    assert _ids(_login(app, "rep_fail").get(URL)) == []
    assert _ids(_login(app, "stn").get(URL)) == [applied["station"]]
    assert _ids(_login(app, "stn_gp").get(URL)) == []
    # Who has no list has no export.
    outsider = make_user("volunteer", "511302001")
    assert _login(app, outsider).get(URL).status_code == 403
    with app.app_context(), pytest.raises(NotAllowed):
        award_export.count(user(outsider), {})


def test_formula_looking_texts_are_written_as_text(app, applied):
    sheet = _sheet(_login(app, "sq").get(URL))
    row = next(r for r in _rows(sheet) if r["申请编号"] == applied["station"])
    assert row["申请人"] == "'" + FORMULA_STATION
    assert row["申请事项"] == "'@SUM(A1) 助老"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_the_export_is_audited_with_its_filters_and_row_count(app, applied):
    browser = _login(app, "sq")
    _sheet(browser.get(URL))
    ids = _ids(browser.get(f"{URL}?status=scored&round_id={applied['round2']}&page=3"))
    assert ids == [applied["station"]]
    assert _ids(browser.get(f"{URL}?round_id={applied['round']}")) == [applied["paid"]]
    assert _exports(app) == [{"rows": 2},
                             {"rows": 1, "status": "scored", "round_id": applied["round2"]},
                             {"rows": 1, "round_id": applied["round"]}]


def test_the_list_s_button_keeps_its_filters(app, applied):
    browser = _login(app, "sq")
    page = browser.get(f"/awards/applications?status=scored&round_id={applied['round2']}"
                       ).get_data(as_text=True)
    assert "导出 Excel" in page
    assert f"{URL}?status=scored&amp;round_id={applied['round2']}" in page
    assert f'href="{URL}"' in browser.get("/awards/applications").get_data(as_text=True)
    # A filter the list ignores is not carried into the export.
    assert f'href="{URL}"' in browser.get("/awards/applications?status=bogus").get_data(
        as_text=True)
    assert URL in _login(app, "stn").get("/awards/applications").get_data(as_text=True)


def test_a_large_export_is_a_job_whose_file_downloads(app, applied):
    app.config["JOBS_THRESHOLD"] = 1
    browser = _login(app, "city")
    response = browser.get(f"{URL}?round_id={applied['round']}")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = browser.get(response.location).get_data(as_text=True)
    assert "已完成" in page and "下载结果" in page
    status = browser.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 2
    download = browser.get(response.location + "/download")
    assert "attachment" in download.headers["Content-Disposition"]
    assert sorted(_ids(download)) == sorted([applied["paid"], applied["gp"]])
    assert _exports(app)[-1] == {"rows": 2, "round_id": applied["round"]}
    # Another official's job is a 404.
    assert _login(app, "gp").get(response.location + "/download").status_code == 404


def test_a_job_of_a_county_official_stays_in_the_county(app, applied):
    app.config["JOBS_THRESHOLD"] = 1
    browser = _login(app, "gp")
    _sheet(browser.get(URL))  # one row: under the threshold, at once
    browser = _login(app, "sq")
    response = browser.get(URL)
    assert response.status_code == 302
    assert sorted(_ids(browser.get(response.location + "/download"))) == sorted(
        [applied["paid"], applied["station"]])


def test_the_cap_is_said_in_the_file(app, applied):
    app.config["EXPORT_MAX_ROWS"] = 1
    sheet = _sheet(_login(app, "city").get(URL))
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 2 and "只导出了前 1 条" in rows[1][0]
    assert _exports(app)[-1] == {"rows": 1}


@pytest.mark.parametrize("query, message", [
    ("status=bogus", "没有这个申请状态"), ("status=%3D1%2B2", "没有这个申请状态"),
    ("status=" + "a" * 300, "没有这个申请状态"),
    ("round_id=abc", "没有这个以奖代补批次"), ("round_id=-1", "没有这个以奖代补批次"),
    ("round_id=0", "没有这个以奖代补批次"), ("round_id=99999999", "没有这个以奖代补批次"),
    ("round_id=99999999999999999999999", "没有这个以奖代补批次"),
    ("round_id=1.5", "没有这个以奖代补批次"),
])
def test_bad_filters_are_refused_with_a_message(app, applied, query, message):
    browser = _login(app, "sq")
    response = browser.get(f"{URL}?{query}")
    assert response.status_code == 302 and response.location.endswith("/awards/applications")
    page = browser.get(response.location).get_data(as_text=True)
    assert "alert-danger" in page and message in page
    assert _exports(app) == []


def test_a_draft_round_is_the_city_s_own(app, applied):
    response = _login(app, "sq").get(f"{URL}?round_id={applied['draft']}")
    assert response.status_code == 302
    assert _ids(_login(app, "city").get(f"{URL}?round_id={applied['draft']}")) == []


def test_check_filters_names_every_bad_field(app, applied):
    with app.app_context():
        with pytest.raises(ValidationFailed) as caught:
            award_export.check_filters({"status": "x", "round_id": "y"}, user("sq"))
        assert set(caught.value.fields) == {"status", "round_id"}
        assert award_export.check_filters(
            {"status": " paid ", "round_id": "", "page": "9"}, user("sq")) == {"status": "paid"}
