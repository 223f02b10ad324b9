"""API: household accounts (户积分: the caller's household, transfers into its pool, the
station's households and members) and the monthly 通存通兑 settlement table."""

import marshmallow as ma
from marshmallow.validate import Length, Regexp
from sqlalchemy import false, select

from registry.activities import operations as activities
from registry.clock import isoformat, today_local
from registry.errors import NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import expiry, households, settlement
from registry.incentives.models import Household
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.points import ledger
from registry.points.models import HouseholdPointsEntry
from registry.scoping import get_visible, visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.idempotency import idempotent
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema, QueryArgs
from registry.views.api.store import ID, IDEMPOTENCY_DOC, conflict
from registry.volunteers.models import Volunteer


class MemberSchema(ma.Schema):
    volunteer_id = ma.fields.Integer()
    name = ma.fields.String()
    is_head = ma.fields.Boolean()
    joined_at = ma.fields.String()


class HouseholdSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    township_code = ma.fields.String()
    head_volunteer_id = ma.fields.Integer()
    members = ma.fields.List(ma.fields.Nested(MemberSchema))
    balance = ma.fields.Integer()
    earned = ma.fields.Integer()
    spent = ma.fields.Integer()
    expired = ma.fields.Integer()
    expiring_soon = ma.fields.Integer()


class MyHouseholdSchema(ma.Schema):
    household = ma.fields.Nested(HouseholdSchema, allow_none=True)


class HouseholdPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(HouseholdSchema))


class PoolEntrySchema(ma.Schema):
    id = ma.fields.Integer()
    created_at = ma.fields.String()
    kind = ma.fields.String()
    points = ma.fields.Integer()
    balance_after = ma.fields.Integer()
    memo = ma.fields.String()
    volunteer_id = ma.fields.Integer(allow_none=True)


class PoolPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(PoolEntrySchema))


class TransferBody(JsonBody):
    points = ma.fields.Integer(required=True, strict=True)


class TransferSchema(ma.Schema):
    id = ma.fields.Integer()
    points = ma.fields.Integer()
    balance_after = ma.fields.Integer(metadata={"description": _l("本人转出后的余额")})
    pool_balance_after = ma.fields.Integer()


class HouseholdCreate(JsonBody):
    head_volunteer_id = ma.fields.Integer(required=True, strict=True, validate=ID)
    name = ma.fields.String(load_default="", validate=Length(max=50))


class MemberBody(JsonBody):
    volunteer_id = ma.fields.Integer(required=True, strict=True, validate=ID)


class SettlementArgs(QueryArgs):
    month = ma.fields.String(load_default=None, validate=Regexp(
        r"^\d{4}-\d{2}$", error=_l("月份格式应为 YYYY-MM")), metadata={
        "description": _l("YYYY-MM（北京时间），默认本月")})


class PairSchema(ma.Schema):
    store_township_code = ma.fields.String()
    payer_township_code = ma.fields.String()
    points = ma.fields.Integer()
    redemptions = ma.fields.Integer()
    quantity = ma.fields.Integer()


class TownshipTotalSchema(ma.Schema):
    township_code = ma.fields.String()
    name = ma.fields.String()
    received = ma.fields.Integer()
    issued = ma.fields.Integer()
    net = ma.fields.Integer()


class SettlementSchema(ma.Schema):
    month = ma.fields.String()
    pairs = ma.fields.List(ma.fields.Nested(PairSchema))
    townships = ma.fields.List(ma.fields.Nested(TownshipTotalSchema))


def household_dict(household: Household) -> dict:
    bal = ledger.pool_balance(household.id)
    return {"id": household.id, "name": household.name,
            "township_code": household.township_code,
            "head_volunteer_id": household.head_volunteer_id,
            "members": [{"volunteer_id": m.volunteer_id, "name": m.volunteer.name,
                         "is_head": m.is_head, "joined_at": isoformat(m.joined_at)}
                        for m in households.members(household)],
            "balance": bal.balance, "earned": bal.earned, "spent": bal.spent,
            "expired": bal.expired,
            "expiring_soon": expiry.pool_expiring_soon(household, balance=bal)}


def _me() -> Volunteer:
    volunteer = activities.volunteer_of(current_api_user())
    if volunteer is None:
        raise NotFound(_("您还没有志愿者档案"))
    return volunteer


