"""The project list's .xlsx export: scoped rows, exact yuan, formula-safe cells, the audit row,
the list's filters kept, a large export as a background job, bad filters refused clearly."""

import io
import json
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import AuditEntry
from registry.organizations.models import Organization
from registry.purchasing import project_export, projects
from tests.conftest import Browser
from tests.test_purchasing_proj_helpers import org_id, project_data, pworld, signed, user

__all__ = ["pworld"]
FORMULA_ORG = "=HYPERLINK(\"http://evil\",\"点我\")社工站"


@pytest.fixture
def recorded(app, pworld):
    """Two projects of 顺庆区 (one signed, one whose provider's name looks like a formula) and
    one of 高坪区; returns their ids."""
    with app.app_context():
        db.session.add(Organization(name=FORMULA_ORG, org_type="social_service",
                                    region_code="511302", status="approved",
                                    abnormal_listed=False))
        db.session.commit()
        sq, gp = user("psq"), user("pgp")
        first = projects.create_project(sq, project_data(amount_fen=12_345_678))
        signed(first, sq)
        second = projects.create_project(sq, project_data(
            title="@SUM(A1) 社区矫正", provider_id=org_id(FORMULA_ORG), contract_no="",
            item_code="B01", amount_fen=5))
        db.session.commit()
        third = projects.create_project(gp, project_data(
            title="高坪区养老", purchaser="高坪区民政局",
            provider_id=org_id("高坪区乐龄中心"), contract_no="GP-1"))
        db.session.commit()
        return {"signed": first.id, "formula": second.id, "gp": third.id}


def _sheet(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data)).worksheets[0]


def _rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(min_row=2, values_only=True)]


def _exports(app) -> list[dict]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "export",
            AuditEntry.object_type == "PurchasedServiceProject").order_by(AuditEntry.id))
        return [json.loads(entry.changes) for entry in entries]


def _login(app, name) -> Browser:
    browser = Browser(app.test_client())
    browser.login(name)
    return browser


def test_a_county_official_exports_only_the_county_s_projects(app, recorded):
    sheet = _sheet(_login(app, "psq").get("/projects/export.xlsx"))
    header = [cell.value for cell in sheet[1]]
    assert header[:3] == ["项目编号", "合同编号", "项目名称"]
    assert "承接主体" in header and "合同金额（元）" in header and "绩效评价等级" in header
    rows = _rows(sheet)
    assert [row[0] for row in rows] == [recorded["formula"], recorded["signed"]]  # newest first
    assert recorded["gp"] not in [row[0] for row in rows]
    signed_row = dict(zip(header, rows[1], strict=True))
    assert signed_row["合同编号"] == "SQ-2025-001"
    assert signed_row["目录条目编码"] == "A0101" and signed_row["目录条目名称"] == "居家养老"
    assert signed_row["购买主体（部门）"] == "顺庆区民政局"
    assert signed_row["承接主体"] == "顺庆区阳光社工中心"
    assert signed_row["采购方式"] == "公开招标" and signed_row["状态"] == "签约"
    # Exact yuan from fen: 12,345,678 fen is 123,456.78 yuan, not a float's neighbour.
    assert Decimal(str(signed_row["合同金额（元）"])) == Decimal("123456.78")
    assert signed_row["已付金额（元）"] == 0
    assert str(signed_row["开始日期"])[:10] == "2025-01-01"
    assert str(signed_row["结束日期"])[:10] == "2025-12-31"
    assert Decimal(str(dict(zip(header, rows[0], strict=True))["合同金额（元）"])) \
        == Decimal("0.05")


def test_the_city_reads_every_county_and_a_representative_only_their_own(app, recorded):
    ids = [row[0] for row in _rows(_sheet(_login(app, "pcity").get("/projects/export.xlsx")))]
    assert sorted(ids) == sorted(recorded.values())
    ids = [row[0] for row in _rows(_sheet(_login(app, "prep").get("/projects/export.xlsx")))]
    assert ids == [recorded["signed"]]
    station = _login(app, "pstation")
    assert station.get("/projects/export.xlsx").status_code == 403
    with app.app_context(), pytest.raises(NotAllowed):
        project_export.count(user("pstation"), {})


def test_formula_looking_texts_are_written_as_text(app, recorded):
    sheet = _sheet(_login(app, "psq").get("/projects/export.xlsx"))
    row = dict(zip([c.value for c in sheet[1]], _rows(sheet)[0], strict=True))
    assert row["承接主体"] == "'" + FORMULA_ORG
    assert row["项目名称"] == "'@SUM(A1) 社区矫正"
    assert all(cell.data_type != "f" for line in sheet.iter_rows() for cell in line)


