"""The translation calls every module and template uses: Flask-Babel's catalogue, found per
call through Flask's context variable instead of Flask-Babel's proxies.

Flask-Babel looks its domain and catalogue up again on every call (`g` through a proxy, twice);
at 5 µs a call that was a tenth of a list page. The answers are the same: the catalogue of the
request's locale, which `force_locale` and `refresh` still change (they replace the locale the
cached catalogue is checked against)."""

from flask.globals import _cv_app
from flask_babel import speaklater, support

from registry.extensions import babel


def translations():
    """The current locale's catalogue (NullTranslations outside an app context)."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return support.NullTranslations()
    namespace = app_ctx.g.__dict__.get("_flask_babel")  # Flask-Babel's per-context namespace
    if namespace is not None:
        cached = namespace.__dict__.get("registry_translations")
        locale = namespace.__dict__.get("babel_locale")
        if cached is not None and locale is not None and cached[0] is locale:
            return cached[1]
    return babel.domain_instance.get_translations()  # finds and caches it (extensions.py)


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> speaklater.LazyString:
    """A text translated when shown, in the language of the request that shows it."""
    return speaklater.LazyString(gettext, string, **variables)


def install(app) -> None:
    """Templates' _() and ngettext through the same lookup."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n))
