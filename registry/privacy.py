"""Personal data out of URLs (PIPL, DOMAIN.md §1): which query-string values are a phone or
ID number, and search tokens that let a result page carry such a search without showing it.

A URL ends up in access logs (werkzeug, gunicorn, proxies), browser history and Referer
headers, so a full phone or ID number must never be part of one: searches by them are sent in
a POST body, and the result page's links carry a random token that only this browser's
session can turn back into the query (stored encrypted there)."""

import re
import secrets
from datetime import date

from flask import session

from registry import crypto
from registry.masking import mask_id_number, mask_phone

# 11-digit mainland mobile numbers (optionally +86/86), not inside a longer run of digits.
PHONE_IN_TEXT = re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)")
# 18-character resident ID numbers (17 digits + digit or X), not inside a longer code.
ID_IN_TEXT = re.compile(r"(?<![0-9A-Z])\d{6}(\d{4})(\d{2})(\d{2})\d{3}[\dX](?![0-9A-Z])")
SEARCHES = "searches"
MAX_SEARCHES = 5


def _has_id_number(text: str) -> bool:
    """An ID-shaped value whose birth date is a real date (a mistyped check character still
    counts: it is still someone's number, nearly)."""
    for match in ID_IN_TEXT.finditer(text):
        year, month, day = (int(part) for part in match.groups())
        try:
            born = date(year, month, day)
        except ValueError:
            continue
        if 1900 <= born.year <= date.today().year:
            return True
    return False


def looks_personal(value: str | None) -> bool:
    """True when value holds a full mobile number or resident ID number."""
    text = re.sub(r"[\s-]", "", value or "").upper()
    return bool(PHONE_IN_TEXT.search(text)) or _has_id_number(text)


# The same shapes for masking inside free text (a lower-case x is still an ID's check char).
_ID_SHAPE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_in_text(text: str) -> str:
    """text with every phone- or ID-number-shaped part masked as DOMAIN.md §1 shows it
    (13812345678 → 138****5678). Any ID-shaped run is masked, valid birth date or not: in free
    text a near-miss is still someone's number."""
    text = _ID_SHAPE.sub(lambda m: mask_id_number(m.group()), text)
    return PHONE_IN_TEXT.sub(lambda m: m.group()[:-11] + mask_phone(m.group()[-11:]), text)


def personal_arguments(args) -> list[str]:
    """The names of the query arguments whose value holds a phone or ID number."""
    return sorted({name for name, value in args.items(multi=True) if looks_personal(value)})


def remember_search(text: str) -> str:
    """Keep a search text in the session (encrypted) and return the random token that stands
    for it in the result page's URL (pages, export). The last MAX_SEARCHES are kept."""
    token = secrets.token_urlsafe(9)
    saved = dict(session.get(SEARCHES) or {})
    saved[token] = crypto.encrypt(text)
    session[SEARCHES] = dict(list(saved.items())[-MAX_SEARCHES:])
    return token


def recall_search(token: str | None) -> str | None:
    """The search text behind a token of this session, or None (unknown or expired)."""
    stored = (session.get(SEARCHES) or {}).get(token or "")
    return crypto.decrypt(stored) if stored else None
