"""Whole journeys in a real browser (Playwright + Debian's Chromium) against a live server on
the demo data, each step as a person clicks it, with screenshots at 1280 px and 375 px under
build/journeys/<journey>/ (CI keeps the folder; look at them):

1. a volunteer registers, is approved, signs up, is confirmed, redeems points and downloads
   the certificate;
2. an organization applies, is returned, is approved and appears publicly;
3. a resident posts a suggestion anonymously, the township answers, the resident rates it by
   tracking code;
4. an official opens the dashboard, changes the date range and exports a table;
5. a county downloads its monthly report.

No journey may see a console error or a 4xx/5xx answer it did not provoke on purpose."""
# ruff: noqa: F811  (chromium, seeded, database_url, live_url, journey: fixtures imported from
#   tests/journeys.py; database_url overrides conftest's with a copy of the seeded demo data)

import io
import shutil

import openpyxl
from conftest import requires
from journeys import (  # noqa: F401  (fixtures)
    chromium,
    database_url,
    journey,
    live_url,
    seeded,
    shot,
)

from registry.clock import today_local
from registry.organizations.demo import make_uscc
from registry.volunteers.demo import demo_id_number

pytestmark = requires(shutil.which("chromium"), "Debian's chromium (.ci/run installs it)")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_volunteer(journey):
    """Registers on the public page, 中城街道's station approves, signs up for the activity
    under way, the station confirms an hour, the volunteer takes toothpaste from the points
    store and downloads the service certificate."""
    page, phone, password = journey.page, "13900002468", "Journey#2026x"
    journey.goto("/volunteers/register")
    page.fill("#name", "程晓燕")
    page.fill("#id_number", demo_id_number("511302001", "19900214", 41))
    page.fill("#phone", phone)
    page.select_option("#township_code", value="511302001")
    page.fill("#skills", "助老服务")
    page.fill("#password", password)
    page.fill("#confirm", password)
    page.check("#agree")
    shot(page, "01-register")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/volunteers/register/done" in page.url, journey.flash()
    number = page.locator("main strong").inner_text()
    shot(page, "02-registered")

    # 中城街道's station admin finds the new registration and approves it.
    journey.log_in("zhongcheng")
    journey.goto("/volunteers/")
    page.fill("#q", "程晓燕")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    with page.expect_navigation():
        page.click("main table >> text=程晓燕")
    assert number in page.inner_text("main")
    shot(page, "03-review")
    with page.expect_navigation():
        page.click("button:has-text('审核通过')")
    assert "已审核通过" in journey.flash()
    shot(page, "04-approved")

    # The volunteer signs in with the phone number and signs up for the activity under way.
    journey.log_in(phone, password)
    journey.goto("/activities/")
    with page.expect_navigation():
        page.select_option("#county", label="顺庆区")  # the page's script submits the form
    with page.expect_navigation():
        page.select_option("#township", label="中城街道")
        page.click("#region-filter button[type=submit]")
    shot(page, "05-activities")
    with page.expect_navigation():
        page.click("main a:has-text('垃圾分类入户宣传')")
    activity_url = page.url
    with page.expect_navigation():
        page.click("main button:has-text('报名参加')")
    assert "报名成功" in journey.flash()
    shot(page, "06-signed-up")

    # The station confirms an hour of service (the activity began at least an hour ago).
    journey.log_in("zhongcheng")
    page.goto(activity_url)
    with page.expect_navigation():
        page.click("main a:has-text('确认服务时长') >> nth=0")
    row = page.locator("tr", has_text="程晓燕")
    row.locator("input[name=minutes]").fill("60")
    shot(page, "07-confirm-service")
    with page.expect_navigation():
        row.locator("button:has-text('确认')").click()
    assert "已确认 程晓燕 服务 60 分钟，记入 10 积分" in journey.flash()
    shot(page, "08-confirmed")

    # The volunteer spends 5 of the 10 points on toothpaste at 中城街道's points store.
    journey.log_in(phone, password)
    journey.goto("/store/")
    with page.expect_navigation():
        page.click("main .list-group a:has-text('中城街道')")
    assert "10" in page.inner_text("main .alert")
    shot(page, "09-store")
    card = page.locator("main .card", has_text="牙膏")
    with page.expect_navigation():
        card.locator("button:has-text('兑换')").click()
    assert "兑换成功" in journey.flash()
    assert "牙膏" in page.inner_text("main")
    shot(page, "10-receipt")

    # The certificate of the station that recorded the hour.
    journey.goto("/me/")
    assert "中城街道志愿服务站" in page.inner_text("main")
    shot(page, "11-me")
    with page.expect_download() as download:
        page.click("main a:has-text('下载证明')")
    path = download.value.path()
    assert open(path, "rb").read(5) == b"%PDF-"
    serial = download.value.suggested_filename.removesuffix(".pdf")

    # Anyone given the certificate checks its number on the public verification page.
    journey.context.clear_cookies()
    journey.goto("/")
    with page.expect_navigation():
        page.click("main a:has-text('志愿服务记录证明验证')")
    page.fill("main input[name=serial]", serial)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    text = page.inner_text("main")
    assert "中城街道志愿服务站" in text and "程**" in text and "1.0 小时" in text
    shot(page, "12-verified")
    journey.check()


