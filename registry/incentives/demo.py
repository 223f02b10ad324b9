"""Demo data for the incentives."""


def seed(users: dict) -> list:
    return []
