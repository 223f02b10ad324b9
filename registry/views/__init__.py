"""The web faces: the kernel's pages (login, home, audit log, message centre) and the JSON API;
each area's pages come from registry/areas.py."""

from flask import Flask

from registry.views import audit_log, auth, jobs, main, notifications
from registry.views.api import auth as api_auth  # noqa: F401  (adds the token endpoints)
from registry.views.api import init_api


def register_views(app: Flask, area_pages) -> None:
    """Register the kernel's blueprints, the API, then each area's page blueprints."""
    for module in (auth, main, audit_log, jobs, notifications):
        app.register_blueprint(module.bp)
    init_api(app)
    for module in area_pages:
        app.register_blueprint(module.bp)