def workbook(download):
    """A downloaded .xlsx opened (the saved file has no extension, which openpyxl wants)."""
    return openpyxl.load_workbook(io.BytesIO(download.path().read_bytes()), read_only=True)


def upload_checklist(page) -> int:
    """Hand in one small PDF for each document the checklist still misses; returns how many."""
    uploaded = 0
    missing = page.locator("#documents .list-group input[type=file]")
    while missing.count():
        form = page.locator("#documents .list-group form").first
        form.locator("input[type=file]").set_input_files(
            files=[{"name": f"材料{uploaded + 1}.pdf", "mimeType": "application/pdf",
                    "buffer": PDF}])
        with page.expect_navigation():
            form.locator("button[type=submit]").click()
        uploaded += 1
        assert uploaded < 12, "the checklist never empties"
    return uploaded


def test_organization(journey):
    """A representative signs up and applies for a 社会服务机构 in 顺庆区; the county returns
    it for a fix, the representative resubmits, the county approves it and it appears in the
    public registry."""
    page = journey.page
    name, uscc = "南充市顺庆区晨光社会工作服务中心", make_uscc("social_service", "511302", 77)
    journey.goto("/registry/")
    with page.expect_navigation():
        page.click("main a:has-text('社会组织网上申请登记')")
    page.fill("#username", "rep_chenguang")
    page.fill("#display_name", "周晨")
    page.fill("#phone", "13912340077")
    page.fill("#password", "Chenguang#2026")
    page.fill("#confirm", "Chenguang#2026")
    shot(page, "01-sign-up")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert page.url.endswith("/organizations/new"), journey.flash()

    page.fill("#name", name)
    page.select_option("#org_type", value="social_service")
    page.select_option("#category", value="social_service")
    page.select_option("#region_code", value="511302")
    page.fill("#legal_representative", "周晨")
    page.fill("#registered_capital_fen", "50,000.00")
    page.fill("#business_scope", "社区养老、儿童关爱和困难群众帮扶服务")
    page.fill("#address", "顺庆区中城街道人民中路 18 号")
    page.fill("#contact_name", "周晨")
    page.fill("#contact_phone", "13912340077")
    shot(page, "02-application")
    with page.expect_navigation():
        page.click("main button[value=save]")
    assert "/edit" in page.url, journey.flash()
    assert upload_checklist(page) >= 4
    shot(page, "03-documents")
    with page.expect_navigation():
        page.click("main button[value=submit]")
    assert "申请已提交" in journey.flash()
    shot(page, "04-submitted")

    # 顺庆区 returns it: the premises need a proof.
    journey.log_in("shunqing")
    journey.goto("/organizations/")
    with page.expect_navigation():
        page.click(f"main a:has-text('{name}')")
    org_url = page.url
    page.click("button[data-bs-target='#move-return']")
    page.locator("#move-return.show").wait_for()
    page.locator("#move-return [name=comment]").fill("请补充住所使用证明的租赁期限")
    shot(page, "05-return")
    with page.expect_navigation():
        page.click("#move-return button[type=submit]")
    assert "已退回修改" in journey.flash()

    # The representative reads why, fixes the address and resubmits.
    journey.log_in("rep_chenguang", "Chenguang#2026")
    page.goto(org_url)
    assert "请补充住所使用证明的租赁期限" in page.inner_text("main")
    shot(page, "06-returned")
    with page.expect_navigation():
        page.click("main a:has-text('修改')")
    page.fill("#address", "顺庆区中城街道人民中路 18 号（租期至 2029 年）")
    with page.expect_navigation():
        page.click("main button[value=submit]")
    shot(page, "07-resubmitted")

    # 顺庆区 approves it with its credit code.
    journey.log_in("shunqing")
    page.goto(org_url)
    page.click("button[data-bs-target='#move-approve']")
    page.locator("#move-approve.show").wait_for()
    page.locator("#move-approve [name=uscc]").fill(uscc)
    page.locator("#move-approve [name=certificate_date]").fill("2026-11-20")
    page.locator("#move-approve [name=comment]").fill("材料齐全，同意登记")
    shot(page, "08-approve")
    with page.expect_navigation():
        page.click("#move-approve button[type=submit]")
    assert "已准予登记" in journey.flash()
    shot(page, "09-approved")

    # Anyone finds it in the public registry, without the contact's mobile number.
    journey.context.clear_cookies()
    journey.goto("/registry/")
    page.fill("main input[name=q]", "晨光")
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    with page.expect_navigation():
        page.click(f"main a:has-text('{name}')")
    text = page.inner_text("main")
    assert uscc in text and "13912340077" not in text
    shot(page, "10-public")
    journey.check()


