"""Fixtures: a fresh database per test built from the migrations, a browser-like client, API
helpers. SQLite by default; PostgreSQL when REGISTRY_TEST_DATABASE_URL is set."""

import os
import re
import shutil
import uuid

import flask_migrate
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from registry import create_app
from registry.extensions import db, limiter

PG_URL = os.environ.get("REGISTRY_TEST_DATABASE_URL")
# CI sets this: a test that needs a tool or service (the browser, poppler, Redis) must not
# quietly skip there, so its absence fails the run instead.
REQUIRE_SERVICES = os.environ.get("REGISTRY_REQUIRE_SERVICES") == "1"
PASSWORD = "Test#Passw0rd"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def requires(available, what: str):
    """A skip mark for tests that need `what`, or, where services are required (CI), an error
    at collection when it is missing."""
    if REQUIRE_SERVICES and not available:
        raise RuntimeError(f"{what} is required here (REGISTRY_REQUIRE_SERVICES=1) but missing")
    return pytest.mark.skipif(not available, reason=f"{what} is not available")


def build_schema(url: str) -> None:
    """Upgrade an empty database to head through the migrations and load the regions."""
    from registry.regions import load_regions

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_regions()
        db.session.commit()
        db.engine.dispose()


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    """A database migrated to head once per run; each test gets a copy of it."""
    if PG_URL:
        name = f"registry_tpl_{os.getpid()}"
        engine = _pg_admin()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        build_schema(_pg_url(name))
        yield name
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        build_schema(f"sqlite:///{path}")
        yield path


@pytest.fixture
def database_url(template_db, tmp_path):
    """A fresh database for one test: a copy of the migrated template on SQLite; on PostgreSQL
    the template itself, emptied after the test (TRUNCATE is much faster than CREATE DATABASE)."""
    if PG_URL:
        url = _pg_url(template_db)
        yield url
        engine = create_engine(url)
        keep = {"region", "alembic_version"}
        names = ", ".join(f'"{t}"' for t in db.metadata.tables if t not in keep)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        engine.dispose()
    else:
        path = tmp_path / "test.db"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                 "UPLOAD_DIR": str(tmp_path / "uploads")})
    limiter.reset()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An app context for tests that call domain functions directly."""
    with app.app_context():
        yield
        db.session.rollback()


class Browser:
    """A test client that logs in like a person and sends the CSRF token with its forms."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kwargs):
        return self.client.get(url, **kwargs)

    def refresh_token(self, url="/login"):
        match = CSRF_RE.search(self.client.get(url).get_data(as_text=True))
        self.token = match.group(1) if match else None
        return self.token

    def post(self, url, data=None, **kwargs):
        if self.token is None:
            self.refresh_token()
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kwargs)

    def login(self, username, password=PASSWORD):
        self.refresh_token("/login")
        response = self.client.post("/login", data={"login": username, "password": password,
                                                    "csrf_token": self.token})
        self.refresh_token("/account/password")
        return response


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def make_user(app):
    """Create a user with a final password; returns its username."""
    from registry import accounts

    def make(role, region_code, username=None, **fields):
        username = username or f"{role.replace('_', '')}{uuid.uuid4().hex[:6]}"
        with app.app_context():
            user, _ = accounts.create_user(username, PASSWORD, role, region_code,
                                           fields.pop("display_name", "测试用户"), **fields)
            db.session.commit()
        return username

    return make


@pytest.fixture
def api(app):
    """A JSON client: api.token(username) logs in, api.get/post/... send the bearer token."""
    return ApiClient(app.test_client())


class ApiClient:
    def __init__(self, client):
        self.client = client
        self.bearer = None

    def token(self, login, password=PASSWORD):
        response = self.client.post("/api/v1/auth/token",
                                    json={"login": login, "password": password})
        assert response.status_code == 201, response.get_json()
        self.bearer = response.get_json()["token"]
        return self.bearer

    def _headers(self, headers):
        headers = dict(headers or {})
        if self.bearer:
            headers.setdefault("Authorization", f"Bearer {self.bearer}")
        return headers

    def get(self, url, headers=None, **kwargs):
        return self.client.get(url, headers=self._headers(headers), **kwargs)

    def post(self, url, json=None, headers=None, **kwargs):
        return self.client.post(url, json=json, headers=self._headers(headers), **kwargs)

    def patch(self, url, json=None, headers=None, **kwargs):
        return self.client.patch(url, json=json, headers=self._headers(headers), **kwargs)

    def delete(self, url, headers=None, **kwargs):
        return self.client.delete(url, headers=self._headers(headers), **kwargs)
