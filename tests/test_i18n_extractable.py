"""Every user-facing Chinese text can be translated: in registry/ Python, a Chinese string
literal sits inside _() / _l() / gettext / ngettext / lazy_gettext / N_; in templates, Chinese
text sits inside _() / gettext() or a {% trans %} block. What is data, not UI, is allowed below
by module or by kind, never string by string."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HAN = re.compile(r"[\u3400-\u9fff]")
MARKERS = {"_", "_l", "gettext", "ngettext", "lazy_gettext", "lazy_ngettext", "N_"}

# Modules whose Chinese is data or a fixed-language document, not interface text.
DATA_MODULES = {
    "demo.py": "demo data: people, places and organizations of the demo accounts",
    "bulk.py": "synthetic data for load tests",
    "cli.py": "operator console commands (their output, like the bureau's operators, is Chinese)",
    "regions.py": "the official region names",
    "certificate_pdf.py": "the certificate is an official Chinese document (and the CJK font's "
                          "test text)",
    "spreadsheets.py": "the import sheet's file format: its column headers are Chinese in "
                       "every language, and its row problems name those columns",
}


def _call_name(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def _owner(call: ast.Call) -> str | None:
    value = getattr(call.func, "value", None)
    return getattr(value, "id", None) or getattr(value, "attr", None)


def _allowed_nodes(tree: ast.AST) -> set[int]:
    """The nodes whose strings are not interface text, by kind."""
    allowed: set[int] = set()

    def allow(node):
        allowed.update(id(sub) for sub in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name, owner = _call_name(node), _owner(node)
            if (name in MARKERS  # already extractable
                    or name == "record"  # audit rows: stored data, written once in Chinese
                    or name == "stored"  # registry/texts.py: other texts stored as data
                    or owner in ("log", "logger", "logging")  # operators' log lines
                    or name == "echo"  # console output
                    or owner == "re"):  # patterns that read data
                allow(node)
        elif isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                allow(body[0])  # docstrings
        elif isinstance(node, ast.Dict):
            for key in node.keys:  # keys match data (a spreadsheet's header, a typed value)
                if key is not None:
                    allow(key)
        elif isinstance(node, ast.Compare):  # comparisons read data, they show nothing
            allow(node)
        elif isinstance(node, ast.Subscript):
            allow(node.slice)
    return allowed


def untranslatable_python() -> list[str]:
    found = []
    for path in sorted((ROOT / "registry").rglob("*.py")):
        if path.name in DATA_MODULES:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = _allowed_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in allowed:
                continue
            if isinstance(node, ast.JoinedStr):
                texts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts = [node.value]
            else:
                continue
            if any(HAN.search(text) for text in texts):
                allowed.update(id(sub) for sub in ast.walk(node))  # one report per literal
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {''.join(texts)[:40]}")
    return found


TEMPLATE_CALL = re.compile(
    r"""\b(?:_|gettext|ngettext|_gettext|_ngettext)\(\s*(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")
TRANS_BLOCK = re.compile(r"{%-?\s*trans\b.*?{%-?\s*endtrans\s*-?%}", re.S)
COMMENT = re.compile(r"{#.*?#}", re.S)


def untranslatable_templates(language_names: set[str]) -> list[str]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = COMMENT.sub("", TRANS_BLOCK.sub("", path.read_text(encoding="utf-8")))
        text = TEMPLATE_CALL.sub("_(", text)
        for name in language_names:  # a language's own name in the switcher, by convention
            text = text.replace(f">{name}<", "><")
        for number, line in enumerate(text.splitlines(), 1):
            if HAN.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:60]}")
    return found


def test_python_strings_are_extractable():
    assert untranslatable_python() == []


def test_template_texts_are_extractable(app):
    assert untranslatable_templates(set(app.config["LANGUAGES"].values())) == []


def test_the_check_finds_a_bare_chinese_string(tmp_path):
    """The checks themselves: a bare literal and an f-string are found, marked ones are not."""
    source = ('"""模块说明"""\nfrom flask_babel import gettext as _\n'
              'A = "未标记"\nB = _("已标记")\nC = f"未标记 {A}"\nD = {"键": 1}\n')
    tree = ast.parse(source)
    allowed = _allowed_nodes(tree)
    bare = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)
            and isinstance(n.value, str) and HAN.search(n.value) and id(n) not in allowed]
    assert bare == ["未标记", "未标记 "]
    template = "<p>{{ _('已标记') }}</p><p>未标记</p>{# 注释 #}"
    text = TEMPLATE_CALL.sub("_(", COMMENT.sub("", template))
    assert HAN.findall(text) == list("未标记")
