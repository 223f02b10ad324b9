"""Command-line tasks for activities, service records, the points ledger and certificates."""


def register(app) -> None:
    """Add the area's commands to app.cli."""
