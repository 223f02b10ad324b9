"""Command-line tasks for activities: `flask seed-bulk`, synthetic volunteers and activities
for city-scale tests."""

import click

from registry.activities.bulk import seed_activities
from registry.extensions import db
from registry.volunteers.bulk import seed_volunteers


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("seed-bulk")
    @click.option("--volunteers", "volunteer_count", type=click.IntRange(0, 20_000_000),
                  default=0, show_default=True, help="synthetic volunteers to add")
    @click.option("--activities", "activity_count", type=click.IntRange(0, 10_000_000),
                  default=0, show_default=True, help="synthetic activities (activity area)")
    @click.option("--seed", type=int, default=20261124, show_default=True)
    def seed_bulk_command(volunteer_count, activity_count, seed):
        """Add realistic synthetic volunteers (and activities) for city-scale tests."""
        if volunteer_count:
            def echo(done, total):
                click.echo(f"  … {done:,} / {total:,}")

            result = seed_volunteers(volunteer_count, seed, echo)
            db.session.commit()
            rate = result["count"] / result["seconds"] if result["seconds"] else 0
            click.echo(f"志愿者：新增 {result['count']:,} 名（其中已注册 {result['active']:,}），"
                       f"用时 {result['seconds']:.1f} 秒（{rate:,.0f} 行/秒）")
        if activity_count:
            result = seed_activities(activity_count)
            db.session.commit()
            click.echo(f"活动：{result}")
