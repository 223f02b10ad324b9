"""Load the purchased-service projects benchmark into PostgreSQL: 10,000 organizations,
5 directory editions and 50,000 projects spread over the nine counties and the city.

    .venv/bin/python bench/load_volunteers.py ...        # the bench-city login (USERS)
    .venv/bin/python bench/load_projects.py [--orgs 10000] [--projects 50000] [--db-url URL]
    .venv/bin/python bench/run.py --cases healthz,projects-spending-city,org-credit-profile

Organizations come from `flask seed-orgs`' code, editions from load_directory's; projects are
bulk inserted (years 2020–2024, the deepest items of each year's edition, approved
providers, every status, evaluations on the later ones), then ANALYZE. Not run at scale in CI.
"""

import argparse
import os
import random
import secrets
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load_volunteers import (  # noqa: E402 (the path above makes bench importable)
    BENCH_ENCRYPTION_KEY,
    DEFAULT_DB_URL,
    create_database,
)

COUNTIES = ("511300", "511302", "511303", "511304", "511321", "511322", "511323", "511324",
            "511325", "511381")
STATUSES = ("initiated", "procurement", "signed", "performing", "accepted", "evaluating",
            "closed")
GRADES = ((95, "excellent"), (85, "good"), (70, "fair"), (50, "poor"))


def load_projects(count: int, batch: int = 5000) -> int:
    """Bulk-insert count synthetic projects (needs organizations and published editions)."""
    from sqlalchemy import insert, select

    from registry.extensions import db
    from registry.organizations.models import Organization
    from registry.purchasing.models import DirectoryEdition, DirectoryItem
    from registry.purchasing.models import PurchasedServiceProject as Project

    rng = random.Random(12)
    providers = list(db.session.scalars(select(Organization.id).where(
        Organization.status == "approved").limit(20000)))
    child = db.aliased(DirectoryItem)
    items: dict[int, list] = {}
    for edition in db.session.scalars(select(DirectoryEdition).where(
            DirectoryEdition.status == "published")):
        root = {r.id: r for r in db.session.scalars(select(DirectoryItem).where(
            DirectoryItem.edition_id == edition.id, DirectoryItem.level == 1))}
        leaves = db.session.scalars(select(DirectoryItem).where(
            DirectoryItem.edition_id == edition.id,
            ~select(child.id).where(child.parent_id == DirectoryItem.id).exists()))
        first = next(iter(root.values()))
        items[edition.year] = [(edition.id, leaf, first) for leaf in leaves]
    if not providers or not items:
        raise SystemExit("load organizations (flask seed-orgs) and the directory first")
    made = 0
    while made < count:
        rows = []
        for _ in range(min(batch, count - made)):
            year = rng.choice(list(items))
            edition_id, leaf, category = rng.choice(items[year])
            region = rng.choice(COUNTIES)
            status = rng.choice(STATUSES)
            amount = rng.randrange(100_000, 100_000_000)
            score, grade = rng.choice(GRADES) if status == "closed" else (None, None)
            rows.append({
                "title": f"bench-{made}", "year": year, "region_code": region,
                "county_code": region, "edition_id": edition_id, "item_id": leaf.id,
                "item_code": leaf.code, "item_name": leaf.name,
                "category_code": category.code, "category_name": category.name,
                "purchaser": "bench", "provider_id": rng.choice(providers),
                "procurement_method": "open_tender", "contract_no": f"B-{made}",
                "amount_fen": amount, "paid_fen": amount if status == "closed" else 0,
                "starts_on": date(year, 1, 1), "ends_on": date(year, 12, 31),
                "term_reason": "", "deliverables": "", "status": status,
                "evaluation_grade": grade,
                "evaluation_tenths": score * 10 if score else None})
            made += 1
        db.session.execute(insert(Project), rows)
        db.session.commit()
    return made


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orgs", type=int, default=10000)
    parser.add_argument("--projects", type=int, default=50000)
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
    from sqlalchemy import func, select, text

    from registry import create_app
    from registry.extensions import db
    from registry.organizations.cli import seed_orgs
    from registry.organizations.models import Organization
    from registry.purchasing import spending_summary
    from registry.purchasing.cli import seed_bench_directory
    from registry.regions import load_regions

    app = create_app("production")
    with app.app_context():
        flask_migrate.upgrade(revision="heads")
        load_regions()
        db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(Organization)) or 0
        if have < args.orgs:
            seed_orgs(args.orgs - have)
        seed_bench_directory(5, 2000)
        made = load_projects(args.projects)
        spending_summary.rebuild()  # the bulk insert bypassed the summary's bumps
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE purchased_service_project; ANALYZE organization"))
            db.session.commit()
    print(f"{made} projects loaded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
