"""50 simultaneous redemptions through the API of a live gunicorn with 4 workers on PostgreSQL
(each request its own process connection): exactly the affordable ones pass, the stock never
goes below zero, the balance never below zero, and ledger-check stays clean."""

import json
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from registry.extensions import db
from registry.incentives.models import Redemption, StoreItem
from registry.points import ledger
from registry.volunteers.models import Volunteer
from tests.conftest import PASSWORD, PG_URL
from tests.live_server import gunicorn
from tests.test_incentives_helpers import rich_volunteer, store_with_item

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks between workers need PostgreSQL")
SENT = 50


def call(base, path, body, token=None, key=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if key:
        headers["Idempotency-Key"] = key
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode(),
                                     headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


@pytest.mark.parametrize("points, stock, passes", [(100, 30, 10), (1000, 7, 7)])
def test_fifty_redemptions_through_four_workers(app, database_url, tmp_path, points, stock,
                                                passes):
    with app.app_context():
        _, item = store_with_item(price=10, stock=stock)
        volunteer, username = rich_volunteer(points)
        item_id, volunteer_id = item.id, volunteer.id
        db.session.commit()
    with gunicorn(database_url, tmp_path, RATELIMIT_ENABLED="0") as base:
        status, body = call(base, "/api/v1/auth/token", {"login": username, "password": PASSWORD})
        assert status == 201, body
        token = body["token"]
        with ThreadPoolExecutor(SENT) as pool:
            answers = list(pool.map(
                lambda _: call(base, "/api/v1/store/redemptions",
                               {"item_id": item_id, "quantity": 1}, token, uuid.uuid4().hex),
                range(SENT)))
    statuses = [status for status, _ in answers]
    assert statuses.count(201) == passes and statuses.count(409) == SENT - passes, statuses
    assert all("error" in body for status, body in answers if status == 409)
    with app.app_context():
        assert db.session.get(StoreItem, item_id).stock == stock - passes >= 0
        balance = ledger.balance(db.session.get(Volunteer, volunteer_id)).balance
        assert balance == points - 10 * passes >= 0
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == passes
    assert app.test_cli_runner().invoke(args=["ledger-check"]).exit_code == 0
    assert app.test_cli_runner().invoke(args=["store-check"]).exit_code == 0
