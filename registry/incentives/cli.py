"""Command-line tasks for the incentives."""

import click

from registry.extensions import db
from registry.incentives import deeds, tasks  # noqa: F401 (tasks: the periodic jobs)


def register(app) -> None:
    # --- issue 11 (i11-reports): moral bank ---
    @app.cli.command("credit-deeds")
    def credit_deeds_command():
        """Credit the deeds whose 公示 ended without objection (safe to run twice)."""
        done = deeds.credit_due()
        db.session.commit()
        click.echo(f"已记入 {done} 件善行的道德积分")
