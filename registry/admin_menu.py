"""The back office's main menu, drawn once per role, language and page (it reads no data), its
lists' filters, built once per language, and its static files' URLs, built once.

Flask-Admin draws the menu on every page, asking each of ~50 views whether the user may open it.
"""

from flask import current_app, render_template_string, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

MENU = "{% import 'admin/layout.html' as layout with context %}{{ layout.menu() }}"


def menu_html(admin_view) -> Markup:
    """The menu as Flask-Admin's layout.menu() draws it for this user's role and page."""
    cache = current_app.extensions.setdefault("admin_menu_html", {})
    # who may open a view depends on the role alone (admin.StaffOnly.is_accessible)
    key = (current_user.role, str(get_locale()), admin_view.endpoint)
    if key not in cache:
        cache[key] = Markup(render_template_string(MENU, admin_view=admin_view))
    return cache[key]


def static_url(admin_view, kwargs: dict) -> str:
    """A Flask-Admin static file's URL (templates/admin/static.html), built once per file:
    a list page names about twenty."""
    cache = current_app.extensions.setdefault("admin_static_urls", {})
    key = (request.script_root, admin_view.admin.endpoint, tuple(sorted(kwargs.items())))
    if key not in cache:
        cache[key] = admin_view.get_url(f"{admin_view.admin.endpoint}.static", **kwargs)
    return cache[key]


def filter_groups(admin_view, build):
    """A list's filters as the page's script reads them, built once per view and language:
    their options are fixed when the view is made, only the labels' language changes."""
    cache = current_app.extensions.setdefault("admin_filter_groups", {})
    key = (admin_view.endpoint, str(get_locale()))
    if key not in cache:
        cache[key] = build()
    return cache[key]
