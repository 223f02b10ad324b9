"""Wrap the Chinese literals that tests/test_i18n_extractable.py reports (after merging a
branch written before that test): _() in functions, _l() at module or class level; f-strings
become %(name)s placeholders. Ledger memos and other stored texts need stored() instead:
check the diff. Run from the repository root: .venv/bin/python scripts/wrap_texts.py"""

import ast
import re
import sys
from collections import defaultdict

sys.path.insert(0, "tests")
from test_i18n_extractable import HAN, _allowed_nodes, untranslatable_python  # noqa: E402

IMPORTS = {"_": "from flask_babel import gettext as _\n",
           "_l": "from flask_babel import lazy_gettext as _l\n"}


def literal(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def placeholder(value: ast.FormattedValue, count: int) -> tuple[str, str]:
    """(name, expression) of one {…} of an f-string."""
    expression = ast.unparse(value.value)
    if isinstance(value.value, ast.Name):
        name = value.value.id
    elif isinstance(value.value, ast.Attribute):
        name = value.value.attr
    else:
        name = f"value{count}"
    if value.format_spec is not None:
        spec = "".join(part.value for part in value.format_spec.values
                       if isinstance(part, ast.Constant))
        expression = f"format({expression}, {literal(spec)})"
    elif value.conversion == ord("r"):
        expression = f"repr({expression})"
    return name, expression


def wrapped(node, source: str, function: str) -> str:
    if isinstance(node, ast.Constant):
        return f"{function}({source})"
    parts, arguments = [], []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(value.value.replace("%", "%%"))
            continue
        name, expression = placeholder(value, len(arguments) + 1)
        if (name, expression) not in arguments:
            while any(n == name for n, _ in arguments):
                name += "_"
            arguments.append((name, expression))
        parts.append(f"%({name})s")
    extra = "".join(f", {name}={expression}" for name, expression in arguments)
    return f"{function}({literal(''.join(parts))}{extra})"


def targets(tree: ast.AST) -> list:
    allowed, seen, found = _allowed_nodes(tree), set(), []
    for node in ast.walk(tree):
        if id(node) in allowed or id(node) in seen:
            continue
        if isinstance(node, ast.JoinedStr):
            texts = [v.value for v in node.values if isinstance(v, ast.Constant)]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            texts = [node.value]
        else:
            continue
        if any(HAN.search(text) for text in texts):
            seen.update(id(sub) for sub in ast.walk(node))
            found.append(node)
    return found


def fix(path: str) -> None:
    with open(path, encoding="utf-8") as fh:
        source = fh.read()
    tree = ast.parse(source)
    in_function = {id(sub) for f in ast.walk(tree)
                   if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
                   for sub in ast.walk(f)}
    starts = [0]
    for line in source.splitlines(True):
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:  # ast columns count UTF-8 bytes
        text = source[starts[line - 1]:starts[line]]
        return starts[line - 1] + len(text.encode()[:column].decode())

    edits, used = [], set()
    for node in targets(tree):
        function = "_" if id(node) in in_function else "_l"
        used.add(function)
        begin = offset(node.lineno, node.col_offset)
        end = offset(node.end_lineno, node.end_col_offset)
        edits.append((begin, end, wrapped(node, source[begin:end], function)))
    for begin, end, text in sorted(edits, reverse=True):
        source = source[:begin] + text + source[end:]
    for function in sorted(used):
        if not re.search(rf"^from flask_babel import .*\bas {re.escape(function)}\b", source,
                         re.M):
            first = re.search(r"^(from|import) ", source, re.M)
            at = first.start() if first else starts[tree.body[0].end_lineno]  # after the docstring
            source = source[:at] + IMPORTS[function] + source[at:]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(source)
    print(path, len(edits))


files = defaultdict(list)
for entry in untranslatable_python():
    files[entry.split(":")[0]].append(entry)
for path in files:
    fix(path)
