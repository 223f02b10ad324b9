"""Command-line tasks for 社情民意."""

import click

from registry.extensions import db
from registry.participation import operations, tasks  # noqa: F401 (tasks: the periodic job)


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("suggestions-overdue")
    def suggestions_overdue_command():
        """Tell the officials above each newly overdue suggestion (once per item; also runs
        daily on the job queue)."""
        told = operations.notify_overdue()
        db.session.commit()
        click.echo(f"超期未答复的社情民意留言：本次通知 {told} 条")
