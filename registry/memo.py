"""Figures kept per worker for a few seconds: dashboards and public pages that may lag."""

import time
from collections.abc import Callable
from typing import TypeVar

from flask import current_app

from registry.extensions import db

T = TypeVar("T")
MAX_KEPT = 10_000  # entries per worker; all are dropped when there are this many

_kept: dict[tuple, tuple[float, object]] = {}


def remembered(setting: str, key: tuple, compute: Callable[[], T]) -> T:
    """compute(), or the value it gave for the same key less than the `setting` config's
    seconds ago (0: compute every time). The value is shared between requests: callers read
    it and never change it."""
    seconds = current_app.config[setting]
    if not seconds:
        return compute()
    full_key = (setting, str(db.engine.url), *key)  # tests run several databases at once
    now = time.monotonic()
    kept = _kept.get(full_key)
    if kept is not None and now - kept[0] < seconds:
        return kept[1]  # type: ignore[return-value]
    value = compute()
    if len(_kept) >= MAX_KEPT:
        _kept.clear()
    _kept[full_key] = (now, value)
    return value
