"""The login limit holds across workers: gunicorn with 4 workers and the production settings,
counting in one Redis (REGISTRY_TEST_REDIS_URL). Without that variable the gunicorn test is
skipped (the CI script starts a redis-server and sets it). Production refuses to start
without a shared store."""

import json
import os
import re
import urllib.error
import urllib.request
import uuid
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from config import ProductionConfig, TestingConfig
from registry import create_app
from tests.conftest import build_schema
from tests.live_server import gunicorn

REDIS_URL = os.environ.get("REGISTRY_TEST_REDIS_URL")
ROOT = Path(__file__).resolve().parent.parent
LIMIT = 10  # per minute, set for the server below
SENT = 16
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.mark.parametrize("storage", [None, "", "memory://"])
def test_production_refuses_to_start_without_a_shared_store(monkeypatch, storage):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 32)
    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "sqlite://")
    monkeypatch.setattr(ProductionConfig, "ENCRYPTION_KEY", TestingConfig.ENCRYPTION_KEY)
    monkeypatch.setattr(ProductionConfig, "AUDIT_KEY", TestingConfig.AUDIT_KEY)
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_ENABLED", True)
    monkeypatch.setattr(ProductionConfig, "RATELIMIT_STORAGE_URI", storage)
    with pytest.raises(RuntimeError) as error:
        create_app("production")
    assert "REGISTRY_RATELIMIT_STORAGE_URI" in str(error.value)


@pytest.fixture
def server(tmp_path):
    """gunicorn -w 4 with the production settings, a temporary SQLite, limits in Redis."""
    if not REDIS_URL:
        pytest.skip("REGISTRY_TEST_REDIS_URL is not set")
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    build_schema(database)
    with gunicorn(database, tmp_path, RATELIMIT_STORAGE_URI=REDIS_URL,
                  RATELIMIT_KEY_PREFIX=f"test-{uuid.uuid4().hex}",
                  LOGIN_RATE_LIMIT=f"{LIMIT} per minute") as base:
        yield base


def status_of(opener, request) -> int:
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_login_limit_holds_across_four_workers(server):
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{server}/login", timeout=30).read().decode()
    token = CSRF_RE.search(page).group(1)
    form = urlencode({"login": "nobody", "password": "Wrong#Passw0rd",
                      "csrf_token": token}).encode()
    pages = [status_of(opener, urllib.request.Request(f"{server}/login", data=form))
             for _ in range(SENT)]
    assert pages == [200] * LIMIT + [429] * (SENT - LIMIT)

    body = json.dumps({"login": "nobody", "password": "Wrong#Passw0rd"}).encode()
    tokens = [status_of(opener, urllib.request.Request(
        f"{server}/api/v1/auth/token", data=body, headers={"Content-Type": "application/json"}))
        for _ in range(SENT)]
    assert tokens == [401] * LIMIT + [429] * (SENT - LIMIT)
