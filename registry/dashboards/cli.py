"""Command-line tasks for dashboards: `flask monthly-reports` makes monthly reports by hand
(the job queue makes last month's on the 1st: monthly_reports.monthly_reports_on_the_first)."""

import click

from registry.clock import today_local
from registry.dashboards import monthly_reports
from registry.errors import RegistryError
from registry.extensions import db


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("monthly-reports")
    @click.option("--month", help="YYYY-MM（默认上个月）")
    @click.option("--region", "region", help="地区代码（默认全市及各县）")
    def monthly_reports_command(month, region):
        """Make (or remake) the monthly reports of a month: the city's and each county's, or
        one region's with --region."""
        today = today_local()
        key = monthly_reports.previous_month(monthly_reports.month_key(today.year, today.month))
        try:
            if month:
                key = monthly_reports.parse_month(month)
            if region:
                rows = [monthly_reports.generate(region, key)]
                db.session.commit()
            else:
                year, number = divmod(monthly_reports.next_month(key), 100)
                rows = monthly_reports.scheduled(today.replace(year=year, month=number, day=1))
        except RegistryError as error:
            raise click.ClickException(error.message) from None
        for row in rows:
            click.echo(f"{row.region_code} {row.month}：{row.pdf_name}，{row.xlsx_name}")
        click.echo(f"已生成 {len(rows)} 份月报")
