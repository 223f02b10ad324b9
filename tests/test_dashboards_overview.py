"""GET /api/v1/stats/overview counts only the caller's jurisdiction."""

from registry.clock import today_local
from registry.extensions import db
from registry.organizations.models import Organization
from registry.volunteers.models import Station
from registry.volunteers.township_counters import bump


def test_overview_is_scoped(app, api, make_user):
    year = today_local().year
    with app.app_context():
        db.session.add_all([
            Organization(name="顺庆甲", org_type="social_group", region_code="511302",
                         status="approved"),
            Organization(name="顺庆乙", org_type="social_group", region_code="511302001",
                         status="submitted"),
            Organization(name="高坪甲", org_type="social_group", region_code="511303",
                         status="approved"),
            Station(name="中城站", township_code="511302001"),
            Station(name="白塔站", township_code="511303001"),
        ])
        bump("511302001", year, volunteers=3, service_minutes=600, points_issued=100)
        bump("511302001", year - 1, volunteers=2, service_minutes=60)
        bump("511303001", year, volunteers=7, service_minutes=999)
        db.session.commit()
    api.token(make_user("county_official", "511302"))
    body = api.get("/api/v1/stats/overview").get_json()
    assert body["organizations"] == {"approved": 1, "submitted": 1}
    assert body["stations"] == 1 and body["townships"] == 19
    assert body["townships_without_station"] == 18
    assert body["volunteers"] == 5 and body["minutes_served"] == 600
    assert body["points_issued"] == 100
    api.token(make_user("city_official", "511300"))
    body = api.get("/api/v1/stats/overview").get_json()
    assert body["organizations"] == {"approved": 2, "submitted": 1}
    assert body["townships"] == 242 and body["volunteers"] == 12
    assert body["minutes_served"] == 1599


def test_overview_is_for_officials_only(api, make_user):
    api.token(make_user("station_admin", "511302001"))
    response = api.get("/api/v1/stats/overview")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
