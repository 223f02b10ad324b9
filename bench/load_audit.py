"""Load the audit-log benchmark data into PostgreSQL: 3,000,000 synthetic audit rows by default.

    .venv/bin/python bench/load_volunteers.py --db-url URL     (first: schema, regions, users)
    .venv/bin/python bench/load_audit.py [--rows 3000000] [--db-url URL]

Adds the bench auditor account (bench-auditor, city level) and tops the audit log up to the
number of rows asked for, generated inside PostgreSQL (INSERT … SELECT generate_series, about
a minute for 3M): 2,000 actors (bench-actor-0 … 1999, ~1,500 rows each), the object types and
actions the app writes, region codes spread over the townships, one row a ~10 s over the last
year. The rows are synthetic: their hash chain is not valid (`flask audit-verify` fails on
this database), which is fine for timing the pages that list them.
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
BENCH_ENCRYPTION_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkhIT0="
BENCH_PASSWORD = "Bench#Passw0rd"
AUDITOR = ("bench-auditor", "auditor", "511300", "南充市审计 基准测试")

FILL = """
INSERT INTO audit_entry (created_at, actor_id, actor_name, actor_role, ip, object_type,
                         object_id, action, changes, comment, region_code, prev_hash, row_hash)
SELECT now() - make_interval(secs => (:total - n) * 10),
       100000 + n % 2000, 'bench-actor-' || (n % 2000), 'station_admin',
       '10.0.' || (n % 250) || '.' || (n % 200),
       (ARRAY['Volunteer','Activity','Signup','ServiceRecord','Organization','User'])[1 + n % 6],
       (n / 7)::text, (ARRAY['insert','update','update','approve'])[1 + n % 4],
       '{"status": ["pending", "active"]}', '',
       towns.codes[1 + n % array_length(towns.codes, 1)],
       md5('prev' || n) || md5('p' || n), md5('row' || n) || md5('r' || n)
FROM generate_series(:first, :last) AS n,
     (SELECT array_agg(code ORDER BY code) AS codes FROM region WHERE level = 'township') towns
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--db-url", default=os.environ.get("REGISTRY_DATABASE_URL",
                                                           DEFAULT_DB_URL))
    args = parser.parse_args(argv)
    os.environ["REGISTRY_DATABASE_URL"] = args.db_url
    os.environ.setdefault("REGISTRY_SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("REGISTRY_ENCRYPTION_KEY", BENCH_ENCRYPTION_KEY)
    sys.path.insert(0, str(ROOT))

    from sqlalchemy import func, select, text

    from registry import accounts, create_app
    from registry.extensions import db
    from registry.models import AuditEntry, User

    app = create_app("production")
    with app.app_context():
        username, role, region, display = AUDITOR
        if db.session.scalar(select(User.id).where(User.username == username)) is None:
            accounts.create_user(username, BENCH_PASSWORD, role, region, display)
            db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(AuditEntry))
        missing = max(args.rows - have, 0)
        print(f"load: {have:,} audit rows present, adding {missing:,}")
        began, step = time.perf_counter(), 500_000
        for first in range(have, have + missing, step):
            last = min(first + step, have + missing) - 1
            db.session.execute(text(FILL), {"first": first, "last": last, "total": args.rows})
            db.session.commit()
            print(f"  … {last + 1:,} ({time.perf_counter() - began:.0f} s)", flush=True)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE audit_entry"))
        print(f"load: done, {have + missing:,} audit rows")
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
