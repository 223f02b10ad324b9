"""志愿服务记录证明: issued per recording station, signed, rendered with the embedded font,
verified by serial (good, made-up and tampered)."""

import re
import shutil
import subprocess
from datetime import timedelta

import pytest
from conftest import requires
from sqlalchemy import text
from test_activities_helpers import enrol, make_activity, make_admin, make_station, make_volunteer

from registry.activities import certificates, service_records
from registry.activities.models import ServiceRecord
from registry.errors import NotFound, ValidationFailed
from registry.extensions import db
from registry.models import User

PDFTOTEXT = shutil.which("pdftotext")
PDFFONTS = shutil.which("pdffonts")


@pytest.fixture
def served(ctx):
    """A volunteer with 150 minutes at 中城 and 60 at 北城."""
    make_station("511302001", "中城街道志愿服务站")
    make_station("511302002", "北城街道志愿服务站")
    zhongcheng = make_admin("511302001")
    beicheng = make_admin("511302002")
    volunteer, _ = make_volunteer(name="王喆堃")
    first = make_activity(zhongcheng, start_in=timedelta(days=-3), length=timedelta(hours=3))
    second = make_activity(beicheng, start_in=timedelta(days=-2))
    service_records.confirm_service(zhongcheng, first, volunteer, 150, "现场参加")
    enrol(second, volunteer)  # 北城 is another township: its record needs a sign-up
    service_records.confirm_service(beicheng, second, volunteer, 60)
    return volunteer


def test_one_certificate_per_station(served):
    services = certificates.service_by_station(served)
    assert [(s.station.name, s.minutes) for s in services] == [
        ("中城街道志愿服务站", 150), ("北城街道志愿服务站", 60)]
    with pytest.raises(ValidationFailed) as error:
        certificates.issue(served)
    assert "station_id" in error.value.fields
    cert = certificates.issue(served, services[1].station.id)
    assert cert.issuer == "北城街道志愿服务站" and cert.total_minutes == 60
    assert re.fullmatch(r"ZYFW\d{4}[0-9A-F]{10}", cert.serial)
    assert certificates.issue(served, services[1].station.id).serial == cert.serial
    with pytest.raises(NotFound):
        certificates.issue(served, 99999)


def test_verify_good_made_up_and_tampered(served):
    station = certificates.service_by_station(served)[0].station
    cert = certificates.issue(served, station.id)
    db.session.commit()
    result = certificates.verify(cert.serial)
    assert result["valid"] is True and result["holder"] == "王**"
    assert result["total_minutes"] == 150 and result["issuer"] == "中城街道志愿服务站"
    assert result["issued_at"].endswith("+08:00")
    assert certificates.verify(cert.serial.lower())["valid"]
    assert certificates.verify("ZYFW2026" + "0" * 10) is None
    assert certificates.verify("'; DROP TABLE x; --") is None
    assert certificates.verify("") is None
    # Someone edits the stored figures directly in the database: no longer valid.
    db.session.execute(text("UPDATE service_certificate SET total_minutes = 6000 "
                            "WHERE serial = :s"), {"s": cert.serial})
    db.session.commit()
    db.session.expire_all()
    assert certificates.verify(cert.serial) is None


def test_correction_leads_to_new_certificate(served):
    station = certificates.service_by_station(served)[0].station
    first = certificates.issue(served, station.id)
    record = db.session.scalar(
        db.select(ServiceRecord).where(ServiceRecord.station_id
                                                  == station.id))
    admin = db.session.scalar(db.select(User).where(
        User.region_code == station.township_code))
    service_records.correct_record(admin, record, 120, "核对签到表")
    second = certificates.issue(served, station.id)
    assert second.serial != first.serial and second.total_minutes == 120
    old = certificates.verify(first.serial)
    assert old["total_minutes"] == 150  # what it said, no longer vouched for:
    assert (old["valid"], old["status"], old["current_serial"]) == (False, "updated",
                                                                    second.serial)
    assert certificates.verify(second.serial)["status"] == "valid"


