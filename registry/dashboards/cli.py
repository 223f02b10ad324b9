"""Command-line tasks for dashboards: none yet (monthly reports will add theirs)."""


def register(app) -> None:
    """Dashboards add no command yet."""
