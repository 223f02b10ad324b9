"""Blueprints, one per area; register_views wires them all."""

from flask import Flask


def register_views(app: Flask) -> None:
    from registry.views import api, audit_log, auth, main

    app.register_blueprint(auth.bp)
    app.register_blueprint(main.bp)
    app.register_blueprint(audit_log.bp)
    api.init_api(app)
    for module in _area_modules():
        app.register_blueprint(module.bp)


def _area_modules():
    """Area blueprints added by later features (organizations, volunteers, ...)."""
    import importlib
    import pkgutil

    import registry.views as views

    core = {"api", "audit_log", "auth", "main"}
    for info in pkgutil.iter_modules(views.__path__):
        if info.name not in core:
            module = importlib.import_module(f"registry.views.{info.name}")
            if hasattr(module, "bp"):
                yield module
