"""API: stations and volunteers (API.md), scoped and masked."""

import marshmallow as ma
from flask import current_app
from marshmallow.validate import Length

from registry.clock import isoformat
from registry.errors import NotFound
from registry.extensions import db, limiter
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN, VOLUNTEER
from registry.pagination import paginate_query
from registry.scoping import get_visible
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.auth import TemporaryPassword
from registry.views.api.schemas import JsonBody, PageArgs, PageSchema, QueryArgs
from registry.volunteers import operations as volunteers
from registry.volunteers import profile, stations, work
from registry.volunteers.models import Station, Volunteer

OFFICIALS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
STAFF = (STATION_ADMIN, *OFFICIALS)


class StationSchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()
    township_code = ma.fields.String()
    township_name = ma.fields.String()
    address = ma.fields.String()
    contact_name = ma.fields.String()
    contact_phone = ma.fields.String()


class StationPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(StationSchema))


class StationArgs(PageArgs):
    region_code = ma.fields.String(load_default="", validate=Length(max=9))
    q = ma.fields.String(load_default="", validate=Length(max=50))


class StationCreate(JsonBody):
    township_code = ma.fields.String(required=True, validate=Length(max=9))
    name = ma.fields.String(load_default="", validate=Length(max=100))
    address = ma.fields.String(load_default="", validate=Length(max=200))
    contact_name = ma.fields.String(load_default="", validate=Length(max=50))
    contact_phone = ma.fields.String(load_default="", validate=Length(max=20))


class VolunteerSchema(ma.Schema):
    id = ma.fields.Integer()
    volunteer_no = ma.fields.String()
    name = ma.fields.String()
    id_number = ma.fields.String()
    phone = ma.fields.String()
    gender = ma.fields.String()
    township_code = ma.fields.String()
    status = ma.fields.String()
    total_minutes = ma.fields.Integer()
    star_level = ma.fields.Integer()
    is_minor = ma.fields.Boolean()
    created_at = ma.fields.String()
    review_reason = ma.fields.String(metadata={
        "description": "why the registration was returned or rejected (empty otherwise)"})
    address = ma.fields.String()
    emergency_contact_name = ma.fields.String()
    emergency_contact_phone = ma.fields.String()


class VolunteerPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(VolunteerSchema))


class VolunteerArgs(PageArgs):
    status = ma.fields.String(load_default="", validate=Length(max=20))
    township_code = ma.fields.String(load_default="", validate=Length(max=9))
    region_code = ma.fields.String(load_default="", validate=Length(max=9))
    q = ma.fields.String(load_default="", validate=Length(max=30))


class VolunteerSearch(JsonBody, VolunteerArgs):
    """The list's filters and paging (VolunteerArgs) in a POST body, so that a phone or ID
    number searched for never appears in a URL; unknown fields refused (JsonBody first)."""


class VolunteerMoveBody(JsonBody):
    comment = ma.fields.String(load_default="", validate=Length(max=2000))


class VolunteerUpdate(JsonBody):
    """The volunteer's own edits: contact details at any time; while returned, the
    registration's fields too (then POST /volunteers/{id}/submit)."""

    phone = ma.fields.String(validate=Length(max=20))
    address = ma.fields.String(validate=Length(max=200))
    emergency_contact_name = ma.fields.String(validate=Length(max=30))
    emergency_contact_phone = ma.fields.String(validate=Length(max=20))
    name = ma.fields.String(validate=Length(max=30))
    id_number = ma.fields.String(validate=Length(max=30))
    township_code = ma.fields.String(validate=Length(max=9))
    skills = ma.fields.String(validate=Length(max=200))
    guardian_name = ma.fields.String(validate=Length(max=30))
    guardian_phone = ma.fields.String(validate=Length(max=20))
    guardian_consent = ma.fields.Boolean()


class VolunteerRegistration(JsonBody):
    name = ma.fields.String(required=True, validate=Length(max=30))
    id_number = ma.fields.String(required=True, validate=Length(max=30))
    phone = ma.fields.String(required=True, validate=Length(max=20))
    township_code = ma.fields.String(required=True, validate=Length(max=9))
    password = ma.fields.String(required=True, validate=Length(max=128))
    skills = ma.fields.String(load_default="", validate=Length(max=200))
    guardian_name = ma.fields.String(load_default="", validate=Length(max=30))
    guardian_phone = ma.fields.String(load_default="", validate=Length(max=20))
    guardian_consent = ma.fields.Boolean(load_default=None)


class VolunteerRegistrationResult(ma.Schema):
    id = ma.fields.Integer()
    status = ma.fields.String()


def station_dict(station: Station) -> dict:
    return {"id": station.id, "name": station.name, "township_code": station.township_code,
            "township_name": station.township.name if station.township else "",
            "address": station.address, "contact_name": station.contact_name,
            "contact_phone": station.contact_phone}


def volunteer_dict(volunteer: Volunteer) -> dict:
    body = volunteers.public_dict(volunteer, unmasked_for=current_api_user())
    body["created_at"] = isoformat(body["created_at"])
    return body


