"""The organizations area's part of the logged-in home page: officials' applications waiting
for a decision, a representative's application and what to do next (no routes)."""

from flask import Blueprint, current_app
from flask_login import current_user

from registry.models import OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations import operations as orgs

bp = Blueprint("organizations_home", __name__)


@bp.app_context_processor
def organization_helpers():
    """organizations_home_work(): the figures templates/organizations/_home_cards.html shows."""
    return {"organizations_home_work": _home_work}


def _home_work() -> dict:
    if not current_user.is_authenticated:
        return {}
    if current_user.role in OFFICIAL_ROLES:
        return {"pending": orgs.pending_count(current_user,
                                              current_app.config["HOME_COUNT_CAP"])}
    if current_user.role == ORG_ADMIN:
        state = orgs.applicant_state(current_user)
        return {"org": state[0], "reason": state[1]} if state else {}
    return {}
