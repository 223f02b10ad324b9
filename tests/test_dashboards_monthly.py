"""Monthly reports: their figures are the dashboard's, the change from last month, the PDF (title,
figures, embedded font) and the .xlsx (same numbers), scoping of the downloads, the audited
download, "generate now" (a job) and its month check, the periodic task and the command."""

import json
import re
import shutil
import subprocess
from datetime import date, datetime

from conftest import requires
from openpyxl import load_workbook
from sqlalchemy import func, select

from registry import jobs
from registry.clock import today_local
from registry.dashboards import figures as dashboard_figures
from registry.dashboards import monthly_reports
from registry.dashboards.models import MonthlyReport
from registry.dashboards.report_values import change, change_text, kind_of, label_with_unit, shown
from registry.demo import seed_demo
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.regions import load_regions

PDFTOTEXT = shutil.which("pdftotext")
CITY, SHUNQING, GAOPING = "511300", "511302", "511303"
OCTOBER = 202610


def pdf_text(path, tmp_path) -> str:
    """The text of a PDF as pdftotext extracts it, without whitespace."""
    out = tmp_path / "report.txt"
    subprocess.run([PDFTOTEXT, "-enc", "UTF-8", str(path), str(out)], check=True)
    return re.sub(r"\s+", "", out.read_text(encoding="utf-8"))


def user_of(name: str) -> User:
    return db.session.scalar(select(User).where(User.username == name))


def fixed_figures(values: dict):
    """A figures() answering a fixed headline per month (YYYYMM → {key: int})."""
    real_figures = dashboard_figures.figures

    def figures(region_code, start, end):
        real = real_figures(region_code, start, end)
        key = start.year * 100 + start.month
        return {**real, "headline": {**real["headline"], **values.get(key, {})}}
    return figures


def test_the_reports_figures_are_the_dashboards(ctx):
    row = monthly_reports.generate(CITY, OCTOBER)
    db.session.commit()
    kept = json.loads(row.figures_json)
    dashboard = dashboard_figures.figures(CITY, date(2026, 10, 1), date(2026, 10, 31))
    assert kept["headline"] == {k: int(v) for k, v in dashboard["headline"].items()}
    assert kept["period"] == {"start": "2026-10-01", "end": "2026-10-31"}
    assert set(kept["tables"]) == set(dashboard["tables"])
    assert (row.region_code, row.month, row.created_by_user_id) == (CITY, OCTOBER, None)


def test_the_change_from_last_month_uses_the_kept_report(ctx, monkeypatch):
    monkeypatch.setattr(dashboard_figures, "figures", fixed_figures({
        202609: {"volunteers": 200, "spending_fen": 50000, "answer_rate_permille": 800,
                 "reports": 0},
        202610: {"volunteers": 250, "spending_fen": 45000, "answer_rate_permille": 815,
                 "reports": 3}}))
    september = monthly_reports.generate(SHUNQING, 202609)
    db.session.commit()
    kept = json.loads(september.figures_json)
    kept["headline"]["volunteers"] = 240  # the published report, not a recomputation, counts
    september.figures_json = json.dumps(kept)
    db.session.commit()
    monthly_reports.generate(SHUNQING, OCTOBER)
    db.session.commit()
    last = monthly_reports.last_month_headline(SHUNQING, OCTOBER)
    assert last["volunteers"] == 240
    assert change("volunteers", 250, 240) == {"diff": 10, "percent_tenths": 42}
    assert change_text("volunteers", change("volunteers", 250, 240)) == "+10（+4.2%）"
    assert change_text("spending_fen", change("spending_fen", 45000, 50000)) \
        == "-50.00（-10.0%）"
    assert change_text("answer_rate_permille", change("answer_rate_permille", 815, 800)) \
        == "+1.5 个百分点"
    assert change_text("reports", change("reports", 3, 0)) == "+3"  # no per cent of zero
    assert change_text("reports", change("reports", 3, None)) == "无上月数据"
    assert (shown("service_minutes", 45), shown("spending_fen", 123456)) == ("0.8", "1,234.56")


@requires(PDFTOTEXT, "pdftotext (poppler-utils)")
def test_the_pdf_has_the_title_the_figures_and_the_embedded_font(ctx, monkeypatch, tmp_path):
    monkeypatch.setattr(dashboard_figures, "figures", fixed_figures({
        202609: {"volunteers": 1200, "service_minutes": 6000},
        202610: {"volunteers": 1234, "service_minutes": 7530, "spending_fen": 1234567}}))
    row = monthly_reports.generate(CITY, OCTOBER)
    db.session.commit()
    path = monthly_reports.path_of(row.pdf_name)
    pdf = path.read_bytes()
    assert pdf.startswith(b"%PDF")
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSerif", pdf)
    assert b"Helvetica" not in pdf
    text = pdf_text(path, tmp_path)
    assert "南充市社会治理参与月报2026年10月" in text
    assert "统计期间：2026-10-01至2026-10-31" in text
    assert "1,234" in text and "1,200" in text and "+34（+2.8%）" in text
    assert "125.5" in text and "12,345.67" in text  # 7530 minutes as hours, fen as 元
    headline = json.loads(row.figures_json)["headline"]
    assert all(shown(key, value) in text for key, value in headline.items())


