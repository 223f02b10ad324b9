"""Personal data at rest: Fernet encryption and a keyed hash for uniqueness and look-up."""

import hashlib
import hmac
from collections.abc import Callable

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app


def _fernet() -> Fernet:
    return Fernet(current_app.config["ENCRYPTION_KEY"].encode())


def encrypt(value: str) -> str:
    """Encrypt a value with the configured key."""
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a value; an undecryptable one (wrong key) reads as an empty string."""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except (InvalidToken, ValueError):
        return ""


def lookup_hash(value: str) -> str:
    """A keyed SHA-256 of a value, so equal values can be found and kept unique."""
    return lookup_hasher(current_app.config["ENCRYPTION_KEY"])(value)


def lookup_hasher(encryption_key: str) -> Callable[[str], str]:
    """lookup_hash for a given key, usable outside the app (bulk loading processes)."""
    key = hashlib.sha256(b"lookup:" + encryption_key.encode()).digest()
    return lambda value: hmac.digest(key, value.encode(), "sha256").hex()  # one-shot: 2× faster
