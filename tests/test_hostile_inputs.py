"""No input gives a 500: every API operation of the OpenAPI document and every page route of
the url_map, as each role that can reach it, with hostile values (nested JSON, huge numbers,
extreme dates, control characters, empty strings)."""

import io
import re
from datetime import date
from urllib.parse import urlencode

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import select

from registry.errors import ValidationFailed
from registry.extensions import db, limiter
from registry.forms import Form
from registry.models import User
from registry.organizations import operations as orgs
from registry.organizations.demo import sample_data
from registry.organizations.models import OrgDocument
from registry.validators import MAX_INT, check_amount, parse_yuan, within_bounds
from tests.api_walk import LOGINS, PASSWORD, operations, page_url, plausible
from tests.conftest import ApiClient, Browser

HOSTILE_TEXT = [
    "", "   ", "\r\n", "a\r\nb\tc\x1b", "\u202e\u200b\u2028", "x" * 5000, "9" * 5000,
    str(2**63), str(-(2**63) - 1), "2147483648", "-1", "0", "1e309", "NaN",
    "0001-01-01", "9999-12-31", "9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00",
    "2026-02-30", "中文",
]
# Pages: the values a person can type that have broken pages (a shorter list: pages are many).
PAGE_VALUES = ["", "a\r\n\u202e\u2028", "x" * 5000, str(2**63), "9" * 5000, "0001-01-01",
               "9999-12-31T23:59:59-12:00"]
PAGE_PATH_INTS = [str(2**31), "9" * 5000]
HOSTILE_JSON = [2**63, -(2**63) - 1, 2**31, 10**30, -1, 0, 1e308, 1.5, True, None, [], {},
                [[["x"]]], {"a": {"b": "c"}}]
HOSTILE_PATH_INTS = ["0", str(2**31), str(2**63), "9" * 5000]
RAW_BODIES = [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 50 + "1" + "}" * 50,
    '{"login": ' + "9" * 5000 + ', "password": "x"}',
    '{"a": NaN}', '{"a": 1e999}', '{"a": -Infinity}', "{", '"\\ud800"', "[]", "null", "",
    b"\xff\xfe{",
]
QUERY_NAMES = ("page", "per_page", "cursor", "q", "status", "region_code", "township_code",
               "station_id", "county", "from", "to", "year", "serial", "next", "missing",
               "org_type", "category", "grant_type", "organization_id", "intake_id", "kind",
               "sort", "search", "only_missing", "no")
SKIP_PAGES = ("/static/", "/admin/static/", "/logout", "/lang/", "/api/")


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    limiter.enabled = False  # the fuzz sends thousands of requests; limits are tested elsewhere
    yield app
    limiter.enabled = True


def _body_cases(spec, schema):
    """Bodies: the raw hostile documents, then one hostile value per property."""
    for raw in RAW_BODIES:
        yield {"data": raw, "content_type": "application/json"}
    if not schema:
        return
    base = plausible(spec, schema)
    for name in schema.get("properties", {}):
        for value in HOSTILE_JSON + HOSTILE_TEXT:
            yield {"json": {**base, name: value}}


def _api_cases(spec, op):
    for param in op.params("path"):
        integer = param["schema"].get("type") == "integer"
        for value in HOSTILE_PATH_INTS if integer else HOSTILE_TEXT:
            if value != "":
                yield op.url({param["name"]: value}), {}
    for param in op.params("query"):
        for value in HOSTILE_TEXT:
            yield f"{op.url()}?{urlencode({param['name']: value})}", {}
    for case in _body_cases(spec, op.body_schema(spec)):
        yield op.url(), case


@pytest.mark.parametrize("role", [None, *LOGINS])
def test_no_api_operation_answers_500_to_hostile_input(demo_app, role):
    api = ApiClient(demo_app.test_client())
    if role:
        api.token(LOGINS[role], PASSWORD)
    spec = demo_app.test_client().get("/api/v1/openapi.json").get_json()
    failures = []
    for op in operations(spec):
        if role and (not op.secured or role not in op.roles):
            continue  # public operations are fuzzed anonymously; others as the roles they allow
        for url, case in _api_cases(spec, op):
            method = getattr(api, op.method) if op.method != "put" else api.client.put
            if "data" in case:
                response = api.client.open(url, method=op.method.upper(),
                                           headers=api._headers(None), **case)
            else:
                response = method(url, **case)
            if response.status_code >= 500 or not response.is_json:
                failures.append((str(op), url[:120], str(case)[:120], response.status_code))
    assert failures == []


def _form_field_names() -> set[str]:
    """Every field name of every page form (forms ignore names they do not have)."""
    names, todo = set(), [FlaskForm]
    while todo:
        form = todo.pop()
        todo.extend(form.__subclasses__())
        names.update(name for name in dir(form)
                     if hasattr(getattr(form, name, None), "field_class"))
    return names - {"csrf_token"}


