"""Demo data for points: none of its own; the demo's ledger entries come from confirmed service
(registry/activities/demo.py), as real ones do."""


def seed(users: dict) -> list:
    return []
