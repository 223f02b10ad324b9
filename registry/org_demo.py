"""Demo organizations (social-organizations issue)."""


def seed(users: dict) -> list:
    """Create demo organizations if missing; returns extra demo logins."""
    return []