def _reachable(browser, rule, method: str) -> bool:
    url = page_url(rule, 1)
    response = browser.get(url) if method == "GET" else browser.post(url, {})
    login = response.status_code == 302 and "/login" in response.headers.get("Location", "")
    return response.status_code not in (401, 403, 404, 405) and not login


@pytest.mark.parametrize("role", [None, *LOGINS])
def test_no_page_answers_500_to_hostile_input(demo_app, role):
    browser = Browser(demo_app.test_client())
    if role:
        browser.login(LOGINS[role], PASSWORD)
    names = sorted(_form_field_names())
    failures = []
    rules = [r for r in demo_app.url_map.iter_rules() if not r.rule.startswith(SKIP_PAGES)]
    for rule in rules:
        for method in ("GET", "POST"):
            if method not in rule.methods or not _reachable(browser, rule, method):
                continue
            for value in PAGE_VALUES:
                if method == "GET":
                    response = browser.get(f"{page_url(rule, 1)}?"
                                           + urlencode(dict.fromkeys(QUERY_NAMES, value)))
                else:
                    data = dict.fromkeys(names, value)
                    data["file"] = (io.BytesIO(b"%PDF-1.4\n%%EOF"), "a\r\nb\x00.pdf")
                    response = browser.post(page_url(rule, 1), data)
                if response.status_code >= 500:
                    failures.append((method, rule.rule, value[:20], response.status_code))
            for value in PAGE_PATH_INTS if rule.arguments else ():
                response = browser.get(page_url(rule, value)) if method == "GET" else \
                    browser.post(page_url(rule, value), {})
                if response.status_code >= 500:
                    failures.append((method, rule.rule, value[:20], response.status_code))
    assert failures == []


# ------------------------------------------------ each reported case, with its expected answer

def _error(response, status):
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    return response.get_json()["error"]


def test_deep_json_long_numbers_and_nan_are_400_in_the_error_shape(api):
    for raw in ("[" * 100_000 + "]" * 100_000, '{"login": ' + "9" * 5000 + "}",
                '{"login": NaN}', '{"a":' * 40 + "1" + "}" * 40):
        response = api.client.post("/api/v1/auth/token", data=raw,
                                   content_type="application/json")
        assert _error(response, 400)["code"] == "bad_request"


def test_integers_beyond_the_database_are_refused_before_it(api, make_user):
    api.token(make_user("city_official", "511300"))
    for big in (2**31, 2**63, 10**30):
        assert _error(api.get(f"/api/v1/volunteers/{big}"), 404)["code"] == "not_found"
        fields = _error(api.get(f"/api/v1/activities?station_id={big}"), 422)["fields"]
        assert "之间" in fields["station_id"][0]
        fields = _error(api.get(f"/api/v1/grants?organization_id={big}"), 422)["fields"]
        assert "整数" in fields["organization_id"][0]


def test_extreme_dates_get_a_message_at_the_field(api, browser, make_user):
    api.token(make_user("station_admin", "511302001"))
    for starts_at in ("0001-01-01T00:00:00+08:00", "9999-12-31T23:59:59-12:00"):
        fields = _error(api.post("/api/v1/activities", json={
            "title": "测试", "starts_at": starts_at, "ends_at": "2026-01-01T10:00:00+08:00",
            "capacity": 5, "address": "测试"}), 422)["fields"]
        assert "1900-01-01" in fields["starts_at"][0]
    browser.login(make_user("city_official", "511300"))
    for day in ("0001-01-01", "9999-12-31"):
        response = browser.post("/support/grants/new", {"granted_on": day})
        assert response.status_code == 422
        assert "1900-01-01 到 2100-12-31" in response.get_data(as_text=True)


def test_control_characters_are_cut_from_uploaded_file_names(app, browser, make_user):
    rep = make_user("org_admin", "511300")
    with app.app_context():
        org = orgs.create_application(
            db.session.scalar(select(User).where(User.username == rep)), sample_data())
        db.session.commit()
        oid = org.id
    browser.login(rep)
    # RFC 2231's filename* is percent-decoded by the server: the way CR/LF reach a name.
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    body = (b"--B\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
            + browser.token.encode() + b"\r\n--B\r\nContent-Disposition: form-data; "
            b"name=\"kind\"\r\n\r\ncharter\r\n--B\r\nContent-Disposition: form-data; "
            b"name=\"file\"; filename*=UTF-8''%E7%AB%A0%E7%A8%8B%0D%0ASet-Cookie%3A%20x%1B.pdf"
            b"\r\nContent-Type: application/pdf\r\n\r\n" + pdf + b"\r\n--B--\r\n")
    response = browser.client.post(f"/organizations/{oid}/documents", data=body,
                                   content_type="multipart/form-data; boundary=B")
    assert response.status_code in (200, 302)
    with app.app_context():
        doc = db.session.scalar(select(OrgDocument))
        assert doc.original_name == "章程Set-Cookie: x.pdf"
        doc_id = doc.id
    download = browser.get(f"/organizations/{oid}/documents/{doc_id}")
    assert download.status_code == 200 and "\n" not in download.headers["Content-Disposition"]


