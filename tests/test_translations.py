"""The English catalogue: every Chinese msgid has an English text with the same placeholders, the
compiled .mo matches the .po, and the /lang switch changes the language of the pages."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LC_MESSAGES = ROOT / "registry" / "translations" / "en" / "LC_MESSAGES"
# %(name)s, %s, %d, %%, {0}, {name}; and HTML tags.
CONVERSION = r"[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa"
PLACEHOLDER = re.compile(rf"%\([^)]*\){CONVERSION}]|%{CONVERSION}%]|\{{[^{{}}]*\}}")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
HAN = re.compile(r"[\u3400-\u9fff]")


def _catalog():
    with open(LC_MESSAGES / "messages.po", "rb") as fh:
        return read_po(fh)


def _messages():
    return [m for m in _catalog() if m.id]


def _strings(message):
    """(msgid, msgstr) pairs, one per plural form."""
    if message.pluralizable:
        ids = list(message.id)
        return [(ids[min(i, len(ids) - 1)], s) for i, s in enumerate(message.string)]
    return [(message.id, message.string)]


def test_catalogue_is_not_empty():
    assert len(_messages()) > 500


def test_every_msgid_is_translated():
    untranslated = [m.id for m in _messages()
                    if not all(s and s.strip() for _, s in _strings(m))]
    assert untranslated == []
    fuzzy = [m.id for m in _messages() if m.fuzzy]
    assert fuzzy == []


def test_translations_are_english():
    """No Chinese characters left in an English text (quotes like “ ” are fine)."""
    still_chinese = [(m.id, s) for m in _messages() for _, s in _strings(m) if HAN.search(s or "")]
    assert still_chinese == []


def test_placeholders_and_tags_match():
    mismatched = []
    for message in _messages():
        for msgid, msgstr in _strings(message):
            for pattern in (PLACEHOLDER, TAG):
                if sorted(pattern.findall(msgid)) != sorted(pattern.findall(msgstr or "")):
                    mismatched.append((msgid, msgstr))
    assert mismatched == []


def test_python_format_flag_passes_babel_checks():
    errors = [(m.id, [str(e) for e in errs]) for m, errs in _catalog().check() if errs]
    assert errors == []


def test_compiled_mo_matches_po():
    """`pybabel compile` was run after the last edit of the .po."""
    with open(LC_MESSAGES / "messages.mo", "rb") as fh:
        compiled = {m.id: m.string for m in read_mo(fh) if m.id}
    expected = {m.id: m.string for m in _messages()}
    assert compiled == expected


@pytest.mark.parametrize("path", ["/login"])
def test_language_switch_on_login_page(browser, path):
    chinese = browser.get(path).get_data(as_text=True)
    assert "登录" in chinese and 'lang="zh-CN"' in chinese

    response = browser.get(f"/lang/en?next={path}")
    assert response.status_code == 302
    english = browser.get(path).get_data(as_text=True)
    assert 'lang="en"' in english
    assert "Log in" in english
    assert "Username or mobile number" in english
    assert "Nanchong Social Governance" in english
    assert "登录" not in english.replace(">中文<", "")

    browser.get("/lang/zh_Hans_CN")
    back = browser.get(path).get_data(as_text=True)
    assert 'lang="zh-CN"' in back and "登录" in back and "Log in" not in back


def test_unknown_language_code_is_ignored(browser):
    browser.get("/lang/en")
    browser.get("/lang/xx")
    assert "Log in" in browser.get("/login").get_data(as_text=True)


def test_logged_in_page_in_english(browser, make_user):
    username = make_user("county_official", "511302", display_name="李干事")
    browser.login(username)
    browser.get("/lang/en")
    page = browser.get("/").get_data(as_text=True)
    assert "Hello, 李干事" in page
    assert "Log out" in page and "退出登录" not in page
    assert "County civil affairs official" in page and "县级民政干部" not in page
