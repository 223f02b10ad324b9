"""Grant totals and lists at city scale (skipped unless SUPPORT_BENCH=1; run on PostgreSQL):

SUPPORT_BENCH=1 REGISTRY_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
    .venv/bin/python -m pytest tests/test_support_bench.py -q -s
"""

import os
import random
import time
from datetime import date

import pytest
from sqlalchemy import insert, select

from registry.extensions import db
from registry.models import Region
from registry.organizations.models import Organization
from registry.pagination import paginate_query
from registry.scoping import visible_select
from registry.support import operations as support
from registry.support.models import Grant, Training, TrainingAttendance
from tests.test_support_helpers import user, world  # noqa: F401

pytestmark = [pytest.mark.skipif(not os.environ.get("SUPPORT_BENCH"), reason="SUPPORT_BENCH=1"),
              pytest.mark.usefixtures("world")]
GRANTS = int(os.environ.get("SUPPORT_BENCH_GRANTS", "200000"))


def _time(label: str, run, repeat: int = 5) -> float:
    run()  # warm
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    median = sorted(samples)[len(samples) // 2]
    print(f"{label}: {median:.1f} ms (median of {repeat})")
    return median


def test_bench_grants_and_trainings(ctx):
    rng = random.Random(4)
    codes = list(db.session.scalars(select(Region.code).where(Region.level != "city")))
    db.session.execute(insert(Organization), [
        {"name": f"基准组织{i:05d}", "org_type": "social_service", "region_code": rng.choice(codes),
         "status": "approved"} for i in range(10_000)])
    orgs = list(db.session.execute(select(Organization.id, Organization.region_code)))
    rows = []
    for i in range(GRANTS):
        org_id, region = rng.choice(orgs)
        year = rng.choice((2023, 2024, 2025, 2026))
        rows.append({"organization_id": org_id, "region_code": region,
                     "grant_type": rng.choice(("venture", "award", "service_subsidy", "other")),
                     "amount_fen": rng.randrange(100_000, 10_000_000), "purpose": f"项目{i}",
                     "source": "财政", "granted_on": date(year, 6, 1), "year": year,
                     "status": rng.choice(("approved", "paid", "paid", "cancelled"))})
    start = time.perf_counter()
    for chunk in range(0, len(rows), 20_000):
        db.session.execute(insert(Grant), rows[chunk:chunk + 20_000])
    training_rows = [{"title": f"培训{i}", "region_code": rng.choice(codes),
                      "held_on": date(2026, 1, 1), "minutes": 180, "place": "会议室"}
                     for i in range(2_000)]
    db.session.execute(insert(Training), training_rows)
    training_ids = list(db.session.scalars(select(Training.id)))
    db.session.execute(insert(TrainingAttendance), [
        {"training_id": rng.choice(training_ids), "organization_id": orgs[i % len(orgs)][0],
         "region_code": "511302", "person_name": f"人员{i}"} for i in range(100_000)])
    db.session.commit()
    print(f"\nloaded {GRANTS} grants, 100000 attendances in {time.perf_counter() - start:.1f} s")
    if db.engine.dialect.name == "postgresql":
        db.session.execute(db.text("ANALYZE"))
    city, county = user("city1"), user("sq1")
    _time("grant totals, city, all years (one GROUP BY)",
          lambda: support.grant_totals(city, {}))
    _time("grant totals, city, one year", lambda: support.grant_totals(city, {"year": 2025}))
    _time("grant totals, county", lambda: support.grant_totals(county, {}))

    def page(args):
        stmt = visible_select(city, Grant).order_by(Grant.id.desc())
        return paginate_query(stmt, Grant.id, args)

    first = page({})
    _time("grant list, city, first page (with count)", lambda: page({}))
    _time("grant list, city, keyset page", lambda: page({"cursor": first.next_cursor}))
    _time("trainings_attended(org)", lambda: support.trainings_attended(orgs[0][0]), 20)
