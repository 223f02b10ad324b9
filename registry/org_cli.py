"""Command-line tasks for organizations (social-organizations issue)."""


def register(app) -> None:
    """Add the area's commands to app.cli."""
