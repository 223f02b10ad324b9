"""Demo data for activities, service records, the points ledger and certificates."""


def seed(users: dict) -> list:
    """Create demo rows if missing; returns extra demo logins."""
    return []
