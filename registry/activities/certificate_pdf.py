"""Render a 志愿服务记录证明 (volunteer service record certificate) as an A4 PDF."""

import datetime
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import qrcode
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from registry.activities.certificate_seal import SealFactory, drawn_seal

FONT_PATH = Path(__file__).parent.parent / "fonts" / "NotoSerifSC-subset.ttf"
FONT_NAME = "NotoSerifSC"
MAX_LINES = 500  # the most recent lines are listed (about 21 pages); the total covers all
MARGIN = 20 * mm
FRAME_PAD = 6  # reportlab's frame pads its content by 6 pt on each side
BORDER = colors.HexColor("#555555")
SHADE = colors.HexColor("#ECECEC")
TABLE_HEAD = ("序号", "活动名称", "服务内容", "日期", "地点", "时长(小时)", "记录单位")
TABLE_WIDTHS = (11, 29, 33, 22, 24, 21, 30)  # mm, 170 in all
FIXED_TEXT = "志愿服务记录证明编号：第页扫码验证电子签章姓名证件类型号码志愿者负责人经办人（签字）"
SEAL_SIZE = 36 * mm


class MissingGlyphError(ValueError):
    """Some characters of the certificate text are not in the embedded font."""

    def __init__(self, chars: str) -> None:
        self.chars = chars
        listed = "、".join(f"“{ch}”(U+{ord(ch):04X})" for ch in chars)
        super().__init__(f"证明所用字体缺少以下字符，无法生成证明：{listed}")


@dataclass(frozen=True)
class ServiceLine:
    """One recorded service: what, when, where, how long and who recorded it."""

    activity: str
    content: str
    date: datetime.date
    place: str
    minutes: int
    organizer: str


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate; text is printed as given (mask it first)."""

    serial: str
    holder_name: str
    id_type: str
    id_number_masked: str
    volunteer_no: str
    total_minutes: int
    records: list[ServiceLine]
    issuer_name: str
    issuer_person_in_charge: str
    issuer_handler: str
    issuer_contact: str
    issued_on: datetime.date
    verify_url: str
    signature: str
    seal_text: str = "志愿服务专用章"


@functools.cache
def _font() -> TTFont:
    """Register the bundled font once; reportlab embeds only the glyphs a PDF uses."""
    font = TTFont(FONT_NAME, str(FONT_PATH))
    pdfmetrics.registerFont(font)
    return font


def missing_glyphs(text: str) -> str:
    """The distinct characters of text (whitespace aside) that the font cannot draw."""
    cmap = _font().face.charToGlyph
    return "".join(sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap}))


def hours(minutes: int) -> str:
    """Integer minutes as hours with one decimal, rounded half up: 45 → "0.8"."""
    tenths = (minutes * 10 + 30) // 60
    return f"{tenths // 10}.{tenths % 10}"


def chinese_date(day: datetime.date) -> str:
    """A date in Chinese form: 2026年11月24日."""
    return f"{day.year}年{day.month}月{day.day}日"


def _style(size: float, align: int = TA_LEFT, leading: float = 0) -> ParagraphStyle:
    """A paragraph style in the certificate font that may break CJK text anywhere."""
    return ParagraphStyle(
        f"cert{size}-{align}",
        fontName=FONT_NAME,
        fontSize=size,
        leading=leading or size * 1.45,
        alignment=align,
        wordWrap="CJK",
    )


BODY, SMALL, CELL, CELL_C = _style(11), _style(8.5), _style(9, leading=12), _style(9, TA_CENTER)


def _p(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (markup characters are escaped)."""
    return Paragraph(escape(text), style)


class QRCode(Flowable):
    """A QR code drawn from the qrcode library's matrix as filled rectangles."""

    def __init__(self, url: str, size: float) -> None:
        super().__init__()
        qr = qrcode.QRCode(border=0, error_correction=qrcode.constants.ERROR_CORRECT_M)
        qr.add_data(url)
        qr.make(fit=True)
        self.matrix, self.size = qr.get_matrix(), size

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        """The code is a fixed square."""
        return self.size, self.size

    def draw(self) -> None:
        """Draw each horizontal run of dark modules as one rectangle, top row first."""
        cell = self.size / len(self.matrix)
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(self.matrix):
            x = 0
            while x < len(row):
                start = x
                while x < len(row) and row[x]:
                    x += 1
                if x > start:
                    bottom = self.size - (y + 1) * cell
                    self.canv.rect(start * cell, bottom, (x - start) * cell, cell, stroke=0, fill=1)
                x += 1


def _grid(table: Table, *extra: tuple) -> Table:
    """Give a table thin borders, middle-aligned cells and the certificate font."""
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT_NAME, 9),  # else reportlab references Helvetica
            ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ("TOPPADDING", (0, 0), (-1, -1), 3),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            *extra,
        ]
    )
    return table


def _identity_table(data: CertificateData) -> Table:
    """The holder's name, ID type, masked ID number and volunteer number, two per row."""
    rows = [
        ("姓名", data.holder_name, "证件类型", data.id_type),
        ("证件号码", data.id_number_masked, "志愿者编号", data.volunteer_no),
    ]
    cells = [[_p(t, CELL_C if i % 2 == 0 else CELL) for i, t in enumerate(row)] for row in rows]
    table = Table(cells, colWidths=[w * mm for w in (24, 61, 24, 61)])
    shade = [("BACKGROUND", (col, 0), (col, -1), SHADE) for col in (0, 2)]
    return _grid(table, *shade, ("TOPPADDING", (0, 0), (-1, -1), 5))


