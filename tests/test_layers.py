"""The layout's rules, read from the imports with ast (docs/ARCHITECTURE.md explains them)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "registry"
# Which areas each area may import (besides itself): organizations and volunteers are at the
# bottom; dashboards reads them all and nothing imports it.
AREA_GRAPH = {
    "organizations": set(),
    "volunteers": set(),
    "support": {"organizations"},
    "points": {"volunteers"},
    "activities": {"volunteers", "points"},
    "incentives": {"volunteers", "points", "activities"},
    "purchasing": {"organizations", "support", "volunteers"},
    "participation": {"incentives"},  # incentives.photos: the photo upload rules
    "dashboards": {"organizations", "support", "volunteers", "points", "activities",
                   "incentives", "purchasing", "participation"},
}
PLUG_INS = {"admin", "cli", "demo"}
FACES = ("views", "forms")
ROOTS = {"registry", "registry.areas", "registry.worker"}  # worker: the job consumer's entry
MAX_LINES = 500
# What a models.py may import from the registry: the kernel's tables and plumbing (the
# translation calls included), and models.
MODEL_IMPORTS = {"registry.extensions", "registry.clock", "registry.i18n", "registry.models"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def all_modules() -> dict[str, Path]:
    return {module_name(path): path for path in PACKAGE.rglob("*.py")}


MODULES = all_modules()


def resolve(name: str) -> str:
    """The registry module an import refers to (a submodule where one exists)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(registry module, line, at module level) for every import in the file, at any depth."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            targets = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for target in targets:
            if target.split(".")[0] == "registry":
                found.append((resolve(target), node.lineno, id(node) in top))
    return found


def graph() -> dict[str, set[str]]:
    return {name: {target for target, _, _ in imports_of(path)} - {name}
            for name, path in MODULES.items()}


def kind(name: str) -> tuple[str, str | None]:
    """('root'|'kernel'|'face'|'area', area name or None)."""
    if name in ROOTS:
        return "root", None
    parts = name.split(".")
    if len(parts) == 2:
        return ("face", None) if parts[1] in FACES else ("kernel", None)
    if parts[1] in FACES:
        return "face", None
    return "area", parts[1]


def test_every_area_is_a_package_with_its_modules():
    for area in AREA_GRAPH:
        for module in ("models", "operations", "admin", "cli", "demo"):
            assert f"registry.{area}.{module}" in MODULES, f"registry/{area}/{module}.py"


def test_no_module_is_longer_than_the_limit():
    long = {name: n for name, path in MODULES.items()
            if (n := len(path.read_text().splitlines())) > MAX_LINES}
    assert not long


def test_the_kernel_imports_no_area_face_or_area_list():
    bad = [(name, target) for name, targets in graph().items() if kind(name)[0] == "kernel"
           for target in targets if kind(target)[0] in ("area", "face", "root")]
    assert not bad


def test_no_models_module_imports_rules_views_or_the_request():
    bad = []
    for name, path in MODULES.items():
        if not name.endswith("models"):
            continue
        for target, line, _ in imports_of(path):
            if target not in MODEL_IMPORTS and not target.endswith(".models"):
                bad.append((name, line, target))
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "flask":
                bad.append((name, node.lineno, "flask"))
    assert not bad


def test_areas_import_each_other_only_downward():
    bad = []
    for name, targets in graph().items():
        source_kind, source_area = kind(name)
        for target in targets:
            target_kind, target_area = kind(target)
            if target_kind != "area":
                continue
            if source_kind == "area" and target_area != source_area \
                    and target_area not in AREA_GRAPH[source_area]:
                bad.append((name, target))
            if target_area == "dashboards" and source_kind == "area" \
                    and source_area != "dashboards":
                bad.append((name, target))
    assert not bad


def test_only_the_area_list_imports_plug_ins_or_discovers_modules():
    bad = []
    for name, path in MODULES.items():
        if name == "registry.areas":
            continue
        source_kind, source_area = kind(name)
        for target, line, _ in imports_of(path):
            target_kind, target_area = kind(target)
            if target_kind == "area" and target.rsplit(".", 1)[1] in PLUG_INS \
                    and target_area != source_area:
                bad.append((name, line, target))
        text = path.read_text()
        if "importlib" in text or "pkgutil" in text:
            bad.append((name, 0, "importlib/pkgutil"))
    assert not bad


def test_no_function_level_import_of_the_registry():
    bad = [(name, line, target) for name, path in MODULES.items()
           for target, line, at_top in imports_of(path) if not at_top]
    assert not bad


def test_the_import_graph_has_no_cycle():
    edges = graph()
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> list[str] | None:
        state[name] = 1
        stack.append(name)
        for target in sorted(edges.get(name, ())):
            if state.get(target) == 1:
                return stack[stack.index(target):] + [target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[name] = 2
        return None

    for name in sorted(edges):
        if name not in state and (cycle := visit(name)):
            pytest.fail(" → ".join(cycle))
