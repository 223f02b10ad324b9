"""Load the volunteer benchmark data into PostgreSQL: 1,000,000 synthetic volunteers by default.

    .venv/bin/python bench/load_volunteers.py [--volunteers 1000000] [--db-url URL]
    .venv/bin/python bench/run.py --cases healthz,volunteers-county-first,...

Creates the database if missing, migrates it to the heads, loads the regions, stations in
most townships (some left without one), the benchmark accounts of bench/cases.py and the
synthetic volunteers (`flask seed-bulk`'s code: COPY, real Fernet-encrypted ID numbers), then
ANALYZE. Run again, it only tops the volunteers up to the number asked for.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
# A fixed Fernet key for the benchmark data (synthetic people only; never a real key).
BENCH_ENCRYPTION_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkhIT0="
BENCH_PASSWORD = "Bench#Passw0rd"
COUNTY = "511321"  # 南部县: the largest county, 42 townships
TOWNSHIP = "511321001"  # 滨江街道, the station of the township dashboard (station id 1)
USERS = (
    ("bench-county", "county_official", COUNTY, "南部县民政局 基准测试"),
    ("bench-station", "station_admin", TOWNSHIP, "滨江街道志愿服务站 基准测试"),
    ("bench-city", "city_official", "511300", "南充市民政局 基准测试"),
)


def create_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                              {"n": target.database}).first()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--volunteers", type=int, default=1_000_000)
    parser.add_argument("--db-url", default=os.environ.get("REGISTRY_DATABASE_URL",
                                                           DEFAULT_DB_URL))
    args = parser.parse_args(argv)
    os.environ["REGISTRY_DATABASE_URL"] = args.db_url
    os.environ.setdefault("REGISTRY_SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("REGISTRY_ENCRYPTION_KEY", BENCH_ENCRYPTION_KEY)
    os.environ.setdefault("REGISTRY_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("REGISTRY_RATELIMIT_ENABLED", "0")  # production settings, no Redis here
    sys.path.insert(0, str(ROOT))
    create_database(args.db_url)

    import flask_migrate
    from sqlalchemy import func, select, text

    from registry import accounts, create_app
    from registry.extensions import db
    from registry.models import Region, User
    from registry.regions import load_regions
    from registry.volunteers.bulk import seed_volunteers
    from registry.volunteers.models import Station, Volunteer

    app = create_app("production")
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_regions()
        townships = list(db.session.scalars(
            select(Region.code).where(Region.level == "township").order_by(Region.code)))
        if not db.session.scalar(select(func.count()).select_from(Station)):
            ordered = [TOWNSHIP] + [code for code in townships if code != TOWNSHIP]
            for number, code in enumerate(ordered):
                if number and number % 7 == 0:
                    continue  # every 7th township has no station yet
                name = db.session.get(Region, code).name
                db.session.add(Station(name=f"{name}志愿服务站", township_code=code,
                                       address=f"{name}便民服务中心"))
                db.session.flush()
        for username, role, region, display in USERS:
            if db.session.scalar(select(User.id).where(User.username == username)) is None:
                accounts.create_user(username, BENCH_PASSWORD, role, region, display)
        db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(Volunteer)
                                 .where(Volunteer.source == "bulk"))
        missing = max(args.volunteers - have, 0)
        print(f"load: {have:,} synthetic volunteers present, adding {missing:,}")
        if missing:
            began = time.perf_counter()
            result = seed_volunteers(missing, echo=lambda done, total: print(
                f"  … {done:,} / {total:,} ({time.perf_counter() - began:.0f} s)", flush=True))
            db.session.commit()
            print(f"load: {result['count']:,} rows in {result['seconds']:.1f} s "
                  f"({result['count'] / max(result['seconds'], 0.001):,.0f} rows/s)")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE volunteer"))
            conn.execute(text("ANALYZE"))
        total = db.session.scalar(select(func.count()).select_from(Volunteer))
        print(f"load: done, {total:,} volunteers in {args.db_url.split('@')[-1]}")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
