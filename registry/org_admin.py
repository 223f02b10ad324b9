"""Back-office views for organizations (social-organizations issue)."""


def admin_views() -> list:
    return []
