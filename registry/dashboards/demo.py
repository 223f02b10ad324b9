"""Demo data for dashboards: last month's city report (the monthly reports page shows one);
the figures are what the other areas' demo data adds up to."""

from registry.clock import today_local
from registry.dashboards import monthly_reports


def seed(users: dict) -> list:
    today = today_local()
    key = monthly_reports.previous_month(monthly_reports.month_key(today.year, today.month))
    if monthly_reports.stored(monthly_reports.CITY, key) is None:
        monthly_reports.generate(monthly_reports.CITY, key)
    return []