@blp.route("/me/household", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.response(200, MyHouseholdSchema)
def my_household():
    """The caller's household, its members and its pool (null when in none)."""
    household = households.household_of(_me())
    return {"household": household_dict(household) if household else None}


@blp.route("/me/household/ledger", methods=["GET"])
@auth_required(VOLUNTEER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, PoolPage)
def my_household_ledger(args):
    """The pool's entries, newest first (empty when in no household)."""
    household = households.household_of(_me())
    stmt = households.pool_entries_stmt(household) if household else (
        select(HouseholdPointsEntry).where(false()))
    page = paginate_query(stmt, HouseholdPointsEntry.id, args)
    return page_body(page, lambda e: {
        "id": e.id, "created_at": isoformat(e.created_at), "kind": e.kind, "points": e.points,
        "balance_after": e.balance_after, "memo": e.memo, "volunteer_id": e.volunteer_id})


@blp.route("/me/household/transfers", methods=["POST"])
@auth_required(VOLUNTEER)
@blp.arguments(TransferBody)
@blp.response(201, TransferSchema)
@blp.doc(**IDEMPOTENCY_DOC)
@conflict
@idempotent
def transfer_to_household(body):
    """Move some of one's points into one's household's pool (both ledgers, one
    transaction); more than one's balance → 409, nothing moved."""
    volunteer = _me()
    entry = households.transfer_in(current_api_user(), volunteer, body["points"])
    return {"id": entry.id, "points": entry.points,
            "balance_after": ledger.balance(volunteer).balance,
            "pool_balance_after": entry.balance_after}, 201


@blp.route("/households", methods=["GET"])
@auth_required(STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(PageArgs, location="query")
@blp.response(200, HouseholdPage)
def list_households(args):
    """Households of the caller's area, newest first."""
    stmt = visible(current_api_user(), households.households_stmt(), Household)
    page = paginate_query(stmt, Household.id, args)
    return page_body(page, household_dict)


@blp.route("/households", methods=["POST"])
@auth_required(STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(HouseholdCreate)
@blp.response(201, HouseholdSchema)
@conflict
def create_household(body):
    """Register a household with its 户主 (a volunteer of one's area in no household yet)."""
    head = _volunteer(body["head_volunteer_id"], "head_volunteer_id")
    household = households.create_household(current_api_user(), head, body["name"])
    db.session.commit()
    return household_dict(household), 201


def _volunteer(volunteer_id: int, field: str) -> Volunteer:
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise ValidationFailed(_("您管辖范围内没有这名志愿者"), field)
    return volunteer


def _household_or_404(household_id: int) -> Household:
    household = get_visible(current_api_user(), Household, household_id)
    if household is None:
        raise NotFound(_("家庭户不存在"))
    return household


@blp.route("/households/<int:household_id>/members", methods=["POST"])
@auth_required(STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(MemberBody)
@blp.response(201, HouseholdSchema)
@conflict
def add_household_member(body, household_id):
    """Add a member (one household per person: already in one → 409)."""
    household = _household_or_404(household_id)
    households.add_member(current_api_user(), household,
                          _volunteer(body["volunteer_id"], "volunteer_id"))
    db.session.commit()
    return household_dict(household), 201


@blp.route("/households/<int:household_id>/members/<int:volunteer_id>", methods=["DELETE"])
@auth_required(STATION_ADMIN, CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.response(200, HouseholdSchema)
@conflict
def remove_household_member(household_id, volunteer_id):
    """A member leaves (the row is kept with its leaving time); the 户主 cannot → 409."""
    household = _household_or_404(household_id)
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("该志愿者不是本户成员"))
    households.leave(current_api_user(), household, volunteer)
    db.session.commit()
    return household_dict(household)


@blp.route("/store/settlement", methods=["GET"])
@auth_required(CITY_OFFICIAL, COUNTY_OFFICIAL)
@blp.arguments(SettlementArgs, location="query")
@blp.response(200, SettlementSchema)
def settlement_table(args):
    """通存通兑: points redeemed at each township's store against the township where they
    were earned, for one month (cancelled redemptions excluded)."""
    month = args.get("month") or f"{today_local():%Y-%m}"
    table = settlement.monthly(current_api_user(), settlement.parse_month(month))
    return {"month": f"{table.month:%Y-%m}",
            "pairs": [{"store_township_code": s, "payer_township_code": p, "points": pts,
                       "redemptions": n, "quantity": q} for s, p, pts, n, q in table.pairs],
            "townships": [{"township_code": code, "name": table.names.get(code, ""),
                           "received": received, "issued": issued, "net": net}
                          for code, received, issued, net in table.townships]}
