"""50 simultaneous redemptions on PostgreSQL (threads, each with its own connection): exactly
the affordable ones pass, the stock never goes below zero, ledger-check stays clean."""

import pytest
from conftest import PG_URL
from sqlalchemy import func, select
from test_activities_concurrency import run_all
from test_incentives_helpers import rich_volunteer, store_with_item

from registry.extensions import db
from registry.incentives import redemptions
from registry.incentives.models import Redemption, StoreItem
from registry.models import User
from registry.points import ledger
from registry.points.models import PointsLedgerEntry
from registry.volunteers.models import Volunteer

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL")


def fire(app, item_id, volunteer_id, username, count=50):
    def call():
        user = db.session.scalar(select(User).where(User.username == username))
        redemptions.redeem(user, db.session.get(Volunteer, volunteer_id),
                           db.session.get(StoreItem, item_id), 1)
    return run_all(app, [call] * count)


@pytest.mark.parametrize("points, stock, passes", [(100, 30, 10), (1000, 7, 7)])
def test_fifty_redemptions_at_once(app, points, stock, passes):
    with app.app_context():
        _, item = store_with_item(price=10, stock=stock)
        volunteer, username = rich_volunteer(points)
        ids = item.id, volunteer.id
        db.session.commit()
    results = fire(app, *ids, username)
    assert results.count("ok") == passes and results.count(409) == 50 - passes
    with app.app_context():
        item = db.session.get(StoreItem, ids[0])
        volunteer = db.session.get(Volunteer, ids[1])
        assert item.stock == stock - passes >= 0
        assert ledger.balance(volunteer).balance == points - 10 * passes >= 0
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == passes
        assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry).where(
            PointsLedgerEntry.kind == "redeem")) == passes
    assert app.test_cli_runner().invoke(args=["ledger-check"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["store-check"]).exit_code == 0
