"""Every page an anonymous visitor can open names itself in its <title> (page — site) and shows
where it sits (a breadcrumb trail from 首页)."""

import re
from datetime import timedelta

from registry.extensions import db
from registry.organizations.models import Organization
from tests.test_activities_helpers import make_activity, make_admin, make_station

SITE = "南充市社会治理参与平台"
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
BREADCRUMB = re.compile(r'<nav aria-label="breadcrumb"><ol class="breadcrumb[ "]')
# Not pages: the language switch, the health check, the favicon; files and the API.
SKIP_PREFIXES = ("/api/", "/static/", "/admin/", "/lang/", "/healthz", "/favicon")


def public_routes(app) -> list[str]:
    """The argument-free GET routes that answer an anonymous visitor with an HTML page."""
    client = app.test_client()
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments or rule.rule.startswith(SKIP_PREFIXES):
            continue
        response = client.get(rule.rule)
        if response.status_code == 200 and response.mimetype == "text/html":
            found.append(rule.rule)
    return sorted(found)


def problems(page: str) -> list[str]:
    out = []
    match = TITLE.search(page)
    title = match.group(1).strip() if match else ""
    if not title.endswith(SITE) or not title[:-len(SITE)].strip(" —"):
        out.append(f"title {title!r} does not name the page")
    if not BREADCRUMB.search(page):
        out.append("no breadcrumb trail")
    return out


def test_every_public_page_has_a_title_and_breadcrumbs(app):
    routes = public_routes(app)
    for expected in ("/", "/registry/", "/activities/", "/directory/", "/volunteers/register",
                     "/certificates/", "/reports/new", "/reports/track", "/login"):
        assert expected in routes
    client = app.test_client()
    bad = {url: found for url in routes
           if (found := problems(client.get(url).get_data(as_text=True)))}
    assert bad == {}


def test_public_detail_pages_too(app):
    with app.app_context():
        org = Organization(name="顺庆区阳光社工中心", org_type="social_service",
                           region_code="511302", status="approved")
        db.session.add(org)
        make_station("511302001")
        activity = make_activity(make_admin("511302001"), start_in=timedelta(days=2))
        db.session.commit()
        urls = [f"/registry/{org.id}", f"/activities/{activity.id}"]
    client = app.test_client()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert problems(response.get_data(as_text=True)) == [], url
    unknown = client.get("/certificates/NOSUCHSERIAL")
    assert unknown.status_code == 404 and problems(unknown.get_data(as_text=True)) == []


def test_the_home_page_trail_and_titles_name_the_page(app):
    page = app.test_client().get("/").get_data(as_text=True)
    assert f"<title>首页 — {SITE}</title>" in page
    assert 'aria-current="page">首页</li>' in page
    page = app.test_client().get("/registry/").get_data(as_text=True)
    assert f"<title>社会组织名录 — {SITE}</title>" in page
    assert 'href="/">首页</a>' in page
