"""TownshipYearStats: bump adds deltas in the caller's transaction; totals read them."""

import pytest
from sqlalchemy import select

from registry.extensions import db
from registry.scoping import region_codes_under
from registry.volunteers import township_counters
from registry.volunteers.models import TownshipYearStats


def test_bump_inserts_then_adds(ctx):
    township_counters.bump("511302001", 2026, volunteers=1)
    township_counters.bump("511302001", 2026, activities=1)
    township_counters.bump("511302001", 2026, service_minutes=90, points_issued=15)
    township_counters.bump("511302001", 2026, volunteers=1, service_minutes=30)
    township_counters.bump("511302001", 2025, volunteers=3)
    township_counters.bump("511302001", 2026, volunteers=0)  # nothing to do
    db.session.flush()
    row = db.session.get(TownshipYearStats, ("511302001", 2026))
    assert (row.volunteers, row.activities, row.service_minutes, row.points_issued,
            row.points_redeemed) == (2, 1, 120, 15, 0)
    totals = township_counters.totals(region_codes_under("511302"), 2026)
    assert totals["511302001"]["active_volunteers"] == 5
    assert totals["511302001"]["volunteers"] == 2
    assert totals["511302001"]["service_minutes"] == 120
    assert "511303001" not in totals


def test_bump_negative_and_rollback(ctx):
    township_counters.bump("511303001", 2026, volunteers=2)
    db.session.commit()
    township_counters.bump("511303001", 2026, volunteers=-1)
    db.session.rollback()
    value = db.session.scalar(select(TownshipYearStats.volunteers).where(
        TownshipYearStats.township_code == "511303001"))
    assert value == 2


def test_bump_refuses_unknown_counter(ctx):
    with pytest.raises(ValueError):
        township_counters.bump("511303001", 2026, hours=1)


def test_bump_concurrent_first_writers(app):
    """Many sessions bumping a row that does not exist yet: no lost update, no error."""
    import threading

    from registry.extensions import db as _db

    errors = []

    def work():
        try:
            with app.app_context():
                for _ in range(5):
                    township_counters.bump("511304001", 2030, activities=1, service_minutes=10)
                    _db.session.commit()
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    with app.app_context():
        if _db.engine.dialect.name != "postgresql":
            pytest.skip("concurrent writers need PostgreSQL")
    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with app.app_context():
        row = _db.session.get(TownshipYearStats, ("511304001", 2030))
        assert (row.activities, row.service_minutes) == (30, 300)
