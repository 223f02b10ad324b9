"""Demo data: idempotent, stations left missing, every status, a consenting minor, logins."""

from sqlalchemy import func, select

from registry.demo import DEMO_PASSWORD, seed_demo
from registry.extensions import db
from registry.regions import load_regions
from registry.volunteers.models import Station, Volunteer


def test_seed_twice_and_login(app, api):
    with app.app_context():
        load_regions()
        logins = seed_demo()
        db.session.commit()
        counts = (db.session.scalar(select(func.count()).select_from(Volunteer)),
                  db.session.scalar(select(func.count()).select_from(Station)))
        seed_demo()
        db.session.commit()
        assert counts == (db.session.scalar(select(func.count()).select_from(Volunteer)),
                          db.session.scalar(select(func.count()).select_from(Station)))
        statuses = set(db.session.scalars(select(Volunteer.status)))
        assert statuses == {"pending", "active", "suspended", "deregistered"}
        assert counts[0] >= 25
        assert db.session.scalar(select(func.count()).select_from(Volunteer).where(
            Volunteer.guardian_consent_at.is_not(None))) >= 1
        assert db.session.scalar(select(Station).where(Station.township_code == "511302003")) \
            is None
    assert ("13800000001", DEMO_PASSWORD, "志愿者") in logins
    api.token("13800000001", DEMO_PASSWORD)
    assert api.get("/api/v1/me").status_code == 200


def test_admin_views_scoped_and_masked(app, browser, make_user):
    with app.app_context():
        load_regions()
        seed_demo()
        db.session.commit()
        foreign = db.session.scalar(select(Volunteer.id).where(
            Volunteer.township_code == "511303001"))
    browser.login(make_user("county_official", "511302"))
    page = browser.get("/admin/volunteer/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "张伟" in text and "胡婷" not in text
    assert "13800000001" not in text and "gAAAAA" not in text
    assert browser.get(f"/admin/volunteer/details/?id={foreign}").status_code in (302, 404)
    assert browser.get("/admin/station/").status_code == 200
