"""API tokens and the caller's own profile."""

import marshmallow as ma
from flask import current_app, g
from marshmallow.validate import Length

from registry import accounts, audit
from registry.clock import isoformat
from registry.errors import NotAllowed, NotFound
from registry.extensions import db, limiter
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import (
    COUNTY_OFFICIAL,
    SECURITY_ADMIN,
    STATION_ADMIN,
    SYSTEM_ADMIN,
    User,
)
from registry.views.api import auth_required, blp, current_api_user
from registry.views.api.schemas import JsonBody
from registry.volunteers.operations import own_volunteer, public_dict


class TokenRequest(JsonBody):
    login = ma.fields.String(required=True, validate=Length(1, 64, error=_l("登录名长度应为 1–64")))
    password = ma.fields.String(required=True, validate=Length(1, 128,
                                error=_l("密码长度应为 1–128")))


class UserBrief(ma.Schema):
    id = ma.fields.Integer()
    role = ma.fields.String()
    region_code = ma.fields.String()
    display_name = ma.fields.String()


class TokenResponse(ma.Schema):
    token = ma.fields.String()
    expires_at = ma.fields.String()
    user = ma.fields.Nested(UserBrief)
    must_change_password = ma.fields.Boolean(metadata={
        "description": "true: this token can only change the password (POST /api/v1/me/password)"
                       " or log out; everything else answers 403 password_change_required"})


class LogoutArgs(ma.Schema):
    all = ma.fields.Boolean(load_default=False, metadata={
        "description": "1/true: end every token and web session of the user, not just this one"})


class PasswordChange(JsonBody):
    current_password = ma.fields.String(required=True, validate=Length(1, 128,
                                        error=_l("密码长度应为 1–128")))
    new_password = ma.fields.String(required=True, validate=Length(1, 128,
                                    error=_l("密码长度应为 1–128")))


class MeResponse(UserBrief):
    username = ma.fields.String()
    region_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)
    must_change_password = ma.fields.Boolean()
    organization_id = ma.fields.Integer(allow_none=True)
    volunteer = ma.fields.Dict(allow_none=True, metadata={
        "description": "a volunteer's own record, unmasked (id, volunteer_no, name, id_number, "
                       "phone, township_code, status, total_minutes, star_level)"})


def user_brief(user) -> dict:
    return {"id": user.id, "role": user.role, "region_code": user.region_code,
            "display_name": user.display_name}


@blp.route("/auth/token", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@blp.arguments(TokenRequest)
@blp.response(201, TokenResponse)
def create_token(body):
    """Log in: a bearer token for the user (the same lockout as the web login)."""
    user = accounts.authenticate(body["login"], body["password"])
    audit.set_actor(user)
    raw, token = accounts.issue_token(user)
    audit.record("login", user, comment="API token")
    db.session.commit()
    return {"token": raw, "expires_at": isoformat(token.expires_at), "user": user_brief(user),
            "must_change_password": accounts.must_change_password(user)}


@blp.route("/auth/token", methods=["DELETE"])
@auth_required(password_change_ok=True)
@blp.arguments(LogoutArgs, location="query")
@blp.response(204)
def revoke_token(args):
    """Log out: revoke the token sent with this request. With `?all=1`, log out everywhere:
    every token of the user and every web session end (a lost phone, a shared computer)."""
    if args["all"]:
        accounts.log_out(current_api_user(), comment="API token: all sessions")
    else:
        accounts.log_out(current_api_user(), g.api_token, comment="API token")
    db.session.commit()


@blp.route("/me/password", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"])
@auth_required(password_change_ok=True)
@blp.arguments(PasswordChange)
@blp.response(204)
def change_password(body):
    """Change one's own password: the current one and a new one, by the same rules as the page
    (length, three kinds of characters, not the username, not the current one). Every other
    token and web session ends; the token sent with this request stays valid."""
    accounts.change_own_password(current_api_user(), body["current_password"],
                                 body["new_password"], body["new_password"], keep=g.api_token)
    db.session.commit()


@blp.route("/me", methods=["GET"])
@auth_required()
@blp.response(200, MeResponse)
def me():
    """The caller's own profile, unmasked (a volunteer's own record included)."""
    user = current_api_user()
    volunteer = own_volunteer(user)
    record = None
    if volunteer is not None:
        record = public_dict(volunteer, unmasked_for=user)
        record["created_at"] = isoformat(record["created_at"])
    return {**user_brief(user), "username": user.username, "region_name": user.region.name,
            "phone": user.phone, "must_change_password": user.must_change_password,
            "organization_id": user.organization_id, "volunteer": record}


class TemporaryPassword(ma.Schema):
    user_id = ma.fields.Integer()
    temporary_password = ma.fields.String(metadata={
        "description": "shown this once: hand it over in person; it must be changed at the "
                       "first login"})
    must_change_password = ma.fields.Boolean()


@blp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@auth_required(STATION_ADMIN, COUNTY_OFFICIAL, SYSTEM_ADMIN, SECURITY_ADMIN)
@blp.response(200, TemporaryPassword)
def reset_password(user_id):
    """A temporary password for another account, shown once, audited without it: a station
    admin for the township's volunteers, a county official for the county's volunteers and
    station admins, the system and security administrators as in the back office
    (accounts.RESET_BY). Never one's own (403); an account the caller may not reset is a 404."""
    actor = current_api_user()
    if user_id == actor.id:
        raise NotAllowed(_("不能重置自己的密码，请用“修改密码”"))
    user = db.session.get(User, user_id)
    if user is None or not accounts.may_reset_password(actor, user):
        raise NotFound(_("用户不存在"))
    password = accounts.reset_temporary_password(actor, user)
    db.session.commit()
    return {"user_id": user.id, "temporary_password": password, "must_change_password": True}
