"""Builders for the activity tests (no tests here): stations, volunteers with logins, activities."""

import itertools
from datetime import date, timedelta

import pytest
from conftest import PASSWORD
from stdnum.cn import ric

from registry import accounts
from registry.activities import operations as activities
from registry.clock import to_local, utcnow
from registry.crypto import encrypt, lookup_hash
from registry.extensions import db
from registry.masking import mask_id_number
from registry.models import User
from registry.volunteers.models import Station, Volunteer

_seq = itertools.count(1)


def make_station(township="511302001", name=None) -> Station:
    station = Station(name=name or f"测试志愿服务站{township[-3:]}", township_code=township,
                      address="测试路 1 号", contact_name="陈站长", contact_phone="13800000000")
    db.session.add(station)
    db.session.flush()
    return station


def make_admin(township="511302001") -> User:
    user, _ = accounts.create_user(f"admin{next(_seq)}x{township}", PASSWORD, "station_admin",
                                   township, "站长")
    return user


def id_number(n: int) -> str:
    body = f"511302199503{n % 28 + 1:02d}{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def make_volunteer(township="511302001", status="active", name="张三丰", login=True):
    """A volunteer (and their login when login=True); returns (volunteer, username)."""
    n = next(_seq)
    number = id_number(n * 7919)
    username = None
    user = None
    if login:
        username = f"vol{n}x{township}"
        user, _ = accounts.create_user(username, PASSWORD, "volunteer", township, name,
                                       phone=f"139{n:08d}")
    volunteer = Volunteer(
        user_id=user.id if user else None, volunteer_no=f"V{township}{n:05d}", name=name,
        id_number_encrypted=encrypt(number), id_number_hash=lookup_hash(number),
        id_number_masked=mask_id_number(number), gender="M", birth_date=date(1995, 3, 1),
        phone=f"139{n:08d}", township_code=township, status=status,
    )
    db.session.add(volunteer)
    db.session.flush()
    return volunteer, username


def local_str(value) -> str:
    return to_local(value).strftime("%Y-%m-%dT%H:%M")


def activity_data(start_in=timedelta(days=1), length=timedelta(hours=2), **changes) -> dict:
    starts = utcnow() + start_in
    data = {"title": "社区敬老助餐", "content": "为高龄老人送餐", "address": "和平社区活动室",
            "starts_at": local_str(starts), "ends_at": local_str(starts + length),
            "capacity": 2, "category": "elderly", "points_per_hour": 10}
    data.update(changes)
    return data


def make_activity(admin: User, publish=True, **kwargs):
    return activities.create_activity(admin, activity_data(**kwargs), publish=publish)


@pytest.fixture
def browser(app):
    """A browser that starts a fresh session whenever it logs in as someone else."""
    from conftest import Browser

    class Switching(Browser):
        def login(self, username, **kwargs):
            self.client = app.test_client()
            self.token = None
            return super().login(username, **kwargs)

    return Switching(app.test_client())


def enrol(activity, volunteer, status="signed_up", **fields):
    """A sign-up row as the volunteer's own sign-up (or check-in) left it, for activities that
    have already begun, where sign_up() itself is closed."""
    from registry.activities.models import Signup

    signup = Signup(activity_id=activity.id, volunteer_id=volunteer.id,
                    township_code=activity.township_code, status=status, **fields)
    db.session.add(signup)
    db.session.flush()
    return signup
