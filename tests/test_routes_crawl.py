"""Every page and API route, for every role: never a 500, and ids from another county are 404."""

import re

import pytest

from registry.demo import DEMO_PASSWORD

ROLES = [None, "sysadmin", "auditor", "city", "shunqing", "gaoping", "zhongcheng", "baita"]
SKIP = ("/static/", "/admin/static/", "/logout", "/lang/")


def _get_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP):
            continue
        yield rule


def _fill(rule, value):
    """A URL for rule with every parameter set to value (numbers) or a junk string."""
    url = rule.rule
    for name in rule.arguments:
        converter = rule._converters[name].__class__.__name__
        filler = str(value) if converter in ("IntegerConverter", "NumberConverter") else "zz9"
        url = re.sub(rf"<[^>]*{name}>", filler, url)
    return url


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


@pytest.mark.parametrize("username", ROLES)
def test_no_route_answers_500(demo_app, username):
    from tests.conftest import ApiClient, Browser

    browser = Browser(demo_app.test_client())
    api = ApiClient(demo_app.test_client())
    if username:
        browser.login(username, DEMO_PASSWORD)
        api.token(username, DEMO_PASSWORD)
    failures = []
    for rule in _get_rules(demo_app):
        for value in (1, 2, 999999):
            url = _fill(rule, value)
            client = api if url.startswith("/api/") else browser
            response = client.get(url)
            if response.status_code >= 500:
                failures.append((url, response.status_code))
            if url.startswith("/api/") and response.status_code >= 400:
                assert response.is_json, url
            if not rule.arguments:
                break
    assert failures == []
