"""The OpenAPI document tells the truth: for every operation, the statuses it really answers
(401 without a token, 403 to a role it does not allow, 422 to an invalid body, 2xx) are
documented, and the JSON bodies match the documented schemas (the error shape included)."""

import pytest

from registry.extensions import limiter
from tests.api_walk import LOGINS, PASSWORD, operations, resolve
from tests.conftest import ApiClient

PY_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
            "array": list, "object": dict}


def problems(spec: dict, schema: dict, value, where: str = "body") -> list[str]:
    """Where value breaks schema: required keys, types, nullability (a small validator)."""
    schema = resolve(spec, schema)
    if value is None:
        return [] if schema.get("nullable") else [f"{where}: null but not nullable"]
    kind = schema.get("type") or ("object" if "properties" in schema else None)
    if kind is None:
        return []
    if not isinstance(value, PY_TYPES[kind]) or (kind in ("integer", "number")
                                                  and isinstance(value, bool)):
        return [f"{where}: {type(value).__name__} is not {kind}"]
    found = []
    if kind == "object":
        found += [f"{where}.{key}: missing" for key in schema.get("required", [])
                  if key not in value]
        for key, prop in schema.get("properties", {}).items():
            if key in value:
                found += problems(spec, prop, value[key], f"{where}.{key}")
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            found += [p for key, item in value.items() if key not in schema.get("properties", {})
                      for p in problems(spec, extra, item, f"{where}.{key}")]
    if kind == "array" and "items" in schema:
        for index, item in enumerate(value[:5]):
            found += problems(spec, schema["items"], item, f"{where}[{index}]")
    return found


def documented(spec: dict, op, status: int) -> dict | None:
    """The documented response for status (or the default one), $refs followed."""
    responses = op.doc["responses"]
    response = responses.get(str(status)) or responses.get("default")
    if response and "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def check(spec, op, response, expected: int | None = None) -> list[str]:
    """The answer's status is documented (and expected), its JSON body fits the schema."""
    status = response.status_code
    if expected is not None and status != expected:
        return [f"{op}: answered {status}, expected {expected}"]
    doc = op.doc["responses"].get(str(status))
    if doc is None and not (status >= 400 and "default" in op.doc["responses"]):
        return [f"{op}: {status} is not documented"]
    schema = (documented(spec, op, status).get("content", {})
              .get("application/json", {}).get("schema"))
    if not response.is_json:
        return [] if schema is None else [f"{op}: {status} is not JSON"]
    if schema is None:
        return [f"{op}: {status} answers JSON the document does not describe"]
    return [f"{op} {status}: {p}" for p in problems(spec, schema, response.get_json())]


@pytest.fixture
def demo_app(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    limiter.enabled = False
    yield app
    limiter.enabled = True


@pytest.fixture
def spec(demo_app):
    return demo_app.test_client().get("/api/v1/openapi.json").get_json()


@pytest.fixture
def clients(demo_app):
    """One API client per role, logged in; None: no token."""
    out = {None: ApiClient(demo_app.test_client())}
    for role, login in LOGINS.items():
        out[role] = ApiClient(demo_app.test_client())
        out[role].token(login, PASSWORD)
    return out


def _call(client, op, **kwargs):
    return client.client.open(op.url(), method=op.method.upper(),
                              headers=client._headers(None), **kwargs)


def test_every_error_is_documented_in_the_api_error_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    body = resolve(spec, error["properties"]["error"])
    assert set(body["properties"]) == {"code", "message", "fields"}
    for op in operations(spec):
        for status, response in op.doc["responses"].items():
            if status == "default" or int(status) >= 400:
                response = documented(spec, op, int(status) if status != "default" else 0)
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (str(op), status)


def test_secured_operations_answer_the_documented_401(spec, clients):
    failures = []
    for op in operations(spec):
        if op.secured:
            assert "401" in op.doc["responses"], str(op)
            failures += check(spec, op, _call(clients[None], op, json={}), 401)
    assert failures == []


def test_role_limited_operations_name_the_roles_and_answer_the_documented_403(spec, clients):
    failures = []
    for op in operations(spec):
        if not op.doc.get("x-roles"):
            continue
        assert all(role in op.doc["responses"]["403"]["description"] for role in op.roles)
        for role in [r for r in LOGINS if r not in op.roles]:
            failures += check(spec, op, _call(clients[role], op, json={}), 403)
    assert failures == []


def test_a_token_that_must_change_its_password_gets_the_documented_403_everywhere(
        demo_app, spec, clients):
    """Public operations included: such a token reaches only the password change and logout."""
    from registry import accounts
    from registry.extensions import db

    client = clients["volunteer"]
    with demo_app.app_context():
        user = accounts.find_by_login(LOGINS["volunteer"])
        accounts.set_password(user, PASSWORD, temporary=True)  # ends its tokens
        db.session.commit()
    client.token(LOGINS["volunteer"], PASSWORD)
    failures, allowed = [], []
    for op in operations(spec):
        if str(op) in ("POST /api/v1/me/password", "DELETE /api/v1/auth/token"):
            allowed.append(str(op))
            continue
        assert "password_change_required" in op.doc["responses"]["403"]["description"], str(op)
        response = _call(client, op, json={})
        failures += check(spec, op, response, 403)
        if response.status_code == 403:
            assert response.get_json()["error"]["code"] == "password_change_required", str(op)
    assert failures == [], "\n".join(failures)
    assert allowed


def test_invalid_bodies_answer_the_documented_422(spec, clients):
    failures = []
    for op in operations(spec):
        if "requestBody" not in op.doc:
            continue
        assert "422" in op.doc["responses"], str(op)
        client = clients[op.roles[0] if op.secured else None]
        if "multipart/form-data" in op.doc["requestBody"]["content"]:  # an upload's form
            response = _call(client, op, data={"no_such_field": "1"})
        else:
            response = _call(client, op, json={"no_such_field": 1})
        failures += check(spec, op, response, 422)
        if response.status_code == 422:
            assert "no_such_field" in response.get_json()["error"]["fields"], str(op)
    assert failures == []


def test_answers_to_allowed_roles_match_the_documented_schemas(spec, clients):
    """Every GET, as every role it allows, on the demo data: documented status, fitting body."""
    failures = []
    for op in operations(spec):
        if op.method != "get":
            continue
        for role in op.roles if op.secured else [None]:
            failures += check(spec, op, clients[role].get(op.url()))
    assert failures == []
