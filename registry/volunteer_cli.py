"""Command-line tasks for volunteers and the ledger (volunteers issue)."""


def register(app) -> None:
    """Add the area's commands to app.cli."""
