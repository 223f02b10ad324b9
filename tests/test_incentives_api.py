"""The store API: items, redemptions (201 with balance_after, 409 nothing moved, 422 bad
input), Idempotency-Key, cancellation, /me/points expiring_soon, households, settlement."""

from datetime import timedelta

from sqlalchemy import func, select, update
from test_incentives_helpers import make_station, rich_volunteer, store_with_item

from registry import accounts
from registry.clock import utcnow
from registry.extensions import db
from registry.incentives.models import Redemption, StoreItem
from registry.points import ledger
from registry.points.models import PointsLedgerEntry
from registry.points.operations import rebuild_summaries
from tests.conftest import PASSWORD


def auth(api, login):
    """The Authorization header of a fresh token for login."""
    return {"Authorization": f"Bearer {api.token(login)}"}


def setup_store(app, points=100, price=10, stock=5, township="511302001"):
    with app.app_context():
        admin, item = store_with_item(township, price=price, stock=stock)
        volunteer, login = rich_volunteer(points)
        db.session.commit()
        return admin.username, item.id, volunteer.id, login


def test_items_are_created_by_the_station_and_listed_for_volunteers(app, api):
    admin, item_id, _, login = setup_store(app)
    token = auth(api, admin)
    response = api.post("/api/v1/store/items", json={"name": "食用油", "points_price": 40,
                                                      "stock": 3}, headers=token)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["stock"] == 3
    for bad in ({"points_price": 0}, {"points_price": -1}, {"stock": -2},
                {"points_price": 2**40}, {"points_price": "10"}):
        body = {"name": "食用油", "points_price": 40, "stock": 3, **bad}
        answer = api.post("/api/v1/store/items", json=body, headers=token)
        assert answer.status_code == 422, (bad, answer.get_json())
        assert answer.get_json()["error"]["fields"]
    listed = api.get("/api/v1/store/items", headers=auth(api, login)).get_json()
    assert {i["name"] for i in listed["items"]} == {"大米 5 公斤", "食用油"}
    assert api.post("/api/v1/store/items", json={"name": "x", "points_price": 1},
                    headers=auth(api, login)).status_code == 403


def test_a_redemption_answers_201_with_the_balance_after(app, api):
    _, item_id, volunteer_id, login = setup_store(app, points=100)
    token = auth(api, login)
    response = api.post("/api/v1/store/redemptions", json={"item_id": item_id, "quantity": 3},
                        headers=token)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["status"], body["points"], body["balance_after"]) == ("reserved", 30, 70)
    assert api.get("/api/v1/me/points", headers=token).get_json()["balance"] == 70


def test_too_few_points_or_stock_is_409_and_moves_nothing(app, api):
    _, item_id, volunteer_id, login = setup_store(app, points=25, stock=5)
    token = auth(api, login)
    for quantity in (3, 6):
        response = api.post("/api/v1/store/redemptions",
                            json={"item_id": item_id, "quantity": quantity}, headers=token)
        assert response.status_code == 409
        assert response.get_json()["error"]["code"] == "conflict"
    for quantity in (0, -1, 2**40, "1"):
        response = api.post("/api/v1/store/redemptions",
                            json={"item_id": item_id, "quantity": quantity}, headers=token)
        assert response.status_code == 422
    assert api.post("/api/v1/store/redemptions", json={"item_id": 999999},
                    headers=token).status_code == 404
    with app.app_context():
        assert db.session.get(StoreItem, item_id).stock == 5
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 0
        assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 1


