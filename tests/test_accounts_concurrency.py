"""Lockout with several workers, on PostgreSQL: 20 wrong passwords at the same moment lock
after 5 tries, not 20, for a real account and for a name no account has."""

import threading

import pytest
from conftest import PG_URL
from sqlalchemy import select

from registry import accounts
from registry.errors import RegistryError
from registry.extensions import db
from registry.models import LoginFailure, User

pytestmark = pytest.mark.skipif(not PG_URL, reason="row locks need PostgreSQL")
TRIES = 20


def wrong_passwords_at_once(app, login):
    """TRIES threads, each its own app context and transaction, try a wrong password at once."""
    barrier = threading.Barrier(TRIES)
    messages = []

    def worker():
        with app.app_context():
            barrier.wait()
            try:
                accounts.authenticate(login, "Wrong#Passw0rd")
            except RegistryError as error:
                db.session.rollback()
                messages.append(error.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(TRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return messages


def assert_locked_after_five(messages):
    assert len(messages) == TRIES
    assert sum("再错" in m for m in messages) == 4
    assert sum("已锁定 30 分钟" in m for m in messages) == 1
    assert sum("分钟后再试" in m for m in messages) == TRIES - 5


def test_twenty_parallel_wrong_passwords_lock_after_five(app, make_user):
    username = make_user("county_official", "511302")
    assert_locked_after_five(wrong_passwords_at_once(app, username))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        assert user.locked_until is not None


def test_an_unknown_name_locks_after_five_too(app):
    assert_locked_after_five(wrong_passwords_at_once(app, "13911112222"))
    with app.app_context():
        assert db.session.scalar(select(LoginFailure.locked_until)) is not None