def test_the_xlsx_has_the_same_numbers(ctx, monkeypatch):
    monkeypatch.setattr(dashboard_figures, "figures", fixed_figures({
        202609: {"volunteers": 1200}, 202610: {"volunteers": 1234, "spending_fen": 1234567,
                                               "service_minutes": 7530}}))
    row = monthly_reports.generate(GAOPING, OCTOBER)
    db.session.commit()
    book = load_workbook(monthly_reports.path_of(row.xlsx_name), read_only=True)
    kept = json.loads(row.figures_json)
    assert book.sheetnames[0] == "主要指标"
    assert len(book.sheetnames) == 1 + len(kept["tables"])
    rows = list(book["主要指标"].iter_rows(values_only=True))
    assert rows[0][0] == "高坪区 社会治理参与月报 2026年10月"
    by_label = {r[0]: r[1:] for r in rows[4:]}
    line = {key: by_label[label_with_unit(label, key)]
            for key, label in kept["headline_labels"].items()}
    assert line["volunteers"] == (1234, 1200, 34, 2.8)
    assert line["spending_fen"][0] == 12345.67 and line["service_minutes"][0] == 125.5
    assert {k: v[0] for k, v in line.items() if kind_of(k) == "count"} \
        == {k: v for k, v in kept["headline"].items() if kind_of(k) == "count"}
    assert label_with_unit("购买服务支付（分）", "spending_fen") == "购买服务支付（元）"
    assert label_with_unit("服务时长（分钟）", "service_minutes") == "服务时长（小时）"
    assert label_with_unit("答复率（%）", "answer_rate_permille") == "答复率（%）"


def test_a_county_downloads_its_reports_not_another_countys(app, browser, make_user):
    with app.app_context():
        own = monthly_reports.generate(SHUNQING, OCTOBER).id
        other = monthly_reports.generate(GAOPING, OCTOBER).id
        db.session.commit()
    browser.login(make_user("county_official", SHUNQING, "sq"))
    page = browser.get("/monthly-reports/").get_data(as_text=True)
    assert f"/monthly-reports/{own}/pdf" in page and f"/monthly-reports/{other}/pdf" not in page
    response = browser.get(f"/monthly-reports/{own}/pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]
    assert browser.get(f"/monthly-reports/{own}/xlsx").status_code == 200
    assert browser.get(f"/monthly-reports/{other}/pdf").status_code == 404
    assert browser.get(f"/monthly-reports/{other}/xlsx").status_code == 404
    with app.app_context():
        audited = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "download", AuditEntry.object_type == "MonthlyReport")).all()
        assert [(a.object_id, a.actor_name) for a in audited] == [(str(own), "sq")] * 2


def test_the_city_sees_every_report_and_others_none(app, browser, make_user):
    with app.app_context():
        county = monthly_reports.generate(GAOPING, OCTOBER).id
        db.session.commit()
    browser.login(make_user("city_official", CITY, "city"))
    page = browser.get(f"/monthly-reports/?region={GAOPING}").get_data(as_text=True)
    assert f"/monthly-reports/{county}/xlsx" in page
    assert browser.get(f"/monthly-reports/{county}/pdf").status_code == 200
    for role, region in (("volunteer", "511302001"), ("org_admin", CITY)):
        other = type(browser)(app.test_client())
        other.login(make_user(role, region))
        assert other.get("/monthly-reports/").status_code == 403
        assert other.get(f"/monthly-reports/{county}/pdf").status_code == 403
    anonymous = app.test_client().get(f"/monthly-reports/{county}/pdf")
    assert anonymous.status_code == 302 and "/login" in anonymous.location


def test_generate_now_runs_a_job_and_offers_the_pdf(app, browser, make_user):
    browser.login(make_user("city_official", CITY, "city"))
    response = browser.post("/monthly-reports/generate", {"region": GAOPING,
                                                          "month": "2026-10"})
    assert response.status_code == 302 and "/jobs/" in response.location
    job_url = response.location.split("?")[0]
    assert browser.get(job_url + "/status").get_json()["status"] == "done"
    download = browser.get(job_url + "/download")
    assert download.status_code == 200 and download.data.startswith(b"%PDF")
    with app.app_context():
        row = db.session.scalar(select(MonthlyReport))
        assert (row.region_code, row.month) == (GAOPING, OCTOBER)
        assert row.created_by_user_id == user_of("city").id
        first = row.pdf_name
    browser.post("/monthly-reports/generate", {"region": GAOPING, "month": "2026-10"})
    with app.app_context():  # regenerated: the same row, new files, the old ones gone
        row = db.session.scalar(select(MonthlyReport))
        assert db.session.scalar(select(func.count()).select_from(MonthlyReport)) == 1
        assert row.pdf_name != first and not monthly_reports.path_of(first).exists()
    assert browser.get(job_url + "/download").status_code == 200  # the job keeps its copy