def test_the_same_idempotency_key_redeems_once(app, api):
    _, item_id, _, login = setup_store(app, points=100)
    headers = {**auth(api, login), "Idempotency-Key": "redeem-1"}
    first = api.post("/api/v1/store/redemptions", json={"item_id": item_id, "quantity": 2},
                     headers=headers)
    again = api.post("/api/v1/store/redemptions", json={"item_id": item_id, "quantity": 2},
                     headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    other = api.post("/api/v1/store/redemptions", json={"item_id": item_id, "quantity": 1},
                     headers=headers)
    assert other.status_code == 422
    with app.app_context():
        assert db.session.get(StoreItem, item_id).stock == 3
        assert db.session.scalar(select(func.count()).select_from(Redemption)) == 1


def test_the_counter_redeems_with_the_volunteers_code_and_cancels_the_same_day(app, api):
    admin, item_id, volunteer_id, login = setup_store(app, points=100)
    volunteer_token = auth(api, login)
    me = app.test_client()
    with app.app_context():
        from registry.incentives.redemptions import member_code
        from registry.volunteers.models import Volunteer
        code = member_code(db.session.get(Volunteer, volunteer_id))
    token = auth(api, admin)
    response = api.post("/api/v1/store/redemptions",
                        json={"item_id": item_id, "quantity": 1, "volunteer_code": code},
                        headers=token)
    assert response.status_code == 201 and response.get_json()["status"] == "fulfilled"
    rid = response.get_json()["id"]
    cancel = api.post(f"/api/v1/store/redemptions/{rid}/cancel", json={"reason": "退货"},
                      headers={**token, "Idempotency-Key": "cancel-1"})
    assert cancel.status_code == 200 and cancel.get_json()["status"] == "cancelled"
    assert api.post(f"/api/v1/store/redemptions/{rid}/cancel", json={"reason": "退货"},
                    headers={**token, "Idempotency-Key": "cancel-1"}).status_code == 200
    assert api.post(f"/api/v1/store/redemptions/{rid}/cancel", json={},
                    headers=token).status_code == 409
    assert api.get("/api/v1/me/points", headers=volunteer_token).get_json()["balance"] == 100
    second = api.post("/api/v1/store/redemptions", json={"item_id": item_id},
                      headers=volunteer_token).get_json()
    with app.app_context():
        db.session.execute(update(Redemption).where(Redemption.id == second["id"]).values(
            created_at=utcnow() - timedelta(days=2)))
        db.session.commit()
    late = api.post(f"/api/v1/store/redemptions/{second['id']}/cancel", json={},
                    headers=token)
    assert late.status_code == 409 and "当天" in late.get_json()["error"]["message"]
    assert me is not None


def test_a_foreign_redemption_is_404(app, api):
    _, item_id, _, login = setup_store(app)
    rid = api.post("/api/v1/store/redemptions", json={"item_id": item_id},
                   headers=auth(api, login)).get_json()["id"]
    with app.app_context():
        make_station("511302002")
        other, _ = accounts.create_user("admin-far", PASSWORD, "station_admin", "511302002",
                                        "站长")
        _, stranger = rich_volunteer(0)
        db.session.commit()
    assert api.get(f"/api/v1/store/redemptions/{rid}",
                   headers=auth(api, "admin-far")).status_code == 404
    assert api.post(f"/api/v1/store/redemptions/{rid}/cancel", json={},
                    headers=auth(api, stranger)).status_code == 404


def test_me_points_fills_expiring_soon(app, api):
    _, _, volunteer_id, login = setup_store(app, points=60)
    with app.app_context():
        db.session.execute(update(PointsLedgerEntry).values(
            created_at=utcnow() - timedelta(days=710)))
        rebuild_summaries()  # history rewritten behind the ledger: its summaries too
        db.session.commit()
    body = api.get("/api/v1/me/points", headers=auth(api, login)).get_json()
    assert body == {"balance": 60, "earned": 60, "spent": 0, "expired": 0,
                    "expiring_soon": 60}


def test_households_through_the_api(app, api):
    admin, item_id, volunteer_id, login = setup_store(app, points=50, price=20)
    with app.app_context():
        member, member_login = rich_volunteer(10)
        member_id = member.id
        db.session.commit()
    token = auth(api, admin)
    created = api.post("/api/v1/households", json={"head_volunteer_id": volunteer_id},
                       headers=token)
    assert created.status_code == 201, created.get_json()
    hid = created.get_json()["id"]
    assert api.post(f"/api/v1/households/{hid}/members", json={"volunteer_id": member_id},
                    headers=token).status_code == 201
    again = api.post("/api/v1/households", json={"head_volunteer_id": member_id},
                     headers=token)
    assert again.status_code == 409   # one household per person
    mine = auth(api, member_login)
    moved = api.post("/api/v1/me/household/transfers", json={"points": 10},
                     headers={**mine, "Idempotency-Key": "tf-1"})
    assert moved.status_code == 201 and moved.get_json()["pool_balance_after"] == 10
    assert api.post("/api/v1/me/household/transfers", json={"points": 10},
                    headers={**mine, "Idempotency-Key": "tf-1"}).status_code == 201
    assert api.post("/api/v1/me/household/transfers", json={"points": 1},
                    headers=mine).status_code == 409
    head = auth(api, login)
    api.post("/api/v1/me/household/transfers", json={"points": 10}, headers=head)
    r = api.post("/api/v1/store/redemptions",
                 json={"item_id": item_id, "from_household": True}, headers=head)
    assert r.status_code == 201 and r.get_json()["balance_after"] == 0
    household = api.get("/api/v1/me/household", headers=mine).get_json()["household"]
    assert household["balance"] == 0 and len(household["members"]) == 2
    pool = api.get("/api/v1/me/household/ledger", headers=mine).get_json()
    assert [e["kind"] for e in pool["items"]] == ["redeem", "pool_in", "pool_in"]
    with app.app_context():
        assert ledger.balance(db.session.get(ledger.Volunteer, member_id)).balance == 0
    assert app.test_cli_runner().invoke(args=["ledger-check"]).exit_code == 0


def test_settlement_api_for_officials(app, api):
    _, item_id, _, login = setup_store(app, points=50)
    api.post("/api/v1/store/redemptions", json={"item_id": item_id}, headers=auth(api, login))
    with app.app_context():
        accounts.create_user("city-settle", PASSWORD, "city_official", "511300", "市")
        db.session.commit()
    body = api.get("/api/v1/store/settlement", headers=auth(api, "city-settle")).get_json()
    assert body["pairs"][0]["points"] == 10
    assert api.get("/api/v1/store/settlement?month=2026-13",
                   headers=auth(api, "city-settle")).status_code == 422
    assert api.get("/api/v1/store/settlement",
                   headers=auth(api, login)).status_code == 403
