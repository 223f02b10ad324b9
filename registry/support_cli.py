"""Command-line tasks for incubation, training and grants."""


def register(app) -> None:
    """Add the area's commands to app.cli."""
