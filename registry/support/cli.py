"""Command-line tasks for incubation, training and grants."""

import click
from sqlalchemy import select

from registry.cli import fail
from registry.extensions import db
from registry.models import User
from registry.support import incubation
from registry.support import operations as support
from registry.support.models import GRANT_TYPES


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("grant-totals")
    @click.option("--user", "username", required=True, help="按此用户的管辖范围统计")
    @click.option("--year", type=int, default=None, help="年度（不填为全部）")
    def grant_totals_command(username, year):
        """Print grant totals by county, year and type (yuan) for a user's jurisdiction."""
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

    @app.cli.command("incubation-due")
    @click.option("--user", "username", required=True, help="按此用户的管辖范围查询")
    def incubation_due_command(username):
        """List incubations past their end date and milestones past due (for follow-up)."""
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or user.role not in ("city_official", "county_official"):
            fail("请指定一个市级或县级民政部门工作人员的用户名")
        due = incubation.overdue(user)
        for item in due["incubations"]:
            click.echo(f"孵化期已满未结业\t#{item.id}\t{item.organization.name}\t"
                       f"{item.incubator.name}\t孵化期至 {item.end_on}")
        for milestone in due["milestones"]:
            click.echo(f"里程碑逾期\t#{milestone.incubation_id}\t"
                       f"{milestone.incubation.organization.name}\t{milestone.title}\t"
                       f"计划 {milestone.due_on}")
        click.echo(f"共 {len(due['incubations'])} 项孵化、{len(due['milestones'])} 个里程碑需跟进")

