"""Extension instances, bound to the app in create_app."""

from functools import cached_property

import flask_babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class RequestCachedDomain(flask_babel.Domain):
    """The default message domain, its translations looked up once per request and locale.

    Flask-Babel finds them again on every gettext call (five context lookups and a locale
    formatted as text); a list page translates a thousand strings.
    """

    def get_translations(self):
        ctx = flask_babel._get_current_context()  # Flask-Babel's own per-request namespace
        if ctx is None:
            return super().get_translations()
        cached = getattr(ctx, "registry_translations", None)
        locale = getattr(ctx, "babel_locale", None)
        # force_locale() and refresh() replace babel_locale, which ends the cached entry
        if cached is not None and locale is not None and cached[0] is locale:
            return cached[1]
        translations = super().get_translations()
        ctx.registry_translations = (getattr(ctx, "babel_locale", None), translations)
        return translations


class Babel(flask_babel.Babel):
    """Flask-Babel with the request-cached default domain."""

    @cached_property
    def domain_instance(self):
        return RequestCachedDomain(domain=self.domain)


class Base(DeclarativeBase):
    """Declarative base with a naming convention so migrations name constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)
