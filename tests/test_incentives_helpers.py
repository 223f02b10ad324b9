"""Builders for the store tests (no tests here): stores with items, volunteers with points."""

from test_activities_helpers import make_admin, make_station, make_volunteer

from registry.extensions import db
from registry.incentives import store
from registry.points import ledger

__all__ = ["make_admin", "make_station", "make_volunteer", "store_with_item", "rich_volunteer"]


def store_with_item(township="511302001", price=10, stock=5, name="大米 5 公斤"):
    """A station, its admin and one item; returns (admin, item)."""
    make_station(township)
    admin = make_admin(township)
    item = store.create_item(admin, {"name": name, "points_price": price, "stock": stock})
    return admin, item


def rich_volunteer(points, township="511302001", ref=None):
    """An active volunteer with a login and `points` earned; returns (volunteer, username)."""
    volunteer, username = make_volunteer(township)
    if points:
        ledger.credit(volunteer, points, "earn", "测试积分", ref)
    db.session.flush()
    return volunteer, username