def test_pdf_content(served, app):
    station = certificates.service_by_station(served)[0].station
    cert = certificates.issue(served, station.id)
    data = certificates.certificate_data(cert)
    assert data.holder_name == "王喆堃" and "*" in data.id_number_masked
    assert data.verify_url == f"{app.config['PUBLIC_BASE_URL']}/certificates/{cert.serial}"
    assert [line.minutes for line in data.records] == [150]
    pdf = certificates.render(cert)
    assert pdf.startswith(b"%PDF")
    if PDFTOTEXT is None or PDFFONTS is None:
        requires(False, "pdftotext and pdffonts (poppler-utils)")  # fails in CI, skips elsewhere
        pytest.skip("poppler-utils is not installed")
    path = app.config["UPLOAD_DIR"] + ".pdf"
    with open(path, "wb") as handle:
        handle.write(pdf)
    content = re.sub(r"\s+", "", subprocess.run([PDFTOTEXT, path, "-"], capture_output=True,
                                                 text=True, check=True).stdout)
    for expected in ("志愿服务记录证明", "王喆堃", cert.serial, "中城街道志愿服务站", "2.5",
                     data.id_number_masked, data.volunteer_no):
        assert expected in content, expected
    fonts = subprocess.run([PDFFONTS, path], capture_output=True, text=True, check=True).stdout
    rows = [line for line in fonts.splitlines()[2:] if line.strip()]
    assert rows and all(" yes yes " in row for row in rows), fonts


def _admin_of(station):
    return db.session.scalar(db.select(User).where(User.region_code == station.township_code))


def test_superseded_certificate_is_updated_on_page_and_api(served, app):
    station = certificates.service_by_station(served)[0].station
    first = certificates.issue(served, station.id)
    db.session.commit()
    record = db.session.scalar(db.select(ServiceRecord).where(
        ServiceRecord.station_id == station.id))
    service_records.correct_record(_admin_of(station), record, 100, "核对签到表")
    db.session.commit()
    # Corrected, no new certificate yet: updated, nothing to point to.
    result = certificates.verify(first.serial)
    assert (result["valid"], result["status"], result["current_serial"]) == (False, "updated",
                                                                             None)
    client = app.test_client()
    page = client.get(f"/certificates/{first.serial}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "已更新" in text and "有效：" not in text
    assert "重新下载证明" in text
    second = certificates.issue(served, station.id)
    db.session.commit()
    text = client.get(f"/certificates/{first.serial}").get_data(as_text=True)
    assert f'href="/certificates/{second.serial}"' in text and "已更新" in text
    answer = client.get(f"/api/v1/public/certificates/{first.serial}")
    body = answer.get_json()
    assert answer.status_code == 200 and body["valid"] is False and body["status"] == "updated"
    assert body["current_serial"] == second.serial
    assert body["current_url"].endswith(f"/certificates/{second.serial}")
    assert body["updated_at"].endswith("+08:00")
    current = client.get(f"/api/v1/public/certificates/{second.serial}").get_json()
    assert current["valid"] is True and current["status"] == "valid"
    assert current["total_minutes"] == 100
    assert "有效：" in client.get(f"/certificates/{second.serial}").get_data(as_text=True)


def test_more_service_or_later_records_do_not_supersede(served):
    zhongcheng = certificates.service_by_station(served)[0].station
    admin = _admin_of(zhongcheng)
    cert = certificates.issue(served, zhongcheng.id)
    db.session.commit()
    # New service after the certificate, then a correction of that new record only.
    later = make_activity(admin, start_in=timedelta(hours=-3), length=timedelta(hours=2))
    record = service_records.confirm_service(admin, later, served, 60, "现场参加")
    service_records.correct_record(admin, record, 30, "提前离开")
    assert certificates.verify(cert.serial)["status"] == "valid"
    assert certificates.issue(served, zhongcheng.id).serial != cert.serial  # a new total
    assert certificates.verify(cert.serial)["valid"] is True


def test_pdf_has_seal_signature_lines_and_the_content(served, app):
    station = certificates.service_by_station(served)[0].station
    record = db.session.scalar(db.select(ServiceRecord).where(
        ServiceRecord.station_id == station.id))
    record.activity.content = "为高龄老人送餐"
    record.activity.notice = "请穿志愿者马甲提前十分钟到场"
    db.session.flush()
    cert = certificates.issue(served, station.id)
    data = certificates.certificate_data(cert)
    assert [line.content for line in data.records] == ["为高龄老人送餐"]
    assert data.seal_text == app.config["CERTIFICATE_SEAL_TEXT"] == "志愿服务专用章"
    if PDFTOTEXT is None:
        requires(False, "pdftotext (poppler-utils)")
        pytest.skip("poppler-utils is not installed")
    path = app.config["UPLOAD_DIR"] + ".pdf"
    with open(path, "wb") as handle:
        handle.write(certificates.render(cert))
    content = re.sub(r"\s+", "", subprocess.run([PDFTOTEXT, path, "-"], capture_output=True,
                                                 text=True, check=True).stdout)
    for expected in ("志愿服务专用章", "负责人：陈站长", "经办人：", "（签字）", "为高龄老人送餐"):
        assert expected in content, expected
    assert "马甲" not in content
