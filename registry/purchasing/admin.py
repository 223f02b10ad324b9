"""Back-office views for the purchasing area."""

from registry.purchasing import models  # noqa: F401  (the tables are part of the app's metadata)


def admin_views() -> list:
    return []