@blp.route("/stations", methods=["GET"])
@auth_required(*STAFF)
@blp.arguments(StationArgs, location="query")
@blp.response(200, StationPage)
def list_stations(args):
    """Stations in the caller's jurisdiction."""
    page = paginate_query(stations.list_stations(current_api_user(), args), Station.id, args)
    return page_body(page, station_dict)


@blp.route("/stations", methods=["POST"])
@auth_required(*OFFICIALS)
@blp.arguments(StationCreate)
@blp.response(201, StationSchema)
def create_station(body):
    """Create the station of a township (one per township; a second → 409)."""
    station = stations.create_station(current_api_user(), body)
    db.session.commit()
    return station_dict(station)


class CoverageArgs(QueryArgs):
    only_missing = ma.fields.Boolean(load_default=False)
    county = ma.fields.String(load_default="", validate=Length(max=6))


class TownshipCoverage(ma.Schema):
    township_code = ma.fields.String()
    township_name = ma.fields.String()
    county_name = ma.fields.String()
    station_id = ma.fields.Integer(allow_none=True)
    station_name = ma.fields.String(allow_none=True)
    admins = ma.fields.List(ma.fields.String())
    active_volunteers = ma.fields.Integer()
    new_volunteers = ma.fields.Integer()
    activities = ma.fields.Integer()
    service_minutes = ma.fields.Integer()


class CoverageSchema(ma.Schema):
    year = ma.fields.Integer()
    townships = ma.fields.Integer()
    with_station = ma.fields.Integer()
    without_station = ma.fields.Integer()
    items = ma.fields.List(ma.fields.Nested(TownshipCoverage))


class DashboardSchema(ma.Schema):
    station = ma.fields.Nested(StationSchema)
    year = ma.fields.Integer()
    active_volunteers = ma.fields.Integer()
    new_volunteers = ma.fields.Integer()
    pending_volunteers = ma.fields.Integer()
    activities = ma.fields.Integer()
    service_minutes = ma.fields.Integer()
    points_issued = ma.fields.Integer()
    points_redeemed = ma.fields.Integer()
    admins = ma.fields.List(ma.fields.String())


@blp.route("/stations/coverage", methods=["GET"])
@auth_required(*STAFF)
@blp.arguments(CoverageArgs, location="query")
@blp.response(200, CoverageSchema)
def station_coverage(args):
    """Every township in the jurisdiction: its station (or none), admins, this year's figures."""
    result = stations.coverage(current_api_user(), only_missing=args["only_missing"],
                               county_code=args["county"])
    return {
        "year": result.year, "townships": result.townships,
        "with_station": result.with_station, "without_station": result.without_station,
        "items": [{
            "township_code": row.region.code, "township_name": row.region.name,
            "county_name": row.county.name if row.county else "",
            "station_id": row.station.id if row.station else None,
            "station_name": row.station.name if row.station else None,
            "admins": [admin.display_name for admin in row.admins],
            "active_volunteers": row.stats["active_volunteers"],
            "new_volunteers": row.stats["volunteers"],
            "activities": row.stats["activities"],
            "service_minutes": row.stats["service_minutes"],
        } for row in result.rows],
    }


@blp.route("/stations/<int:station_id>/dashboard", methods=["GET"])
@auth_required(*STAFF)
@blp.response(200, DashboardSchema)
def station_dashboard(station_id):
    """A township's dashboard: volunteers, pending approvals, this year's activities, hours."""
    station = get_visible(current_api_user(), Station, station_id)
    if station is None:
        raise NotFound(_("志愿服务站不存在"))
    data = stations.dashboard(current_api_user(), station)
    stats = data["stats"]
    return {"station": station_dict(station), "year": data["year"],
            "active_volunteers": stats["active_volunteers"], "new_volunteers": stats["volunteers"],
            "pending_volunteers": data["pending"], "activities": stats["activities"],
            "service_minutes": stats["service_minutes"], "points_issued": stats["points_issued"],
            "points_redeemed": stats["points_redeemed"],
            "admins": [admin.display_name for admin in data["admins"]]}


@blp.route("/public/stations", methods=["GET"])
@blp.arguments(StationArgs, location="query")
@blp.response(200, StationPage)
def public_stations(args):
    """Every station with its township, address and contact (public)."""
    page = paginate_query(stations.public_stations_stmt(args), Station.id, args)
    return page_body(page, station_dict)


@blp.route("/volunteers", methods=["GET"])
@auth_required(*STAFF)
@blp.arguments(VolunteerArgs, location="query")
@blp.response(200, VolunteerPage)
def list_volunteers(args):
    """Volunteers in the caller's jurisdiction, masked; filters status, township_code, q (a name;
    a phone or ID number in the URL is refused with 422: use POST /volunteers/search)."""
    page = volunteers.list_volunteers(current_api_user(), args)
    return page_body(page, volunteer_dict)


@blp.route("/volunteers/search", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerSearch)
@blp.response(200, VolunteerPage)
def search_volunteers(body):
    """The volunteer list with its filters in the body: for a search by phone or ID number."""
    page = volunteers.list_volunteers(current_api_user(), body)
    return page_body(page, volunteer_dict)


