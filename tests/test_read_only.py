"""A request that wrote nothing ends with COMMIT; one that wrote, or left a change unflushed,
keeps the rollback (registry/read_only.py)."""

from sqlalchemy import select, update

from registry.extensions import db
from registry.models import Region


def _route(app, name, view):
    app.add_url_rule(f"/_test/{name}", name, view)


def test_a_write_the_view_did_not_commit_is_never_saved(app):
    def flushed_not_committed():
        db.session.execute(update(Region).where(Region.code == "511302").values(name="改名"))
        return "ok"

    def changed_not_flushed():
        db.session.get(Region, "511302").name = "又改名"
        return "ok"

    _route(app, "flushed", flushed_not_committed)
    _route(app, "unflushed", changed_not_flushed)
    client = app.test_client()
    assert client.get("/_test/flushed").status_code == 200
    assert client.get("/_test/unflushed").status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Region.name).where(Region.code == "511302")) == "顺庆区"


def test_a_read_only_request_ends_its_transaction_before_the_session_is_closed(app):
    seen = {}

    def read():
        db.session.scalar(select(Region.name).where(Region.code == "511302"))
        return "ok"

    _route(app, "read", read)
    # teardown_request runs after the response is made and before the session is removed
    app.teardown_request(lambda exc: seen.setdefault("open", db.session().in_transaction()))
    assert app.test_client().get("/_test/read").status_code == 200
    assert seen["open"] is False
