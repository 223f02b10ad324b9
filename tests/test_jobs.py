"""Background jobs (registry/jobs.py): large imports and exports run as jobs with a progress
page and a download, each job visible to its owner only; the daily purge is a periodic task."""

import io
from datetime import timedelta

from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from stdnum.cn import ric

from registry import jobs
from registry.clock import utcnow
from registry.extensions import db
from registry.idempotency import IdempotencyRecord
from registry.models import User
from registry.volunteers.bulk import seed_volunteers
from registry.volunteers.models import Volunteer


def make_id(seq: int) -> str:
    base = f"51130219950307{seq:03d}"[:17]
    return base + ric.calc_check_digit(base + "0")


def upload(browser, rows, write_only=False):
    # Write-only workbooks (as some tools write them) declare no size: the rows must be counted.
    book = Workbook(write_only=write_only)
    sheet = book.create_sheet() if write_only else book.active
    sheet.append(["姓名", "身份证号码", "手机号码", "乡镇（街道）代码"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return browser.post("/volunteers/import", data={"file": (buffer, "v.xlsx")},
                        content_type="multipart/form-data")


def test_a_large_export_is_a_job_with_a_download(app, browser, make_user):
    app.config["JOBS_THRESHOLD"] = 10
    with app.app_context():
        seed_volunteers(30)
        db.session.commit()
    browser.login(make_user("city_official", "511300", "city1"))
    response = browser.get("/volunteers/export.xlsx")
    assert response.status_code == 302 and "/jobs/" in response.location
    page = browser.get(response.location).get_data(as_text=True)
    assert "已完成" in page and "下载结果" in page and "<progress" in page
    assert 'nonce="' in page and "onclick" not in page
    status = browser.get(response.location + "/status").get_json()
    assert status["status"] == "done" and status["done"] == status["total"] == 30
    download = browser.get(response.location + "/download")
    sheet = load_workbook(io.BytesIO(download.data)).worksheets[0]
    assert sheet.max_row == 31
    # Somebody else's job is a 404, like a missing one.
    other = type(browser)(app.test_client())
    other.login(make_user("city_official", "511300", "city2"))
    for suffix in ("", "/status", "/download"):
        assert other.get(response.location + suffix).status_code == 404


def test_a_large_import_is_a_job_all_or_nothing(app, browser, make_user):
    app.config["JOBS_THRESHOLD"] = 5
    browser.login(make_user("county_official", "511302", "sq1"))
    rows = [[f"刘{'一二三四五六七八'[i]}", make_id(900 + i), f"1380000{i:04d}", "511302001"]
            for i in range(8)]
    bad = rows + [["李九", "123", "1380000", "511303001"]]
    response = upload(browser, bad)
    assert response.status_code == 302
    page = browser.get(response.location).get_data(as_text=True)
    assert "失败" in page and "第 10 行" not in page and "身份证号码" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 0
    response = upload(browser, rows)
    page = browser.get(response.location).get_data(as_text=True)
    assert "已导入 8 名志愿者" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Volunteer)) == 8


def test_a_large_import_without_a_declared_size_is_a_job_too(app, browser, make_user):
    app.config["JOBS_THRESHOLD"] = 5
    browser.login(make_user("county_official", "511302", "sq1"))
    rows = [[f"刘{'一二三四五六七八'[i]}", make_id(900 + i), f"1380000{i:04d}", "511302001"]
            for i in range(8)]
    response = upload(browser, rows, write_only=True)
    assert response.status_code == 302 and "/jobs/" in response.location
    assert "已导入 8 名志愿者" in browser.get(response.location).get_data(as_text=True)


def test_a_small_import_stays_in_the_request(app, browser, make_user):
    browser.login(make_user("county_official", "511302", "sq1"))
    response = upload(browser, [["刘一", make_id(900), "13800000001", "511302001"]])
    assert response.status_code == 302 and "/jobs/" not in response.location
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(jobs.Job)) == 0


def test_idempotency_purge_is_a_daily_periodic_task(app, make_user):
    assert jobs.purge_idempotency_keys.task_class().validate_datetime(
        utcnow().replace(hour=3, minute=17))
    name = make_user("city_official", "511300")
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == name))
        db.session.add(IdempotencyRecord(user_id=user_id, key="k", request_hash="h",
                                         created_at=utcnow() - timedelta(days=9)))
        db.session.commit()
        jobs.purge_idempotency_keys.call_local()
        assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_a_result_is_only_its_owners_while_their_role_and_region_are_unchanged(app, browser,
                                                                             make_user):
    """Moved to another county, the owner no longer gets the old county's export."""
    app.config["JOBS_THRESHOLD"] = 0
    with app.app_context():
        seed_volunteers(3)
        db.session.commit()
    name = make_user("county_official", "511302", "county1")
    admin = make_user("security_admin", "511300", "sec1")
    browser.login(name)
    job_url = browser.get("/volunteers/export.xlsx").location.split("?")[0]
    assert browser.get(job_url + "/download").status_code == 200
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == name))
        job = db.session.scalar(select(jobs.Job).where(jobs.Job.user_id == user.id))
        assert (job.owner_role, job.owner_region) == ("county_official", "511302")
        from registry import accounts
        actor = db.session.scalar(select(User).where(User.username == admin))
        assert accounts.grant_role(actor, user, "county_official", "511303")
        db.session.commit()
    again = type(browser)(app.test_client())
    again.login(name)
    for suffix in ("", "/status", "/download"):
        assert again.get(job_url + suffix).status_code == 404


def test_a_job_that_breaks_ends_failed_with_a_message(app, make_user):
    """An unexpected error in a handler ends the job as failed with the general message (the
    message was once a lazy text the database could not store: the failure became a 500)."""

    def breaks(job, user):
        raise RuntimeError("boom")

    jobs.HANDLERS["test_breaks"] = breaks
    try:
        with app.test_request_context():
            user = db.session.scalar(select(User).where(
                User.username == make_user("city_official", "511300", "city1")))
            job = jobs.start(user, "test_breaks", "会出错的任务", {})
            db.session.commit()
            db.session.expire_all()
            job = db.session.get(jobs.Job, job.id)
            assert job.status == "failed"
            assert job.message == str(jobs.FAILED_MESSAGE) and job.finished_at is not None
    finally:
        del jobs.HANDLERS["test_breaks"]
