"""Staff's everyday work on volunteers: the review backlog their home page counts, and a
forgotten password reset at the station (there is no SMS)."""

from flask import current_app

from registry import accounts
from registry.errors import Conflict, NotFound
from registry.i18n import gettext as _
from registry.models import User
from registry.pagination import capped_count
from registry.scoping import get_visible
from registry.volunteers.models import Volunteer
from registry.volunteers.operations import STAFF, pending_stmt


def pending_count(user: User) -> int | None:
    """How many wait for review in user's jurisdiction (the list's ?status=pending), counted
    up to HOME_COUNT_CAP: None means more."""
    return capped_count(pending_stmt(user), current_app.config["HOME_COUNT_CAP"])


def reset_password(staff: User, volunteer: Volunteer) -> str:
    """A temporary password for a volunteer's login, to hand over in person; who may is
    accounts.RESET_IN_REGION (the township's station admin, the county's official)."""
    if staff.role not in STAFF or get_visible(staff, Volunteer, volunteer.id) is None:
        raise NotFound(_("志愿者不存在"))
    if volunteer.user is None:
        raise Conflict(_("该志愿者尚未开通登录账号，请先开通"))
    return accounts.reset_temporary_password(staff, volunteer.user)