def test_empty_appointment_form_puts_messages_at_the_fields(demo_app):
    browser = Browser(demo_app.test_client())
    browser.login("city", PASSWORD)
    response = browser.post("/stations/1/admins", {"username": "", "display_name": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请填写用户名" in text and "请填写姓名" in text


def test_amounts_beyond_an_integer_column_are_refused_at_the_field(ctx):
    # 21,474,836.48 yuan does not fit PostgreSQL's INTEGER (registered capital, annual report
    # figures): refused at the field, not a database error. Grants are stored in BIGINT.
    with pytest.raises(ValidationFailed) as error:
        parse_yuan("21474836.48", "registered_capital_fen", "注册资金")
    assert error.value.fields == {"registered_capital_fen": ["注册资金过大"]}
    assert parse_yuan("21474836.47", "registered_capital_fen", "注册资金") == MAX_INT
    assert check_amount(10**12, "amount_fen", "金额", high=10**12) == 10**12


# ------------------------- file parts under text names, filters beyond a column, odd statuses

TEXT_NAMES = ("login", "password", "username", "name", "display_name", "phone", "id_number")


def _as_files(names):
    return {name: (io.BytesIO(b"\x00\xff=1+2"), "a\u202e.txt") for name in names}


@pytest.mark.parametrize("url,message", [("/login", "请填写用户名"),
                                         ("/registry/signup", "请填写用户名"),
                                         ("/volunteers/register", "请填写真实姓名")])
def test_a_file_under_a_text_name_is_ignored_and_the_field_says_so(app, browser, url, message):
    browser.refresh_token("/login")
    response = browser.post(url, _as_files(TEXT_NAMES), content_type="multipart/form-data")
    assert response.status_code == 200 and message in response.get_data(as_text=True)


def test_every_page_form_follows_the_one_file_rule(app):
    # Page forms built on FlaskForm directly would skip request_hooks.without_stray_files.
    todo, forms = list(FlaskForm.__subclasses__()), []
    while todo:
        form = todo.pop()
        forms.append(form)
        todo.extend(form.__subclasses__())
    assert len(forms) > 20 and all(issubclass(form, Form) for form in forms)


@pytest.mark.parametrize("role", ["county_official", "station_admin"])
def test_no_signed_in_form_answers_500_to_file_parts(demo_app, role):
    browser = Browser(demo_app.test_client())
    browser.login(LOGINS[role], PASSWORD)
    names = _form_field_names() - {"file"}
    failures = []
    for rule in demo_app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.rule.startswith(SKIP_PAGES + ("/admin",)):
            response = browser.post(page_url(rule, 1), _as_files(names),
                                    content_type="multipart/form-data")
            if response.status_code >= 500:
                failures.append((rule.rule, response.status_code))
    assert failures == []


@pytest.mark.parametrize("login,url", [("sysadmin", "/admin/user/new/"),
                                       ("secadmin", "/admin/user-roles/edit/?id=5"),
                                       ("zhongcheng", "/admin/station/edit/?id=1"),
                                       ("auditor", "/audit/")])
def test_back_office_forms_ignore_file_parts_under_text_names(demo_app, login, url):
    browser = Browser(demo_app.test_client())
    browser.login(login, PASSWORD)
    data = _as_files(TEXT_NAMES + ("role", "region_code", "q", "comment"))
    response = browser.post(url, data, content_type="multipart/form-data")
    assert response.status_code < 500
    with demo_app.app_context():  # nothing saved from a file's name
        assert db.session.scalar(select(User).where(User.username == "a\u202e.txt")) is None


def test_back_office_filters_beyond_their_column_are_ignored_with_a_message(demo_app):
    browser = Browser(demo_app.test_client())
    browser.login(LOGINS["county_official"], PASSWORD)
    response = browser.get("/admin/grant/?flt0_0=" + "9" * 40)
    assert response.status_code == 200 and "超出范围" in response.get_data(as_text=True)
    home = browser.get("/admin/").get_data(as_text=True)
    failures = []
    for view in sorted(set(re.findall(r'href="(/admin/[a-z_-]+/)"', home))):
        for index in range(30):
            for value in ("9" * 40, "1e309", "0001-01-01 00:00:00", "2026-02-30"):
                status = browser.get(f"{view}?flt0_{index}={value}").status_code
                if status >= 500:
                    failures.append((view, index, value, status))
    assert failures == []


def test_within_bounds_is_what_the_database_and_datetime_can_take():
    assert within_bounds([MAX_INT, -MAX_INT - 1, 1.5, date(1900, 1, 1), "x", None])
    for value in (MAX_INT + 1, 10**40, float("inf"), date(1, 1, 1), [1, date(9999, 12, 31)]):
        assert not within_bounds(value)


def test_an_error_status_without_its_own_text_keeps_its_code(app):
    response = app.test_client().get("/static/css/app.css",
                                     headers={"Range": "bytes=9999999999999999999-"})
    assert response.status_code == 416 and "请求有误" in response.get_data(as_text=True)
