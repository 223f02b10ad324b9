"""API: officials' incentive statistics (points by region and month, stores, reports, deeds,
benefits), the same figures and jurisdiction as the statistics page."""

import marshmallow as ma
from marshmallow.validate import Length

from registry.i18n import lazy_gettext as _l
from registry.incentives import statistics
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN
from registry.views.api import auth_required, blp, current_api_user
from registry.views.api.schemas import ErrorSchema, QueryArgs


class StatisticsArgs(QueryArgs):
    # Strings checked by statistics.parse_filters: the page's and the API's messages are one.
    year = ma.fields.String(load_default=None, validate=Length(max=10), metadata={
        "description": _l("年份（1900–2100），默认今年")})
    month = ma.fields.String(load_default=None, validate=Length(max=10), metadata={
        "description": _l("月份 1–12（北京时间）；不填为全年")})
    region_code = ma.fields.String(load_default=None, validate=Length(max=9), metadata={
        "description": _l("地区代码：辖区内的县（区）或乡镇（街道），默认本人辖区")})


class PointsRow(ma.Schema):
    region_code = ma.fields.String()
    region_name = ma.fields.String()
    month = ma.fields.String(metadata={"description": "YYYY-MM"})
    issued = ma.fields.Integer()
    redeemed = ma.fields.Integer()
    expired = ma.fields.Integer()


class StoreRow(ma.Schema):
    store_id = ma.fields.Integer()
    store_name = ma.fields.String()
    township_code = ma.fields.String()
    township_name = ma.fields.String()
    items = ma.fields.Integer()
    active_items = ma.fields.Integer()
    stock = ma.fields.Integer()
    redemptions = ma.fields.Integer()
    quantity = ma.fields.Integer()
    points = ma.fields.Integer()


class ReportRow(ma.Schema):
    category = ma.fields.String()
    category_label = ma.fields.String()
    status = ma.fields.String()
    status_label = ma.fields.String()
    count = ma.fields.Integer()
    decided = ma.fields.Integer()
    days_to_decide = ma.fields.Float(allow_none=True)


class DeedRow(ma.Schema):
    category = ma.fields.String()
    recorded = ma.fields.Integer()
    open = ma.fields.Integer()
    credited = ma.fields.Integer()
    points = ma.fields.Integer()
    rejected = ma.fields.Integer()


class BenefitRow(ma.Schema):
    benefit_id = ma.fields.Integer()
    title = ma.fields.String()
    provider = ma.fields.String()
    claimed = ma.fields.Integer()
    used = ma.fields.Integer()


class StatisticsSchema(ma.Schema):
    region_code = ma.fields.String()
    region_name = ma.fields.String()
    grouped_by = ma.fields.String(metadata={"description": _l("汇总层级：county 或 township")})
    year = ma.fields.Integer()
    month = ma.fields.Integer(allow_none=True)
    points = ma.fields.List(ma.fields.Nested(PointsRow))
    stores = ma.fields.List(ma.fields.Nested(StoreRow))
    reports = ma.fields.List(ma.fields.Nested(ReportRow))
    deeds = ma.fields.List(ma.fields.Nested(DeedRow))
    benefits = ma.fields.List(ma.fields.Nested(BenefitRow))


@blp.route("/incentives/statistics", methods=["GET"])
@auth_required(CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200, StatisticsSchema)
@blp.alt_response(404, schema=ErrorSchema,
                  description=_l("地区不存在或不在本人辖区内"))
def incentive_statistics(args):
    """Points issued, redeemed and expired by region and month; stock and turnover per
    store; reports by category and outcome with the days to decide; deeds by category;
    benefits claimed — within the caller's jurisdiction (bad year or month → 422)."""
    filters = statistics.parse_filters(current_api_user(), args)
    return {"region_code": filters.region.code, "region_name": filters.region.name,
            "grouped_by": filters.by, "year": filters.year, "month": filters.month,
            **statistics.compute(filters)}
