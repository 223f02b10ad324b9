"""Shared pieces of the browser journeys (tests/test_journeys.py): one Chromium per module, a
live server per test on the demo data, the problems a page reports, and screenshots at desktop
and phone width under build/journeys/<journey>/ (CI keeps that folder)."""

import os
import re
import shutil
import threading
import uuid
from pathlib import Path

import pytest
from conftest import PG_URL, _pg_admin, _pg_url, build_schema
from sqlalchemy import text
from werkzeug.serving import make_server

from registry import create_app
from registry.demo import DEMO_PASSWORD
from registry.extensions import db

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Date and month inputs draw in the headless browser's own locale (en-US: 11/20/2026) whatever
# --lang, LANG or the context's locale say; a phone set to Chinese shows 2026/11/20.
SHOTS = Path(__file__).resolve().parent.parent / "build" / "journeys"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# How far a page scrolls sideways at the width it was drawn at (0: it fits).
OVERFLOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.fixture(scope="module")
def chromium():
    """One browser for the module; each test opens its own context (cookies apart)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def seeded(template_db, tmp_path_factory):
    """The demo data, loaded once for the module (about 5 s): yields the seeded SQLite file or
    PostgreSQL database to copy for each test, and the folder of the files it wrote (uploaded
    documents, last month's report) to copy beside it."""
    folder = tmp_path_factory.mktemp("journeys-seeded")
    if PG_URL:
        name = f"registry_journeys_{os.getpid()}"
        _pg_run(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        url = _pg_url(name)
        build_schema(url)
        source = name
    else:
        source = folder / "seeded.db"
        shutil.copy(template_db, source)
        url = f"sqlite:///{source}"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                 "UPLOAD_DIR": str(folder / "files" / "uploads")})
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    yield source, folder / "files"
    if PG_URL:
        _pg_run(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')


@pytest.fixture
def database_url(seeded, tmp_path):
    """Overrides conftest's: a copy of the seeded database (and its files) for one test."""
    source, files = seeded
    if files.exists():
        shutil.copytree(files, tmp_path, dirs_exist_ok=True)
    if PG_URL:
        name = f"{source}_{uuid.uuid4().hex[:8]}"
        _pg_run(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        yield _pg_url(name)
        _pg_run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        path = tmp_path / "test.db"
        shutil.copy(source, path)
        yield f"sqlite:///{path}"


def _pg_run(*statements: str) -> None:
    engine = _pg_admin()
    with engine.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    engine.dispose()


@pytest.fixture
def live_url(app):
    """The test's app (on its copy of the demo data), served in a thread on a free port."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Journey:
    """One person's way through the site: `page` is their browser tab, `shot` photographs
    the current page, `problems` collects console errors and 4xx/5xx answers."""

    def __init__(self, context, base: str, name: str):
        self.context, self.base, self.name = context, base, name
        self.folder = SHOTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.problems: list[str] = []
        self.expected: list[re.Pattern] = []
        self.wide: list[str] = []  # steps whose page scrolls sideways at 375 px
        self.page = self.open_page()

    def open_page(self):
        page = self.context.new_page()
        page.journey = self
        page.on("console", lambda m: self.problems.append(f"console: {m.text}")
                if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"script: {e}"))
        page.on("response", self._answered)
        return page

    def _answered(self, response) -> None:
        if response.status >= 400:
            text = f"{response.status} {response.request.method} {response.url}"
            if not any(p.search(text) for p in self.expected):
                self.problems.append(text)

    def expect(self, pattern: str) -> None:
        """An error answer this journey provokes on purpose ("422 POST .*/move/approve")."""
        self.expected.append(re.compile(pattern))

    def url(self, path: str) -> str:
        return self.base + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response.status == 200, (path, response.status)
        return response

    def log_in(self, login: str, password: str = DEMO_PASSWORD) -> None:
        """Sign in through the login page (signing out anyone before)."""
        self.context.clear_cookies()
        self.goto("/login")
        self.page.fill("#login", login)
        self.page.fill("#password", password)
        with self.page.expect_navigation():
            self.page.click("main button[type=submit]")
        assert "/login" not in self.page.url, self.page.inner_text("main")[:300]

    def wait(self, selector: str) -> None:
        """Wait for selector to show; if it never does, photograph the page ("timeout-…")
        and fail with what the page reported."""
        from playwright.sync_api import TimeoutError as Timeout

        try:
            self.page.locator(selector).first.wait_for()
        except Timeout:
            shot(self.page, "timeout")
            raise AssertionError(f"{selector} never showed on {self.page.url}; "
                                 f"problems: {self.problems}") from None

    def flash(self) -> str:
        """The text of the messages flashed on this page."""
        return " ".join(self.page.locator(".alert").all_inner_texts())

    def check(self) -> None:
        assert self.problems == [], self.problems


def settle(page) -> None:
    """Let the page follow a new width: menus collapse, tables wrap, and scripts that redraw
    on `resize` after a pause (the dashboards' charts wait 150 ms) have done so."""
    page.wait_for_timeout(50)
    if page.locator("canvas").count():
        page.wait_for_timeout(400)
    try:  # a page that still scrolls sideways is noted by shot(), not waited on for long
        page.wait_for_function(f"{OVERFLOW} <= 0", timeout=500)
    except Exception:  # playwright's TimeoutError
        pass


def shot(page, name: str) -> list[Path]:
    """Save full-page PNGs of the page at 1280 px and 375 px wide as
    build/journeys/<journey>/<name>-<width>.png; the viewport is left as it was."""
    journey = page.journey
    before = page.viewport_size
    saved = []
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        settle(page)
        path = journey.folder / f"{name}-{size['width']}.png"
        page.screenshot(path=str(path), full_page=True)
        if size is PHONE and page.evaluate(OVERFLOW) > 0:
            journey.wide.append(f"{name}: {page.url} scrolls sideways by "
                                f"{page.evaluate(OVERFLOW)} px")
        saved.append(path)
    page.set_viewport_size(before)
    return saved


@pytest.fixture
def journey(request, chromium, live_url):
    """A fresh browser context at desktop width, named after the test (test_volunteer →
    build/journeys/volunteer/)."""
    context = chromium.new_context(viewport=DESKTOP, accept_downloads=True,
                                   locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15_000)
    name = request.node.name.removeprefix("test_")
    walk = Journey(context, live_url, name)
    yield walk
    if walk.wide:
        (walk.folder / "wide-at-375.txt").write_text("\n".join(walk.wide) + "\n")
    context.close()