def test_suggestion(journey):
    """A resident leaves an anonymous suggestion for 中城街道 from the public home page; the
    station answers it; the resident finds the answer with the tracking code and rates it;
    the answer then stands on the public board, with nothing of who asked."""
    page = journey.page
    content = "和平路 12 号小区门口的路灯坏了两个星期，晚上老人出门很不方便，建议尽快修好。"
    journey.goto("/")
    with page.expect_navigation():
        page.click("main a:has-text('我要留言')")
    page.select_option("#category", value="suggest")
    page.select_option("#township_code", value="511302001")
    page.fill("#content", content)
    shot(page, "01-new")
    with page.expect_navigation():
        page.click("main button:has-text('提交留言')")
    code = page.locator("main .display-6").inner_text().strip()
    assert len(code.replace("-", "")) == 10, code
    shot(page, "02-code")

    # 中城街道's station answers it from its list.
    journey.log_in("zhongcheng")
    page.click("nav a.dropdown-toggle:has-text('社情民意')")
    with page.expect_navigation():
        page.click("nav a.dropdown-item:has-text('留言办理')")
    shot(page, "03-manage")
    with page.expect_navigation():
        page.click("main table tbody tr >> nth=0 >> a")  # newest first: the resident's
    assert content in page.inner_text("main")
    page.fill("#answer", "已安排街道城管和供电所检修，两盏路灯已于今日修复。感谢您的反映！")
    shot(page, "04-answer")
    with page.expect_navigation():
        page.click("main button:has-text('提交答复')")
    assert "已答复" in journey.flash()
    shot(page, "05-answered")

    # The resident, signed in nowhere, tracks it by the code and rates the answer.
    journey.context.clear_cookies()
    journey.goto("/")
    with page.expect_navigation():
        page.click("main a:has-text('查询答复')")
    page.fill("main form[action$='/track'] input[name=tracking_code]", code)
    with page.expect_navigation():
        page.click("main form[action$='/track'] button[type=submit]")
    text = page.inner_text("main")
    assert "两盏路灯已于今日修复" in text and "已答复" in text
    page.select_option("#rating", value="satisfied")
    shot(page, "06-track")
    with page.expect_navigation():
        page.click("main button:has-text('提交评价')")
    assert "感谢您的评价" in journey.flash()
    assert "满意" in page.inner_text("main dl")
    shot(page, "07-rated")

    # The public board shows the question and the answer, never who asked.
    journey.goto("/suggestions/public")
    board = page.inner_text("main")
    assert content in board and "两盏路灯已于今日修复" in board and code not in board
    shot(page, "08-public")
    journey.check()

def test_dashboard(journey):
    """The city's official opens the dashboard from the menu, narrows the period to this year
    and downloads the monthly volunteers table as Excel."""
    page = journey.page
    journey.log_in("city")
    with page.expect_navigation():
        page.click("nav a:has-text('数据看板')")
    journey.wait(".dash-chart canvas")  # ECharts drew under the CSP
    shot(page, "01-dashboard")

    today = today_local()
    start = f"{today.year}-01"
    page.fill("#from", start)
    page.fill("#to", today.isoformat())
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    heading = page.inner_text("main h1")
    assert f"{today.year}-01-01" in heading and today.isoformat() in heading, heading
    assert f"from={start}" in page.url
    journey.wait("#volunteers_by_month .dash-chart canvas")
    shot(page, "02-this-year")

    section = page.locator("#volunteers_by_month")
    with page.expect_download() as download:
        section.locator("a:has-text('导出 Excel')").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = workbook(download.value).active
    rows = [row for row in sheet.iter_rows(values_only=True) if any(row)]
    assert len(rows) >= 2, rows  # a header and at least this year's first month
    months = section.locator("tbody tr").count()
    assert months >= 1
    journey.check()


def test_monthly_report(journey):
    """顺庆区's official generates last month's report, downloads it from the finished job,
    then finds it in the list of months and downloads its PDF and Excel."""
    page = journey.page
    journey.log_in("shunqing")
    journey.goto("/")
    with page.expect_navigation():  # the staff home's card (the menu has no item for it)
        page.click("main a:has-text('社会治理参与月报')")
    shot(page, "01-reports")
    assert page.locator("#region option:checked").inner_text() == "顺庆区"
    with page.expect_navigation():
        page.click("main form[action$='/generate'] button[type=submit]")
    assert "/jobs/" in page.url, page.inner_text("main")[:300]
    journey.wait("#job-download:not(.d-none)")
    shot(page, "02-job")
    with page.expect_download() as download:
        page.click("#job-download a")
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"

    page.go_back()  # from the job's page back to the list, which now has the month
    page.reload()
    row = page.locator("#monthly-reports tbody tr", has_text="顺庆区").first
    shot(page, "03-listed")
    with page.expect_download() as download:
        row.locator("a:has-text('PDF')").click()
    assert open(download.value.path(), "rb").read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    with page.expect_download() as download:
        row.locator("a:has-text('Excel')").click()
    sheet = workbook(download.value).active
    assert sum(1 for row in sheet.iter_rows(values_only=True) if any(row)) >= 2
    journey.check()
