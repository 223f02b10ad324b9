"""Jurisdiction-wide counts for officials (the overview the API and dashboards show)."""

from sqlalchemy import func, select

from registry.clock import today_local
from registry.extensions import db
from registry.models import Region
from registry.organizations.models import Organization
from registry.scoping import region_codes_under, scope_condition
from registry.volunteers.models import Station, TownshipYearStats


def overview(user, year: int | None = None) -> dict:
    """Counts for user's jurisdiction: organizations by status, station coverage, volunteers,
    minutes served and points issued/redeemed this year (from the kept-current summary rows)."""
    year = year or today_local().year
    by_status = dict(db.session.execute(
        select(Organization.status, func.count())
        .where(scope_condition(user, Organization))
        .group_by(Organization.status)
    ).all())
    townships = db.session.scalar(
        select(func.count()).select_from(Region)
        .where(Region.level == "township", Region.code.in_(region_codes_under(user.region_code)))
    )
    stations = db.session.scalar(
        select(func.count()).select_from(Station).where(scope_condition(user, Station))
    )
    t = TownshipYearStats
    in_scope = scope_condition(user, TownshipYearStats)
    volunteers = db.session.scalar(
        select(func.coalesce(func.sum(t.volunteers), 0)).where(in_scope, t.year <= year))
    this_year = db.session.execute(
        select(func.coalesce(func.sum(t.service_minutes), 0),
               func.coalesce(func.sum(t.points_issued), 0),
               func.coalesce(func.sum(t.points_redeemed), 0),
               func.coalesce(func.sum(t.activities), 0))
        .where(in_scope, t.year == year)
    ).one()
    return {
        "region_code": user.region_code,
        "year": year,
        "organizations": {status: int(n) for status, n in by_status.items()},
        "stations": int(stations),
        "townships": int(townships),
        "townships_without_station": int(townships) - int(stations),
        "volunteers": int(volunteers),
        "activities": int(this_year[3]),
        "minutes_served": int(this_year[0]),
        "points_issued": int(this_year[1]),
        "points_redeemed": int(this_year[2]),
    }
