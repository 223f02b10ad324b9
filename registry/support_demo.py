"""Demo data for incubation, training and grants."""


def seed(users: dict) -> list:
    """Create demo rows if missing; returns extra demo logins."""
    return []
