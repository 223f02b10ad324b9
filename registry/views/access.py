"""Who may open a page: the one place for page access rules. A page names its roles with
@roles(...); a rule that depends on the row (the activity's organizer, the incubator's operator)
is checked with require(...) once the row is loaded (a foreign row is already a 404)."""

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles(*allowed: str):
    """A page for logged-in users with one of the allowed roles; others get 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapper(*args, **kwargs):
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def require(allowed: bool) -> None:
    """403 unless a rule about the loaded row holds for the current user."""
    if not allowed:
        abort(403)
