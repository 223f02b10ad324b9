"""Tracking and claim codes people read out and type: random, unambiguous, shown ABCDE-FGHJK."""

import secrets
from typing import Any

# No 0/O, 1/I/L, so that they can be read out and typed.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10  # 31^10 ≈ 8 × 10^14: not guessable within any rate limit


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def clean_code(raw: Any) -> str | None:
    """A typed code upper-cased without spaces or dashes, or None if it cannot be one."""
    if not isinstance(raw, str):
        return None
    code = raw.strip().upper().replace("-", "").replace(" ", "")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def show_code(code: str) -> str:
    """A code as people read it: ABCDE-FGHJK."""
    return f"{code[:5]}-{code[5:]}"
