"""Back-office views for the incentives."""

from registry.incentives import models  # noqa: F401  (the tables, for the app and migrations)


def admin_views() -> list:
    return []
