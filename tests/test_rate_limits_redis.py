"""The login limit holds across workers: gunicorn with 4 workers and the production settings,
counting in one Redis (REGISTRY_TEST_REDIS_URL). Without that variable the gunicorn test is
skipped (the CI script starts a redis-server and sets it). Production refuses to start
without a shared store."""

import json
import os
import re
import socket
import subprocess
import sys
import time
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """gunicorn -w 4 on a free loopback port, production settings, a temporary SQLite."""
    if not REDIS_URL:
        pytest.skip("REGISTRY_TEST_REDIS_URL is not set")
    database = f"sqlite:///{tmp_path / 'registry.db'}"
    build_schema(database)
    port = free_port()
    env = {**os.environ,
           "REGISTRY_ENV": "production",
           "REGISTRY_SECRET_KEY": uuid.uuid4().hex * 2,
           "REGISTRY_DATABASE_URL": database,
           "REGISTRY_ENCRYPTION_KEY": TestingConfig.ENCRYPTION_KEY,
           "REGISTRY_AUDIT_KEY": TestingConfig.AUDIT_KEY,
           "REGISTRY_RATELIMIT_STORAGE_URI": REDIS_URL,
           "REGISTRY_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
           "REGISTRY_LOGIN_RATE_LIMIT": f"{LIMIT} per minute",
           "REGISTRY_COOKIE_SECURE": "0",
           "REGISTRY_INSTANCE_PATH": str(tmp_path)}
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(gunicorn), "-w", "4", "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "registry:create_app('production')"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        time.sleep(1)  # let all 4 workers boot, so the requests spread over them
        yield base
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


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
