"""Shared set-up for the purchased-service projects' tests: a published directory in force,
officials of the city and two counties, an organization's representative, providers."""

import pytest
from sqlalchemy import select

from registry import audit
from registry.extensions import db
from registry.models import User
from registry.organizations.models import Organization
from registry.purchasing import directory
from registry.purchasing.models import PurchasedServiceProject

TREE = (("A", 1, "", "基本公共服务"), ("A01", 2, "A", "养老服务"),
        ("A0101", 3, "A01", "居家养老"), ("B", 1, "", "辅助性服务"), ("B01", 2, "B", "法律服务"))
ORGS = (("顺庆区阳光社工中心", "511302", "approved", False),
        ("高坪区乐龄中心", "511303", "approved", False),
        ("异常名录协会", "511302", "approved", True),
        ("申请中协会", "511302", "submitted", False))


def user(name: str) -> User:
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


def org_id(name: str) -> int:
    return db.session.scalar(select(Organization.id).where(Organization.name == name))


def project_data(**changes) -> dict:
    data = {"title": "居家养老上门服务", "item_code": "A0101", "purchaser": "顺庆区民政局",
            "provider_id": org_id("顺庆区阳光社工中心"), "procurement_method": "open_tender",
            "contract_no": "SQ-2025-001", "amount_fen": 10_000_000, "starts_on": "2025-01-01",
            "ends_on": "2025-12-31", "year": 2025}
    data.update(changes)
    return data


def signed(project: PurchasedServiceProject, who: User, upto: str = "signed") -> None:
    from registry.purchasing import projects

    for name, state in (("procure", "procurement"), ("sign", "signed"),
                        ("perform", "performing"), ("accept", "accepted"),
                        ("evaluate", "evaluating")):
        if project.status == upto:
            return
        projects.move(who, project, name)
        assert project.status == state


@pytest.fixture
def pworld(app, make_user):
    names = {"city": make_user("city_official", "511300", "pcity"),
             "sq": make_user("county_official", "511302", "psq"),
             "gp": make_user("county_official", "511303", "pgp"),
             "station": make_user("station_admin", "511302001", "pstation"),
             "rep": make_user("org_admin", "511300", "prep")}
    with app.app_context():
        city = user("pcity")
        edition = directory.create_edition(city, 2025)
        for code, level, parent, name in TREE:
            directory.save_item(city, edition, {"code": code, "level": level,
                                                "parent_code": parent, "name": name})
        directory.publish(city, edition)
        for name, region, status, abnormal in ORGS:
            db.session.add(Organization(name=name, org_type="social_service",
                                        region_code=region, status=status,
                                        abnormal_listed=abnormal))
        db.session.flush()
        user("prep").organization_id = org_id("顺庆区阳光社工中心")
        db.session.commit()
    return names
