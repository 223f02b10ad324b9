"""Tests for the 志愿服务记录证明 PDF renderer (no Flask, no database)."""

import dataclasses
import datetime
import re
import shutil
import subprocess

import pytest
from conftest import requires
from PIL import Image
from reportlab.platypus import Spacer

from registry.activities.certificate_pdf import (
    MAX_LINES,
    CertificateData,
    MissingGlyphError,
    ServiceLine,
    chinese_date,
    hours,
    missing_glyphs,
    render_certificate,
)

PDFTOTEXT = shutil.which("pdftotext")


def make_data(lines: int = 3, **changes) -> CertificateData:
    """A certificate for 王喆堃 with the given number of service lines."""
    start = datetime.date(2026, 1, 1)
    records = [
        ServiceLine(
            activity="社区敬老助餐",
            content="为高龄独居老人送餐",
            date=start + datetime.timedelta(days=i),
            place="顺庆区和平社区",
            minutes=90 + i % 4 * 15,
            organizer="南充市青年志愿者协会",
        )
        for i in range(lines)
    ]
    data = CertificateData(
        serial="ZYFW-2026-000123",
        holder_name="王喆堃",
        id_type="居民身份证",
        id_number_masked="511302********001X",
        volunteer_no="51130220260001234",
        total_minutes=sum(r.minutes for r in records),
        records=records,
        issuer_name="南充市青年志愿者协会",
        issuer_person_in_charge="李頔",
        issuer_handler="陈〇明",
        issuer_contact="0817-2222333",
        issued_on=datetime.date(2026, 11, 24),
        verify_url="https://registry.example/verify/ZYFW-2026-000123",
        signature="SHA256 3f9a1c2b77de0a41",
    )
    return dataclasses.replace(data, **changes)


def squash(text: str) -> str:
    """Text without whitespace (pdftotext drops or adds spaces between CJK and digits)."""
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The text of a PDF as pdftotext extracts it, without whitespace."""
    path = tmp_path / "cert.pdf"
    path.write_bytes(pdf)
    command = [PDFTOTEXT, "-enc", "UTF-8", str(path), "-"]
    return squash(subprocess.run(command, capture_output=True, check=True, text=True).stdout)


def page_count(pdf: bytes) -> int:
    """The number of page objects in a PDF."""
    return len(re.findall(rb"/Type /Page\b", pdf))


def test_pdf_embeds_a_font_subset() -> None:
    pdf = render_certificate(make_data())
    assert pdf.startswith(b"%PDF")
    assert b"/FontFile2" in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+NotoSerif", pdf)
    assert b"Helvetica" not in pdf
    assert page_count(pdf) == 1
    assert len(pdf) < 150_000


@requires(PDFTOTEXT, "pdftotext (poppler-utils)")
def test_text_is_extractable(tmp_path) -> None:
    text = pdf_text(render_certificate(make_data()), tmp_path)
    for expected in [
        "志愿服务记录证明",
        "证明编号：ZYFW-2026-000123",
        "王喆堃",
        "居民身份证",
        "511302********001X",
        "51130220260001234",
        "累计服务时长 5.3 小时",  # 90 + 105 + 120 minutes
        "1.8",  # 105 minutes
        "出具单位：南充市青年志愿者协会",
        "负责人：李頔",
        "经办人：陈〇明",
        "联系方式：0817-2222333",
        "出具日期：2026年11月24日",
        "本证明免费出具",
        "电子签章：SHA256 3f9a1c2b77de0a41",
        "扫码验证",
        "第 1 页",
    ]:
        assert squash(expected) in text, expected


def test_long_lists_continue_on_further_pages(tmp_path) -> None:
    pdf = render_certificate(make_data(lines=200))
    assert page_count(pdf) > 2
    if PDFTOTEXT:
        text = pdf_text(pdf, tmp_path)
        assert text.count("活动名称") == page_count(pdf)  # header row on every page
        assert "第3页" in text
        assert "仅列出" not in text


def test_very_long_lists_are_capped_but_total_kept(tmp_path) -> None:
    data = make_data(lines=MAX_LINES + 20)
    pdf = render_certificate(data)
    if PDFTOTEXT:
        text = pdf_text(pdf, tmp_path)
        assert f"仅列出最近{MAX_LINES}条" in text
        assert f"累计服务时长{hours(data.total_minutes)}小时" in text
        assert "2026-01-20" not in text and "2026-01-21" in text  # the oldest 20 are left out


@pytest.mark.parametrize("char", ["😀", "\U00020000"])
def test_characters_outside_the_font_are_refused(char: str) -> None:
    with pytest.raises(MissingGlyphError) as info:
        render_certificate(make_data(holder_name=f"王{char}"))
    assert info.value.chars == char
    assert char in str(info.value) and "缺少" in str(info.value)
    assert isinstance(info.value, ValueError)


def test_missing_glyphs_in_service_lines_are_found() -> None:
    bad = ServiceLine("活动😀", "内容", datetime.date(2026, 1, 1), "地点", 60, "单位")
    with pytest.raises(MissingGlyphError):
        render_certificate(make_data(records=[bad]))
    assert missing_glyphs("王喆堃頔〇 （）《》：") == ""


@pytest.mark.parametrize(
    ("minutes", "shown"), [(0, "0.0"), (15, "0.3"), (45, "0.8"), (60, "1.0"), (1234, "20.6")]
)
def test_hours_have_one_decimal(minutes: int, shown: str) -> None:
    assert hours(minutes) == shown


def test_chinese_date() -> None:
    assert chinese_date(datetime.date(2026, 11, 4)) == "2026年11月4日"


PDFTOPPM = shutil.which("pdftoppm")


def test_seal_is_drawn_red_beside_the_serial(tmp_path) -> None:
    """The default seal is a red disc of ink on the last page, in the closing block."""
    if PDFTOPPM is None:
        requires(False, "pdftoppm (poppler-utils)")
        pytest.skip("poppler-utils is not installed")
    def red_pixels(pdf: bytes) -> int:
        (tmp_path / "c.pdf").write_bytes(pdf)
        subprocess.run([PDFTOPPM, "-r", "40", "-png", "-singlefile", str(tmp_path / "c.pdf"),
                        str(tmp_path / "c")], check=True)
        raw = Image.open(tmp_path / "c.png").convert("RGB").tobytes()
        pixels = zip(raw[0::3], raw[1::3], raw[2::3], strict=True)
        return sum(1 for r, g, b in pixels if r > 180 and g < 90 and b < 90)

    assert red_pixels(render_certificate(make_data())) > 200
    blank = render_certificate(make_data(), seal=lambda issuer, text, size: Spacer(size, size))
    assert red_pixels(blank) == 0


def test_seal_is_pluggable() -> None:
    """A CA-backed seal replaces the drawn one: the factory gets the issuer and the text."""
    calls = []

    def seal(issuer: str, text: str, size: float):
        calls.append((issuer, text))
        return Spacer(size, size)

    pdf = render_certificate(make_data(seal_text="志愿服务专用章"), seal=seal)
    assert pdf.startswith(b"%PDF") and calls == [("南充市青年志愿者协会", "志愿服务专用章")]


def test_seal_text_outside_the_font_is_refused() -> None:
    with pytest.raises(MissingGlyphError):
        render_certificate(make_data(seal_text="专用章\U0001F600"))
