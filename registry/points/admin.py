"""Back-office views for points: none of their own; the ledger is listed with the volunteer
activities (registry/activities/admin.py), where staff look for it."""


def admin_views() -> list:
    return []
