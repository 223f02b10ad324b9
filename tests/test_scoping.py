"""The jurisdiction matrix: each role sees exactly its rows, and a foreign id is a 404."""

from datetime import date

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from registry import accounts, crypto
from registry.extensions import db
from registry.models import AuditEntry, Region, User
from registry.organizations.models import Organization
from registry.scoping import get_visible, get_visible_or_404, region_visible, visible_select
from registry.volunteers.models import Station, Volunteer

SHUNQING_TOWN, GAOPING_TOWN = "511302001", "511303001"


def _volunteer(name, township, user_id=None):
    number = f"{township[:6]}1990010{len(name)}00"
    from stdnum.cn import ric

    number = number[:17] + ric.calc_check_digit(number[:17] + "0")
    return Volunteer(user_id=user_id, volunteer_no=f"V{township}{len(name)}", name=name,
                     id_number_encrypted=crypto.encrypt(number),
                     id_number_hash=crypto.lookup_hash(number + name),
                     id_number_masked=number, gender="M", birth_date=date(1990, 1, 1),
                     phone="13800000000", township_code=township, status="active")


@pytest.fixture
def world(app):
    """Rows in 顺庆区 and 高坪区 and one user of each role; returns ids by name."""
    with app.app_context():
        users = {}
        for role, region in [("system_admin", "511300"), ("auditor", "511300"),
                             ("city_official", "511300"), ("county_official", "511302"),
                             ("county_official", "511303"), ("station_admin", SHUNQING_TOWN),
                             ("station_admin", GAOPING_TOWN), ("volunteer", SHUNQING_TOWN),
                             ("org_admin", "511302")]:
            user, _ = accounts.create_user(f"{role}{region}", "Test#Passw0rd", role, region,
                                           "测试")
            users[(role, region)] = user
        orgs = [Organization(name="顺庆区社工协会", org_type="social_group", region_code="511302",
                             status="approved"),
                Organization(name="高坪区养老服务中心", org_type="social_service",
                             region_code="511303", status="approved"),
                Organization(name="中城街道邻里互助会", org_type="community",
                             region_code=SHUNQING_TOWN, status="submitted")]
        db.session.add_all(orgs)
        db.session.flush()
        users[("org_admin", "511302")].organization_id = orgs[0].id
        stations = [Station(name="中城街道志愿服务站", township_code=SHUNQING_TOWN),
                    Station(name="白塔街道志愿服务站", township_code=GAOPING_TOWN)]
        db.session.add_all(stations)
        own = _volunteer("张三", SHUNQING_TOWN, users[("volunteer", SHUNQING_TOWN)].id)
        db.session.add_all([own, _volunteer("李四四", GAOPING_TOWN)])
        db.session.commit()
        return {"users": {k: v.id for k, v in users.items()}}


def _names(user, model, column):
    return sorted(db.session.scalars(visible_select(user, model).with_only_columns(column)))


EXPECTED = {
    ("city_official", "511300"): (
        ["中城街道邻里互助会", "顺庆区社工协会", "高坪区养老服务中心"],
        ["中城街道志愿服务站", "白塔街道志愿服务站"], ["张三", "李四四"]),
    ("county_official", "511302"): (
        ["中城街道邻里互助会", "顺庆区社工协会"], ["中城街道志愿服务站"], ["张三"]),
    ("county_official", "511303"): (["高坪区养老服务中心"], ["白塔街道志愿服务站"], ["李四四"]),
    ("station_admin", SHUNQING_TOWN): (["中城街道邻里互助会"], ["中城街道志愿服务站"], ["张三"]),
    ("station_admin", GAOPING_TOWN): ([], ["白塔街道志愿服务站"], ["李四四"]),
    ("volunteer", SHUNQING_TOWN): ([], [], ["张三"]),
    ("org_admin", "511302"): (["顺庆区社工协会"], [], []),
    ("system_admin", "511300"): ([], [], []),
    ("auditor", "511300"): ([], [], []),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_each_role_sees_exactly_its_rows(app, world, who):
    with app.app_context():
        user = db.session.get(User, world["users"][who])
        orgs, stations, volunteers = EXPECTED[who]
        assert _names(user, Organization, Organization.name) == orgs
        assert _names(user, Station, Station.name) == stations
        assert _names(user, Volunteer, Volunteer.name) == volunteers


@pytest.mark.parametrize("who, sees_users, sees_audit", [
    (("system_admin", "511300"), True, False),
    (("auditor", "511300"), False, True),
    (("city_official", "511300"), True, True),
    (("county_official", "511302"), True, False),
    (("volunteer", SHUNQING_TOWN), True, False),
])
def test_users_regions_and_audit(app, world, who, sees_users, sees_audit):
    with app.app_context():
        user = db.session.get(User, world["users"][who])
        visible_users = _names(user, User, User.username)
        assert bool(visible_users) == sees_users
        if who[0] == "county_official":
            assert all(not name.endswith("511303") for name in visible_users)
        if who[0] == "volunteer":
            assert visible_users == [user.username]
        audit_rows = db.session.scalars(visible_select(user, AuditEntry).limit(1)).all()
        assert bool(audit_rows) == sees_audit


def test_foreign_and_malformed_ids_look_missing(app, world):
    with app.app_context():
        gaoping = db.session.get(User, world["users"][("county_official", "511303")])
        shunqing_org = db.session.scalar(select(Organization.id).where(
            Organization.region_code == "511302"))
        assert get_visible(gaoping, Organization, shunqing_org) is None
        for bad in ("abc", "-1", "99999999999999999999", None, "1.5", ""):
            assert get_visible(gaoping, Organization, bad) is None
        with pytest.raises(NotFound):
            get_visible_or_404(gaoping, Organization, shunqing_org)


def test_region_visible(app, world):
    with app.app_context():
        county = db.session.get(User, world["users"][("county_official", "511302")])
        city = db.session.get(User, world["users"][("city_official", "511300")])
        assert region_visible(county, "511302") and region_visible(county, SHUNQING_TOWN)
        assert not region_visible(county, "511303") and not region_visible(county, "511300")
        assert region_visible(city, GAOPING_TOWN) and region_visible(city, "511300")
        assert not region_visible(county, "5113020019999")
        assert db.session.get(Region, SHUNQING_TOWN).county_code == "511302"


def test_the_kept_region_tree_scopes_as_the_database_does(app, world):
    """Workers keep which codes lie under each region for REGION_TREE_SECONDS: the kept tree
    gives every region exactly the codes the database query gives, and the same rows."""
    from registry import regions
    from registry.scoping import codes_under, region_codes_under

    app.config["REGION_TREE_SECONDS"] = 60
    regions.forget()
    try:
        with app.app_context():
            codes = list(db.session.scalars(select(Region.code)))
            asked = {code: sorted(db.session.scalars(region_codes_under(code)))
                     for code in codes}
        for code in codes:
            with app.app_context():  # a new request: its own per-request cache
                assert sorted(codes_under(code)) == asked[code]
        assert regions._kept  # read once, kept
        for who, (orgs, stations, volunteers) in EXPECTED.items():
            with app.app_context():
                user = db.session.get(User, world["users"][who])
                assert _names(user, Organization, Organization.name) == orgs
                assert _names(user, Station, Station.name) == stations
                assert _names(user, Volunteer, Volunteer.name) == volunteers
    finally:
        regions.forget()
