"""Demo stations, volunteers and activities (volunteers issue)."""


def seed(users: dict) -> list:
    """Create demo volunteer data if missing; returns extra demo logins."""
    return []
