"""Back-office views for the incentives."""


def admin_views() -> list:
    return []