def _service_table(records: list[ServiceLine]) -> Table:
    """The service lines, with a shaded header row repeated on every page."""
    rows = [[_p(h, CELL_C) for h in TABLE_HEAD]]
    styles = (CELL_C, CELL, CELL, CELL_C, CELL, CELL_C, CELL)
    for n, line in enumerate(records, 1):
        date, minutes = line.date.isoformat(), hours(line.minutes)
        texts = (str(n), line.activity, line.content, date, line.place, minutes, line.organizer)
        rows.append([_p(text, style) for text, style in zip(texts, styles, strict=True)])
    table = Table(rows, colWidths=[w * mm for w in TABLE_WIDTHS], repeatRows=1)
    return _grid(table, ("BACKGROUND", (0, 0), (-1, 0), SHADE))


def _signatures(data: CertificateData) -> Table:
    """负责人 and 经办人, each with a line to sign on."""
    rows = [[_p(f"负责人：{data.issuer_person_in_charge}"), _p("（签字）", SMALL), ""],
            [_p(f"经办人：{data.issuer_handler}"), _p("（签字）", SMALL), ""]]
    table = Table(rows, colWidths=[52 * mm, 14 * mm, 28 * mm])
    table.setStyle([
        ("FONT", (0, 0), (-1, -1), FONT_NAME),
        ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
        ("TOPPADDING", (0, 0), (-1, -1), 9),  # room to sign above each line
        ("LEFTPADDING", (0, 0), (0, -1), 0),
        ("LINEBELOW", (2, 0), (2, -1), 0.6, colors.black),
    ])
    return table


def _closing(data: CertificateData, issuer: list[str], seal: SealFactory) -> Table:
    """The issuer block, signature lines and signed serial; the seal beside the serial; the
    verification QR code on the right."""
    left = [_p(text) for text in issuer]
    left += [_signatures(data), Spacer(1, 3 * mm), _p(f"电子签章：{data.signature}", SMALL)]
    right = [QRCode(data.verify_url, 30 * mm), Spacer(1, 1 * mm), _p("扫码验证", CELL_C)]
    table = Table([[left, seal(data.issuer_name, data.seal_text, SEAL_SIZE), right]],
                  colWidths=[94 * mm, 40 * mm, 36 * mm])
    table.setStyle(
        [
            ("FONT", (0, 0), (-1, -1), FONT_NAME),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("VALIGN", (1, 0), (1, 0), "BOTTOM"),
            ("ALIGN", (1, 0), (2, 0), "CENTER"),
            ("LEFTPADDING", (0, 0), (0, 0), 0),
        ]
    )
    return table


def _footer(serial: str) -> Callable[[Canvas, SimpleDocTemplate], None]:
    """A page callback: a thin rule, the certificate number, 第 X 页 and the no-fee note."""

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        width = A4[0]
        canvas.saveState()
        canvas.setStrokeColor(BORDER)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 14 * mm, width - MARGIN, 14 * mm)
        canvas.setFont(FONT_NAME, 8.5)
        canvas.drawString(MARGIN, 9 * mm, f"证明编号：{serial}")
        canvas.drawCentredString(width / 2, 9 * mm, f"第 {doc.page} 页")
        canvas.drawRightString(width - MARGIN, 9 * mm, "本证明免费出具")
        canvas.restoreState()

    return draw


def render_certificate(data: CertificateData, seal: SealFactory | None = None) -> bytes:
    """Render the certificate as PDF bytes; MissingGlyphError if the font lacks a character.

    seal draws the issuer's seal (certificate_seal.py); by default the drawn red seal."""
    _font()
    seal = seal or drawn_seal(FONT_NAME)
    records = sorted(data.records, key=lambda line: line.date)[-MAX_LINES:]
    capped = f"（仅列出最近 {len(records)} 条）" if len(data.records) > len(records) else ""
    total = f"累计服务时长 {hours(data.total_minutes)} 小时"
    intro = f"兹证明 {data.holder_name} 参加志愿服务，{total}，服务记录如下{capped}。"
    issuer = [
        f"出具单位：{data.issuer_name}",
        f"联系方式：{data.issuer_contact}",
        f"出具日期：{chinese_date(data.issued_on)}",
    ]
    basis = "本证明依据《志愿服务记录与证明出具办法（试行）》出具，本证明免费出具。"
    texts = [FIXED_TEXT, *TABLE_HEAD, intro, basis, *issuer]
    texts += [v for v in vars(data).values() if isinstance(v, str)]
    texts += [v for line in records for v in vars(line).values() if isinstance(v, str)]
    if missing := missing_glyphs("".join(texts)):
        raise MissingGlyphError(missing)

    story = [
        _p("志愿服务记录证明", _style(22, TA_CENTER, 30)),
        Spacer(1, 3 * mm),
        _p(f"证明编号：{data.serial}", _style(10, TA_RIGHT)),
        Spacer(1, 3 * mm),
        _identity_table(data),
        Spacer(1, 5 * mm),
        _p(intro),
        Spacer(1, 2 * mm),
        _service_table(records),
        Spacer(1, 2 * mm),
        _p(total, _style(11, TA_RIGHT)),
        Spacer(1, 6 * mm),
        KeepTogether([_closing(data, issuer, seal), Spacer(1, 3 * mm), _p(basis, SMALL)]),
    ]
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN - FRAME_PAD,
        rightMargin=MARGIN - FRAME_PAD,
        topMargin=MARGIN - FRAME_PAD,
        bottomMargin=22 * mm - FRAME_PAD,
        title="志愿服务记录证明",
        author=data.issuer_name,
        subject=data.serial,
        invariant=True,
        initialFontName=FONT_NAME,  # else every page starts by selecting Helvetica
    )
    footer = _footer(data.serial)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
