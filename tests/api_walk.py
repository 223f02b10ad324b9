"""Helpers for tests that walk every API operation of the OpenAPI document and every page of
the url_map: who may call what, URLs with values filled in, plausible bodies from schemas."""

import re
from dataclasses import dataclass
from urllib.parse import quote

from registry.demo import DEMO_PASSWORD

# One demo login per role (seed-demo creates them all; volunteers log in by phone).
LOGINS = {
    "system_admin": "sysadmin",
    "auditor": "auditor",
    "city_official": "city",
    "county_official": "shunqing",
    "station_admin": "zhongcheng",
    "org_admin": "orgdemo",
    "volunteer": "13800000001",
}
PASSWORD = DEMO_PASSWORD
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Operation:
    path: str
    method: str
    doc: dict
    parameters: list

    def __str__(self):
        return f"{self.method.upper()} {self.path}"

    @property
    def secured(self) -> bool:
        return bool(self.doc.get("security"))

    @property
    def roles(self) -> list[str]:
        """The roles the document says may call it (every role when it names none)."""
        return list(self.doc.get("x-roles") or LOGINS)

    def params(self, where: str) -> list[dict]:
        return [p for p in self.parameters + self.doc.get("parameters", [])
                if p["in"] == where]

    def body_schema(self, spec: dict) -> dict | None:
        content = self.doc.get("requestBody", {}).get("content", {})
        schema = content.get("application/json", {}).get("schema")
        return resolve(spec, schema) if schema else None

    def url(self, values: dict | None = None) -> str:
        """The path with each path parameter set from values (default 1, the first of an
        enum, or "x")."""
        values = values or {}
        url = self.path
        for param in self.params("path"):
            name, schema = param["name"], param["schema"]
            default = 1 if schema.get("type") == "integer" else (schema.get("enum") or ["x"])[0]
            url = url.replace("{" + name + "}", quote(str(values.get(name, default)), safe=""))
        return url


def operations(spec: dict) -> list[Operation]:
    return [Operation(path, method, item[method], item.get("parameters", []))
            for path, item in spec["paths"].items() for method in METHODS if method in item]


def resolve(spec: dict, schema: dict) -> dict:
    """A schema with its $ref followed (one level: components/schemas)."""
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def plausible(spec: dict, schema: dict):
    """A value of the right type for schema (not necessarily one the rules accept)."""
    schema = resolve(spec, schema)
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "integer":
        return max(1, schema.get("minimum", 1))
    if kind == "number":
        return 1
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    if kind == "object" or "properties" in schema:
        return {name: plausible(spec, prop) for name, prop in schema.get("properties", {}).items()
                if name in schema.get("required", [])}
    if schema.get("format") == "date":
        return "2026-06-01"
    if schema.get("format") == "date-time":
        return "2026-06-01T09:00:00+08:00"
    return "测试"


def page_url(rule, value) -> str:
    """A page URL for a url_map rule, every parameter set to value."""
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<[^>]*{name}>", quote(str(value), safe=""), url)
    return url
