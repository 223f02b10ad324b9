"""Break the long lines ruff reports (E501) that hold a _()/_l() literal into implicitly
concatenated pieces on their own lines (after scripts/wrap_texts.py); prints what it skips."""

import re
import subprocess
import unicodedata

LIMIT = 100
LITERAL = re.compile(r'(_l?\()("(?:[^"\\]|\\.)*")')


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def long_lines() -> dict[str, list[int]]:
    report = subprocess.run([".venv/bin/ruff", "check", ".", "-q", "--output-format", "concise"],
                            capture_output=True, text=True).stdout
    found: dict[str, list[int]] = {}
    for line in report.splitlines():
        match = re.match(r"(.+?):(\d+):\d+: E501", line)
        if match:
            found.setdefault(match.group(1), []).append(int(match.group(2)))
    return found


def split(text: str) -> list[str] | None:
    match = LITERAL.search(text)
    if not match:
        return None
    indent = len(text) - len(text.lstrip()) + 4
    tokens = re.findall(r"%\([^)]*\)[sd]|\\.|.", match.group(2)[1:-1])
    pieces, current = [], ""
    for token in tokens:
        if width(current + token) > LIMIT - indent - 4:
            pieces.append(current)
            current = ""
        current += token
    pieces.append(current)
    lines = [text[:match.start(1)] + match.group(1)]
    lines += [" " * indent + f'"{piece}"' for piece in pieces]
    lines[-1] += text[match.end():]
    return lines


for path, numbers in long_lines().items():
    with open(path, encoding="utf-8") as fh:
        lines = fh.read().split("\n")
    for number in sorted(numbers, reverse=True):
        replacement = split(lines[number - 1])
        if replacement is None:
            print("skipped", path, number, lines[number - 1].strip()[:60])
            continue
        lines[number - 1:number] = replacement
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines))
