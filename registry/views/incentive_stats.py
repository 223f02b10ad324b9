"""Officials' and station admins' incentive statistics page: one table per topic, a year or
month and region filter (the city drills into a county), each table downloadable as Excel."""

from flask import Blueprint, abort, render_template, request
from flask_login import current_user

from registry import exports
from registry.clock import today_local
from registry.errors import ValidationFailed
from registry.i18n import gettext as _
from registry.incentives import statistics
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.views.access import roles

bp = Blueprint("incentive_stats", __name__, url_prefix="/incentives")


@bp.route("/statistics")
@roles(CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
def index():
    """The statistics; ?table=<name>&format=xlsx downloads one table (scoped, audited)."""
    try:
        filters = statistics.parse_filters(current_user, request.args)
    except ValidationFailed as error:
        # Bad year or month: the form again with the message at its field, no figures.
        return render_template("incentive_stats/index.html", filters=None, tables={},
                               errors=error.fields, args=request.args, choices=[],
                               this_year=today_local().year), 422
    fmt = request.args.get("format")
    if fmt:
        table = request.args.get("table")
        if fmt not in exports.FORMATS or table not in statistics.TABLES:
            abort(404)
        rows = statistics.compute(filters, (table,))[table]
        return exports.response(
            fmt, f"incentive-{table}-{filters.region.code}-{filters.label}",
            [str(h) for h in statistics.HEADERS[table]], statistics.export_rows(table, rows),
            what="IncentiveStatistics",
            comment=_("积分激励统计·%(title)s %(region)s %(period)s",
                      title=str(statistics.TABLE_TITLES[table]), region=filters.region.name,
                      period=filters.label),
            region_code=filters.region.code,
            filters={"table": table, "region_code": filters.region.code,
                     "year": filters.year, "month": filters.month})
    return render_template("incentive_stats/index.html", filters=filters,
                           tables=statistics.compute(filters), errors={}, args=request.args,
                           choices=statistics.region_choices(current_user, filters),
                           this_year=today_local().year)
