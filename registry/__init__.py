"""The registry application: create_app builds it for development, testing or production."""

import os
from pathlib import Path

from flask import Flask

from config import CONFIGS
from registry import (  # noqa: F401  (audit: session events; notifications: its table)
    admin,
    audit,
    i18n,
    jobs,
    notifications,
    read_only,
)
from registry.areas import AREAS
from registry.cli import register_cli
from registry.errors import register_error_handlers
from registry.extensions import babel, csrf, db, limiter, login_manager, migrate
from registry.request_hooks import BoundedIntConverter, register_request_hooks, select_locale
from registry.views import register_views

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None) -> Flask:
    """Build the app for a configuration name (default: REGISTRY_ENV or development)."""
    config_name = config_name or os.environ.get("REGISTRY_ENV", "development")
    config_class = CONFIGS[config_name]
    config_class.check()
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    app.config.from_object(config_class)
    app.config["ENV_NAME"] = config_name
    app.config.update(overrides or {})
    if not app.config.get("UPLOAD_DIR"):
        app.config["UPLOAD_DIR"] = str(Path(app.instance_path) / "uploads")
    register_extensions(app)
    register_areas(app)
    register_error_handlers(app)
    register_request_hooks(app)
    read_only.init_app(app)
    return app


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                     compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "registry" / "translations"),
    )
    i18n.install(app)
    limiter.init_app(app)
    jobs.init_app(app)


def register_areas(app: Flask) -> None:
    """The kernel's pages, back office and commands, then each area's (registry/areas.py)."""
    register_views(app, [module for area in AREAS for module in area.pages])
    admin.init_admin(app, [view for area in AREAS for view in area.admin.admin_views()])
    register_cli(app)
    for area in AREAS:
        area.cli.register(app)
    app.extensions["registry_demo_seeds"] = [area.demo.seed for area in AREAS]

    @app.context_processor
    def area_templates():
        return {"areas": AREAS}
