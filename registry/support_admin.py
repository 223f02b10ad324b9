"""Back-office views for incubation, training and grants."""


def admin_views() -> list:
    return []
