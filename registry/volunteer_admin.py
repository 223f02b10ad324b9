"""Back-office views for stations and volunteers (volunteers issue)."""


def admin_views() -> list:
    return []
