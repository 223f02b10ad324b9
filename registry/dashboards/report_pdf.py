"""Draw a monthly report (already formatted text) as an A4 PDF in the embedded CJK font."""

import io
import logging
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table

from registry.activities.certificate_pdf import FONT_NAME, missing_glyphs

log = logging.getLogger(__name__)
MARGIN = 18 * mm
FRAME_PAD = 6  # reportlab's frame pads its content by 6 pt on each side
WIDTH = A4[0] - 2 * MARGIN
BORDER = colors.HexColor("#555555")
SHADE = colors.HexColor("#ECECEC")
MISSING = "?"  # drawn instead of a character the font lacks (a rare name's character)


@dataclass
class Section:
    """One table of the report: its title, column headers, rows of text, and which columns
    hold numbers (right-aligned)."""

    title: str
    header: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)
    note: str = ""


@dataclass
class Document:
    """Everything printed: the title, lines under it, the sections and the page footer."""

    title: str
    lines: list[str]
    sections: list[Section]
    footer: str
    author: str = ""


def _style(size: float, align: int = TA_LEFT, leading: float = 0) -> ParagraphStyle:
    return ParagraphStyle(f"mr{size}-{align}", fontName=FONT_NAME, fontSize=size,
                          leading=leading or size * 1.4, alignment=align, wordWrap="CJK")


TITLE, LINE, HEAD = _style(17, TA_CENTER, 24), _style(10, TA_CENTER), _style(12.5, leading=18)
CELL, CELL_R, CELL_C, NOTE = (_style(8.5), _style(8.5, TA_RIGHT), _style(8.5, TA_CENTER),
                              _style(8))


def drawable(text: str) -> str:
    """text with any character the embedded font lacks replaced by MISSING (and logged)."""
    missing = missing_glyphs(text)
    if not missing:
        return text
    log.warning("monthly report: font lacks %s", ", ".join(f"U+{ord(c):04X}" for c in missing))
    return "".join(MISSING if ch in missing else ch for ch in text)


def _p(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(drawable(str(text))), style)


def _widths(section: Section) -> list[float]:
    """The first column (a name) twice as wide as the others, all within the page."""
    count = len(section.header)
    if count == 1:
        return [WIDTH]
    unit = WIDTH / (count + 1)
    return [2 * unit] + [unit] * (count - 1)


def _table(section: Section) -> Table:
    head = [_p(text, CELL_C) for text in section.header]
    body = [[_p(text, CELL_R if i in section.numeric else CELL) for i, text in enumerate(row)]
            for row in section.rows]
    table = Table([head, *body], colWidths=_widths(section), repeatRows=1)
    table.setStyle([
        ("FONT", (0, 0), (-1, -1), FONT_NAME, 8.5),  # else reportlab references Helvetica
        ("GRID", (0, 0), (-1, -1), 0.5, BORDER),
        ("BACKGROUND", (0, 0), (-1, 0), SHADE),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ])
    return table


def _section(section: Section, empty: str) -> list:
    heading = [_p(section.title, HEAD), Spacer(1, 2 * mm)]
    if not section.rows:
        return [KeepTogether([*heading, _p(empty, NOTE)]), Spacer(1, 5 * mm)]
    parts = [KeepTogether([*heading, _table(section)])]
    if section.note:
        parts += [Spacer(1, 1 * mm), _p(section.note, NOTE)]
    return [*parts, Spacer(1, 6 * mm)]


def _footer(text: str, page_text: str):
    def draw(canvas, doc) -> None:
        canvas.saveState()
        canvas.setStrokeColor(BORDER)
        canvas.setLineWidth(0.5)
        canvas.line(MARGIN, 13 * mm, A4[0] - MARGIN, 13 * mm)
        canvas.setFont(FONT_NAME, 8)
        canvas.drawString(MARGIN, 8.5 * mm, drawable(text))
        canvas.drawRightString(A4[0] - MARGIN, 8.5 * mm, page_text % {"page": doc.page})
        canvas.restoreState()

    return draw


def render(document: Document, empty: str, page_text: str) -> bytes:
    """The report as PDF bytes. empty: the line under a table without rows; page_text: the
    page number's text with %(page)s."""
    story = [_p(document.title, TITLE), Spacer(1, 2 * mm)]
    story += [_p(line, LINE) for line in document.lines]
    story.append(Spacer(1, 6 * mm))
    for section in document.sections:
        story += _section(section, empty)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4,
        leftMargin=MARGIN - FRAME_PAD, rightMargin=MARGIN - FRAME_PAD,
        topMargin=MARGIN - FRAME_PAD, bottomMargin=20 * mm - FRAME_PAD,
        title=drawable(document.title), author=document.author, invariant=True,
        initialFontName=FONT_NAME,  # else every page starts by selecting Helvetica
    )
    footer = _footer(document.footer, page_text)
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
