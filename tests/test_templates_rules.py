"""Rules every template keeps, checked over all of them (not only the pages a test visits)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTION_BAR = re.compile(r'<div class="action-bar[^"]*">(.*?)</div>', re.S)


def test_a_forms_submit_button_is_never_only_in_the_phone_action_bar():
    """.action-bar is a phone-only copy of a page's main actions (app.css hides it above
    640 px): a submit button placed only there leaves the form without one on a desktop."""
    found = [f"{path.relative_to(ROOT)}: {bar.group(0)[:80]}"
             for path in sorted((ROOT / "templates").rglob("*.html"))
             for bar in ACTION_BAR.finditer(path.read_text(encoding="utf-8"))
             if 'type="submit"' in bar.group(1) or "<button" in bar.group(1)]
    assert found == []