@blp.route("/volunteers/<int:volunteer_id>", methods=["GET"])
@auth_required(*STAFF, VOLUNTEER)
@blp.response(200, VolunteerSchema)
def get_volunteer(volunteer_id):
    """One volunteer (masked; a volunteer reading their own record sees it in full)."""
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    return volunteer_dict(volunteer)


def _move(volunteer_id: int, move: str, body: dict) -> dict:
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    volunteers.transition(volunteer, move, current_api_user(), body.get("comment", ""))
    db.session.commit()
    return volunteer_dict(volunteer)


@blp.route("/volunteers/<int:volunteer_id>/approve", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def approve_volunteer(body, volunteer_id):
    """pending → active (the station admin of the township, or an official above)."""
    return _move(volunteer_id, "approve", body)


@blp.route("/volunteers/<int:volunteer_id>/suspend", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def suspend_volunteer(body, volunteer_id):
    """active → suspended, with a reason."""
    return _move(volunteer_id, "suspend", body)


@blp.route("/volunteers/<int:volunteer_id>/resume", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def resume_volunteer(body, volunteer_id):
    """suspended → active."""
    return _move(volunteer_id, "resume", body)


@blp.route("/volunteers/<int:volunteer_id>/deregister", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def deregister_volunteer(body, volunteer_id):
    """Any state → deregistered, with a reason."""
    return _move(volunteer_id, "deregister", body)


@blp.route("/volunteers/<int:volunteer_id>/return", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def return_volunteer(body, volunteer_id):
    """pending → returned (退回修改), with the reason the volunteer reads; they fix their
    registration (PATCH) and resubmit (POST .../submit)."""
    return _move(volunteer_id, "return", body)


@blp.route("/volunteers/<int:volunteer_id>/reject", methods=["POST"])
@auth_required(*STAFF)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def reject_volunteer(body, volunteer_id):
    """pending → rejected (不予通过), with the reason the volunteer reads."""
    return _move(volunteer_id, "reject", body)


def _own(volunteer_id: int) -> Volunteer:
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    return volunteer


@blp.route("/volunteers/<int:volunteer_id>", methods=["PATCH"])
@auth_required(VOLUNTEER)
@blp.arguments(VolunteerUpdate)
@blp.response(200, VolunteerSchema)
def update_volunteer(body, volunteer_id):
    """The volunteer's own record: contact details (phone, the login too; address, emergency
    contact) at any time; name, id_number, township_code, skills and guardian fields only
    while returned (409 otherwise). Only the fields sent change."""
    volunteer = _own(volunteer_id)
    contact = {k: v for k, v in body.items() if k in profile.CONTACT_FIELDS}
    registration = {k: v for k, v in body.items() if k in profile.REGISTRATION_FIELDS}
    if registration:
        profile.update_registration(current_api_user(), volunteer, registration)
    if contact:
        profile.update_contact(current_api_user(), volunteer, contact)
    db.session.commit()
    return volunteer_dict(volunteer)


@blp.route("/volunteers/<int:volunteer_id>/submit", methods=["POST"])
@auth_required(VOLUNTEER)
@blp.arguments(VolunteerMoveBody)
@blp.response(200, VolunteerSchema)
def resubmit_volunteer(body, volunteer_id):
    """returned → pending: the volunteer sends their fixed registration back for review."""
    volunteer = _own(volunteer_id)
    profile.resubmit(current_api_user(), volunteer, body.get("comment", ""))
    db.session.commit()
    return volunteer_dict(volunteer)


@blp.route("/volunteers/<int:volunteer_id>/reset-password", methods=["POST"])
@auth_required(STATION_ADMIN, COUNTY_OFFICIAL)
@blp.response(200, TemporaryPassword)
def reset_volunteer_password(volunteer_id):
    """A temporary password for the volunteer's login (the township's station admin, the
    county's official), shown once; audited without the password; 409 without a login."""
    volunteer = get_visible(current_api_user(), Volunteer, volunteer_id)
    if volunteer is None:
        raise NotFound(_("志愿者不存在"))
    password = work.reset_password(current_api_user(), volunteer)
    db.session.commit()
    return {"user_id": volunteer.user_id, "temporary_password": password,
            "must_change_password": True}


@blp.route("/public/volunteers", methods=["POST"])
@limiter.limit(lambda: current_app.config["PUBLIC_WRITE_RATE_LIMIT"])
@blp.arguments(VolunteerRegistration)
@blp.response(201, VolunteerRegistrationResult)
def register_volunteer(body):
    """Self-registration → 201 {"id", "status": "pending"}; under 18 needs guardian fields
    (guardian_consent defaults to true when a guardian is named through the API)."""
    if body.get("guardian_consent") is None:
        body["guardian_consent"] = bool(body.get("guardian_name"))
    volunteer = volunteers.register_self(body)
    db.session.commit()
    return {"id": volunteer.id, "status": volunteer.status}