def test_a_rolled_back_regeneration_keeps_the_report_and_its_files(ctx):
    first = monthly_reports.generate(CITY, OCTOBER)
    db.session.commit()
    kept = first.pdf_name, first.xlsx_name
    again = monthly_reports.generate(CITY, OCTOBER)
    written = again.pdf_name, again.xlsx_name
    assert all(monthly_reports.path_of(name).exists() for name in kept + written)
    db.session.rollback()
    row = monthly_reports.stored(CITY, OCTOBER)
    assert (row.pdf_name, row.xlsx_name) == kept
    assert all(monthly_reports.path_of(name).exists() for name in kept)
    assert not any(monthly_reports.path_of(name).exists() for name in written)


def test_a_bad_month_or_a_foreign_region_gets_a_message(app, browser, make_user):
    browser.login(make_user("county_official", SHUNQING, "sq"))
    today = today_local()
    future = f"{today.year + 1}-01"
    for month, message in ((future, "不能生成未来月份的月报"),
                           ("2019-12", "只能生成 2020 年 1 月以来的月报"),
                           ("2026-13", "请按“年-月”填写月份"), ("abc", "请按“年-月”填写月份"),
                           ("", "请选择月份")):
        response = browser.post("/monthly-reports/generate", {"region": SHUNQING,
                                                              "month": month})
        assert response.status_code == 422, month
        assert message in response.get_data(as_text=True), month
    response = browser.post("/monthly-reports/generate", {"region": GAOPING,
                                                          "month": "2026-10"})
    assert response.status_code == 422  # not one of the form's choices
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(jobs.Job)) == 0
        assert db.session.scalar(select(func.count()).select_from(MonthlyReport)) == 0


def test_the_periodic_task_makes_last_months_reports_for_the_city_and_counties(app):
    task = monthly_reports.monthly_reports_on_the_first.task_class()
    assert task.validate_datetime(datetime(2026, 11, 1, 1, 30))
    assert not task.validate_datetime(datetime(2026, 11, 2, 1, 30))
    with app.app_context():
        made = monthly_reports.scheduled(date(2026, 11, 1))
        rows = db.session.execute(select(MonthlyReport.region_code, MonthlyReport.month)
                                  .order_by(MonthlyReport.region_code)).all()
    assert len(made) == 10
    assert rows == [(code, OCTOBER) for code in (CITY, "511302", "511303", "511304", "511321",
                                                  "511322", "511323", "511324", "511325",
                                                  "511381")]


def test_the_january_report_compares_with_december(ctx, monkeypatch):
    monkeypatch.setattr(dashboard_figures, "figures", fixed_figures({
        202512: {"volunteers": 10}, 202601: {"volunteers": 15}}))
    monthly_reports.scheduled(date(2026, 1, 1), [CITY])
    row = monthly_reports.generate(CITY, 202601)
    assert monthly_reports.last_month_headline(CITY, 202601)["volunteers"] == 10
    assert json.loads(row.figures_json)["headline"]["volunteers"] == 15


def test_the_command_makes_a_months_reports(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["monthly-reports", "--month", "2026-09", "--region", SHUNQING])
    assert result.exit_code == 0, result.output
    assert "已生成 1 份月报" in result.output
    result = runner.invoke(args=["monthly-reports", "--month", "2019-01"])
    assert result.exit_code != 0 and "2020" in result.output
    with app.app_context():
        assert db.session.scalar(select(MonthlyReport.month)) == 202609


def test_on_the_demo_data_the_reports_are_the_dashboards(app):
    """The demo makes last month's city report; this month's county report too: their
    figures are figures()' for the same month, and not all zero."""
    with app.app_context():
        load_regions()
        seed_demo()
        db.session.commit()
        today = today_local()
        this = monthly_reports.month_key(today.year, today.month)
        last = monthly_reports.previous_month(this)
        assert monthly_reports.stored(CITY, last) is not None
        monthly_reports.generate(SHUNQING, this)
        db.session.commit()
        for code, key in ((CITY, last), (SHUNQING, this)):
            kept = json.loads(monthly_reports.stored(code, key).figures_json)["headline"]
            start, end = monthly_reports.month_bounds(key)
            assert kept == dashboard_figures.figures(code, start, end)["headline"]
            assert kept["townships"] > 0 and kept["stations"] > 0
        assert kept["volunteers"] > 0  # this month's: the demo's volunteers joined now


def test_the_home_page_links_to_the_monthly_reports(browser, make_user):
    browser.login(make_user("county_official", SHUNQING))
    assert 'href="/monthly-reports/"' in browser.get("/").get_data(as_text=True)
