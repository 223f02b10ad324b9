"""Concurrent sign-ups and confirmations on PostgreSQL: the activity row lock holds."""

import threading
from datetime import timedelta

import pytest
from conftest import PG_URL
from sqlalchemy import func, select
from test_activities_helpers import make_activity, make_admin, make_station, make_volunteer

from registry.activities import service_records, signups
from registry.activities.models import Activity, ServiceRecord, Signup
from registry.errors import RegistryError
from registry.extensions import db
from registry.models import User
from registry.points.models import PointsLedgerEntry
from registry.volunteers.models import Volunteer

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL")


def run_all(app, calls):
    """Run each call in its own thread, app context and transaction, all at once."""
    barrier = threading.Barrier(len(calls))
    results = []

    def worker(call):
        with app.app_context():
            barrier.wait()
            try:
                call()
                db.session.commit()
                results.append("ok")
            except RegistryError as error:
                db.session.rollback()
                results.append(error.status)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_last_places_are_not_oversold(app):
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        activity_id = make_activity(admin, capacity=3).id
        names = [make_volunteer()[1] for _ in range(10)]
        db.session.commit()

    def signer(name):
        def call():
            user = db.session.scalar(select(User).where(User.username == name))
            signups.sign_up(user, db.session.get(Activity, activity_id))
        return call

    results = run_all(app, [signer(name) for name in names])
    assert results.count("ok") == 10
    with app.app_context():
        counts = dict(db.session.execute(select(Signup.status, func.count()).group_by(
            Signup.status)).all())
        assert counts == {"signed_up": 3, "waitlisted": 7}


def test_confirming_twice_at_once_credits_once(app):
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        activity_id = make_activity(admin, start_in=timedelta(hours=-3)).id
        volunteer_id = make_volunteer()[0].id
        admin_id = admin.id
        db.session.commit()

    def confirm():
        service_records.confirm_service(db.session.get(User, admin_id),
                                   db.session.get(Activity, activity_id),
                                   db.session.get(Volunteer, volunteer_id), 60, "现场参加")

    results = run_all(app, [confirm for _ in range(6)])
    assert results.count("ok") == 1 and results.count(409) == 5
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ServiceRecord)) == 1
        assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 1


def test_same_idempotency_key_at_once_moves_once(app, api):
    with app.app_context():
        make_station("511302001")
        admin = make_admin("511302001")
        activity_id = make_activity(admin, start_in=timedelta(hours=-3)).id
        volunteer_id = make_volunteer()[0].id
        username = admin.username
        db.session.commit()
    token = api.token(username)
    url = f"/api/v1/activities/{activity_id}/service-records"
    barrier = threading.Barrier(5)
    answers = []

    def worker():
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json={"volunteer_id": volunteer_id, "minutes": 60,
                                          "reason": "现场参加"},
                               headers={"Authorization": f"Bearer {token}",
                                        "Idempotency-Key": "same-key-1"})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=worker) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in answers] == [201] * 5
    assert len({str(body) for _, body in answers}) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PointsLedgerEntry)) == 1
