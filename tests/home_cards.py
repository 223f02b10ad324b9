"""Reading the home page's "today's work" cards in tests (no tests here)."""

import html
import re


def work_cards(page: str) -> dict[str, tuple[str, str]]:
    """{label: (count text, link)} of every work card on a home page."""
    found = re.findall(
        r'<a class="card[^"]*work-card[^"]*" href="([^"]+)">\s*'
        r'<div class="small text-muted"><i class="bi bi-[\w-]+"></i> ([^<]+)</div>\s*'
        r'<div class="fs-3[^"]*">([^<]+)</div>', page)
    return {label.strip(): (count.strip(), html.unescape(href)) for href, label, count in found}
