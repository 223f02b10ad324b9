"""A 高坪区 official never sees a 顺庆区 row: not by a page, a back-office view, an export or an
API call, and not by guessing ids. Runs over every route the app has, on the demo data."""

import json
import re

import pytest
from sqlalchemy import select

from registry.demo import DEMO_PASSWORD
from registry.extensions import db
from registry.models import User
from registry.scoping import region_codes_under

SKIP = ("/static/", "/admin/static/", "/logout", "/lang/", "/favicon")


def jurisdiction_models():
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if hasattr(model, "jurisdiction_column") and model.__name__ not in ("Region",
                                                                             "AuditEntry"):
            yield model


@pytest.fixture
def demo(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        gaoping = db.session.scalar(select(User).where(User.username == "gaoping"))
        foreign, visible, names, ours_anywhere = set(), set(), {}, set()
        for model in jurisdiction_models():
            pk = model.__mapper__.primary_key[0]
            if len(model.__mapper__.primary_key) != 1 or not str(pk.type).startswith(
                    ("INTEGER", "BIGINT")):
                continue
            column = model.jurisdiction_column()
            shunqing = set(db.session.scalars(
                select(pk).where(column.in_(region_codes_under("511302")))))
            # Worked out independently of scoping.py, so a bug there cannot hide itself.
            mine = set(db.session.scalars(
                select(pk).where(column.in_(region_codes_under(gaoping.region_code)))))
            foreign |= shunqing
            visible |= mine
            if hasattr(model, "name"):
                names[model.__name__] = set(db.session.scalars(
                    select(model.name).where(pk.in_(shunqing))))
                ours_anywhere |= set(db.session.scalars(select(model.name).where(pk.in_(mine))))
            for name_column in ("person_name", "legal_representative", "contact_name"):
                if hasattr(model, name_column):
                    ours_anywhere |= set(db.session.scalars(
                        select(getattr(model, name_column)).where(pk.in_(mine))))
        # A name that also belongs to a row 高坪区 may see is not a leak when it shows; nor is
        # a registered organization's (the public registry lists it, and any county may buy
        # services from it: a project's provider list offers every one).
        from registry.organizations.models import Organization
        ours_anywhere |= set(db.session.scalars(select(Organization.name).where(
            Organization.status == "approved")))
        names = {model: their - ours_anywhere for model, their in names.items()}
        return {"foreign_ids": sorted(foreign - visible)[:12], "names": names}


def _int_rules(app):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP):
            continue
        ints = [a for a in rule.arguments
                if rule._converters[a].__class__.__name__ == "IntegerConverter"]
        if ints and len(rule.arguments) == len(ints) == 1:
            yield rule, ints[0]


def test_guessed_ids_of_shunqing_rows_are_not_found(app, demo):
    from tests.conftest import ApiClient, Browser

    assert demo["foreign_ids"], "the demo data should have 顺庆区 rows"
    official, anonymous = Browser(app.test_client()), app.test_client()
    official.login("gaoping", DEMO_PASSWORD)
    api = ApiClient(app.test_client())
    api.token("gaoping", DEMO_PASSWORD)
    leaks = []
    for rule, _arg in _int_rules(app):
        for ident in demo["foreign_ids"]:
            url = re.sub(r"<[^>]+>", str(ident), rule.rule)
            client = api if url.startswith("/api/") else official
            response = client.get(url)
            if response.status_code == 200 and anonymous.get(url).status_code != 200:
                leaks.append(url)
    assert leaks == []


def test_back_office_lists_exports_and_details_hide_shunqing(app, demo):
    from tests.conftest import Browser

    official = Browser(app.test_client())
    official.login("gaoping", DEMO_PASSWORD)
    leaks = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        if not url.startswith("/admin/") or rule.arguments - {"export_type"}:
            continue
        if url.endswith(("/new/", "/ajax/lookup/", "/ajax/update/", "/action/", "/delete/")):
            continue
        urls = [url.replace("<export_type>", "csv")] if "export_type" in rule.arguments else [url]
        if url.endswith(("/details/", "/edit/")):
            urls = [f"{url}?id={ident}" for ident in demo["foreign_ids"]]
        for target in urls:
            response = official.get(target)
            body = response.get_data(as_text=True)
            if response.status_code == 200 and (url.endswith(("/details/", "/edit/"))):
                if "记录不存在" not in body and "Record does not exist" not in body:
                    leaks.append(target)
            for model_names in demo["names"].values():
                leaks += [f"{target}: {name}" for name in model_names if name and name in body]
    assert leaks == []


def test_api_lists_hide_shunqing(app, demo):
    from tests.conftest import ApiClient

    api = ApiClient(app.test_client())
    api.token("gaoping", DEMO_PASSWORD)
    leaks = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith("/api/v1/") or rule.arguments:
            continue
        if "/public/" in rule.rule or rule.rule.endswith("openapi.json"):
            continue
        response = api.get(rule.rule + "?per_page=100")
        body = json.dumps(response.get_json(), ensure_ascii=False)  # JSON escapes 中文
        for model_names in demo["names"].values():
            leaks += [f"{rule.rule}: {name}" for name in model_names if name and name in body]
    assert leaks == []


def test_pages_hide_shunqing(app, demo):
    from tests.conftest import Browser

    official, anonymous = Browser(app.test_client()), app.test_client()
    official.login("gaoping", DEMO_PASSWORD)
    leaks = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        if "GET" not in rule.methods or rule.arguments or url.startswith(SKIP + ("/api/",
                                                                                  "/admin")):
            continue
        response = official.get(url)
        if not response.mimetype.startswith(("text/", "application/json")):
            continue  # files (templates to download) are checked by their own tests
        body = response.get_data(as_text=True)
        public = anonymous.get(url).get_data().decode("utf-8", "replace")
        for model_names in demo["names"].values():
            leaks += [f"{url}: {name}" for name in model_names
                      if name and name in body and name not in public]
    assert leaks == []
