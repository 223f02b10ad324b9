"""Who may open a page: the one place for page access decorators."""

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




