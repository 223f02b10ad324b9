"""Shared set-up for the support-area tests: people in two counties and their organizations."""

import pytest
from sqlalchemy import select

from registry import audit
from registry.extensions import db
from registry.models import AuditEntry, User
from registry.organizations.models import Organization


def user(name: str) -> User:
    """The user, who is also the actor of what follows (as a request would set it)."""
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


def org_id(name: str) -> int:
    return db.session.scalar(select(Organization.id).where(Organization.name == name))


def audit_rows(obj_type: str) -> int:
    return len(list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == obj_type))))


ORGS = (
    ("顺庆区阳光社工中心", "511302", "approved", "52511302MJ1234561U"),
    ("顺庆区助老协会", "511302001", "approved", None),
    ("高坪区乐龄中心", "511303", "approved", None),
    ("顺庆区已注销协会", "511302", "deregistered", None),
)


@pytest.fixture
def world(app, make_user):
    """Officials of the city, 顺庆区 and 高坪区, a station admin, two org representatives."""
    names = {
        "city": make_user("city_official", "511300", "city1"),
        "sq": make_user("county_official", "511302", "sq1"),
        "gp": make_user("county_official", "511303", "gp1"),
        "station": make_user("station_admin", "511302001", "st1"),
        "rep": make_user("org_admin", "511300", "rep1"),
        "rep_gp": make_user("org_admin", "511300", "rep2"),
    }
    with app.app_context():
        ids = {}
        for name, region, status, uscc in ORGS:
            org = Organization(name=name, org_type="social_service", region_code=region,
                               status=status, uscc=uscc)
            db.session.add(org)
            db.session.flush()
            ids[name] = org.id
        for username, org_name in (("rep1", "顺庆区阳光社工中心"), ("rep2", "高坪区乐龄中心")):
            db.session.scalar(select(User).where(User.username == username)).organization_id = \
                ids[org_name]
        db.session.commit()
    return names
