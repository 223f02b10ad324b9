"""GET /api/v1/stats/overview: counts for the caller's jurisdiction."""

import marshmallow as ma

from registry.dashboards.operations import overview
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL
from registry.views.api import auth_required, blp, current_api_user


class OverviewSchema(ma.Schema):
    region_code = ma.fields.String()
    year = ma.fields.Integer()
    organizations = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(),
                                   metadata={"description": "organizations by status"})
    stations = ma.fields.Integer()
    townships = ma.fields.Integer()
    townships_without_station = ma.fields.Integer()
    volunteers = ma.fields.Integer(metadata={"description": "active volunteers"})
    activities = ma.fields.Integer(metadata={"description": "activities published this year"})
    minutes_served = ma.fields.Integer(metadata={"description": "service minutes this year"})
    points_issued = ma.fields.Integer()
    points_redeemed = ma.fields.Integer()


@blp.route("/stats/overview", methods=["GET"])
@auth_required(CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.response(200, OverviewSchema)
def stats_overview():
    """Organizations by status, stations and townships without one, volunteers, minutes served
    this year, points issued and redeemed, for the caller's jurisdiction."""
    return overview(current_api_user())
