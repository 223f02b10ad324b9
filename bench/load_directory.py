"""Load the directory benchmark data into PostgreSQL: 5 published editions of 2,000 items.

    .venv/bin/python bench/load_directory.py [--editions 5] [--items 2000] [--db-url URL]
    .venv/bin/python bench/run.py --cases healthz,directory-tree-api,directory-diff-api

Creates the database if missing, migrates it to the heads, loads the regions and the editions
(`flask seed-directory-bench`'s code: bulk inserts, years from 2020, each edition a little
different from the one before), then ANALYZE. Run again, it adds only the missing years.
"""

import argparse
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_volunteers import (  # noqa: E402 (the path above makes bench importable)
    BENCH_ENCRYPTION_KEY,
    DEFAULT_DB_URL,
    create_database,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--editions", type=int, default=5)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--db-url", default=os.environ.get("REGISTRY_DATABASE_URL",
                                                           DEFAULT_DB_URL))
    args = parser.parse_args(argv)
    os.environ["REGISTRY_DATABASE_URL"] = args.db_url
    os.environ.setdefault("REGISTRY_SECRET_KEY", secrets.token_hex(32))
    os.environ.setdefault("REGISTRY_ENCRYPTION_KEY", BENCH_ENCRYPTION_KEY)
    os.environ.setdefault("REGISTRY_AUDIT_KEY", "bench-audit-key-not-secret")
    os.environ.setdefault("REGISTRY_RATELIMIT_ENABLED", "0")  # production settings, no Redis here
    create_database(args.db_url)

    import flask_migrate
    from sqlalchemy import text

    from registry import create_app
    from registry.extensions import db
    from registry.purchasing.cli import seed_bench_directory
    from registry.regions import load_regions

    app = create_app("production")
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_regions()
        db.session.commit()
        made = seed_bench_directory(args.editions, args.items)
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE directory_edition; ANALYZE directory_item"))
            db.session.commit()
    print(f"{made} editions of {args.items} items loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