def test_the_export_is_audited_with_its_filters_and_row_count(app, recorded):
    browser = _login(app, "psq")
    _sheet(browser.get("/projects/export.xlsx"))
    sheet = _sheet(browser.get("/projects/export.xlsx?status=signed&year=2025"
                               "&county_code=511302&page=3"))
    assert [row[0] for row in _rows(sheet)] == [recorded["signed"]]
    first, second = _exports(app)
    assert first == {"rows": 2}
    assert second == {"rows": 1, "status": "signed", "year": 2025, "county_code": "511302"}
    by_item = _sheet(browser.get("/projects/export.xlsx?item_code=B01&provider_id="
                                 f"{recorded_provider(app)}"))
    assert [row[0] for row in _rows(by_item)] == [recorded["formula"]]
    assert _exports(app)[-1]["rows"] == 1


def recorded_provider(app) -> int:
    with app.app_context():
        return org_id(FORMULA_ORG)


def test_the_list_s_button_keeps_its_filters(app, recorded):
    browser = _login(app, "psq")
    page = browser.get("/projects/?status=signed&year=2025").get_data(as_text=True)
    assert "导出 Excel" in page
    assert "/projects/export.xlsx?status=signed&amp;year=2025" in page
    plain = browser.get("/projects/").get_data(as_text=True)
    assert 'href="/projects/export.xlsx"' in plain
    # A representative (no recording buttons) still has the export.
    assert "/projects/export.xlsx" in _login(app, "prep").get("/projects/").get_data(
        as_text=True)


def test_a_large_export_is_a_job_whose_file_downloads(app, recorded):
    app.config["JOBS_THRESHOLD"] = 1
    browser = _login(app, "pcity")
    response = browser.get("/projects/export.xlsx?year=2025")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = browser.get(response.location).get_data(as_text=True)
    assert "已完成" in page and "下载结果" in page
    status = browser.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 3
    download = browser.get(response.location + "/download")
    sheet = _sheet(download)
    assert sorted(row[0] for row in _rows(sheet)) == sorted(recorded.values())
    assert _exports(app)[-1] == {"rows": 3, "year": 2025}
    # Another official's job is a 404.
    other = _login(app, "pgp")
    assert other.get(response.location + "/download").status_code == 404


def test_a_job_of_a_county_official_stays_in_the_county(app, recorded):
    app.config["JOBS_THRESHOLD"] = 1
    browser = _login(app, "psq")
    response = browser.get("/projects/export.xlsx")
    assert response.status_code == 302
    sheet = _sheet(browser.get(response.location + "/download"))
    assert sorted(row[0] for row in _rows(sheet)) == sorted(
        [recorded["signed"], recorded["formula"]])


def test_the_cap_is_said_in_the_file(app, recorded):
    app.config["EXPORT_MAX_ROWS"] = 1
    sheet = _sheet(_login(app, "pcity").get("/projects/export.xlsx"))
    rows = _rows(sheet)
    assert len(rows) == 2 and "只导出了前 1 条" in rows[1][0]
    assert _exports(app)[-1] == {"rows": 1}


@pytest.mark.parametrize("query, field", [
    ("year=abcd", "年度"), ("year=99999999999999999999999", "年度"), ("year=1800", "年度"),
    ("status=bogus", "状态"), ("county_code=999999", "区县"), ("county_code=511302001", "区县"),
    ("provider_id=-1", "承接主体"), ("provider_id=99999999999999999999", "承接主体"),
    ("item_code=%3D1%2B2", "编码"), ("category_code=A%01B", "编码"),
    ("item_code=" + "A" * 300, "编码"),
])
def test_bad_filters_are_refused_with_a_message(app, recorded, query, field):
    browser = _login(app, "psq")
    response = browser.get(f"/projects/export.xlsx?{query}")
    assert response.status_code == 302 and response.location.endswith("/projects/")
    page = browser.get(response.location).get_data(as_text=True)
    assert 'alert-danger' in page
    messages = {"年度": "年度应", "状态": "没有这个项目状态", "区县": "没有这个区县",
                "承接主体": "承接主体编号不正确", "编码": "编码只能由"}
    assert messages[field] in page
    assert _exports(app) == []


def test_check_filters_names_every_bad_field(app, pworld):
    with app.app_context():
        with pytest.raises(ValidationFailed) as caught:
            project_export.check_filters({"year": "x", "status": "y", "provider_id": "0"})
        assert set(caught.value.fields) == {"year", "status", "provider_id"}
        assert project_export.check_filters({"year": " 2025 ", "status": "", "page": "9"}) \
            == {"year": 2025}
