"""Command-line tasks for incubation, training and grants."""

import click
from sqlalchemy import select

from registry.extensions import db
from registry.models import GRANT_TYPES, User


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("grant-totals")
    @click.option("--user", "username", required=True, help="按此用户的管辖范围统计")
    @click.option("--year", type=int, default=None, help="年度（不填为全部）")
    def grant_totals_command(username, year):
        """Print grant totals by county, year and type (yuan) for a user's jurisdiction."""
        from registry import support
        from registry.cli import fail

        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or user.role not in ("city_official", "county_official"):
            fail("请指定一个市级或县级民政部门工作人员的用户名")
        totals = support.grant_totals(user, {"year": year})
        for row in totals["rows"]:
            click.echo(f"{row['county_name']}\t{row['year']}\t"
                       f"{GRANT_TYPES.get(row['grant_type'], row['grant_type'])}\t"
                       f"{row['count']} 笔\t{row['amount_fen'] / 100:,.2f} 元\t"
                       f"已拨付 {row['paid_fen'] / 100:,.2f} 元")
        total = totals["total"]
        click.echo(f"合计\t{total['count']} 笔\t{total['amount_fen'] / 100:,.2f} 元\t"
                   f"已拨付 {total['paid_fen'] / 100:,.2f} 元")
