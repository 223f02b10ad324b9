"""Nanchong's regions: loading the bundled list and looking regions up."""

import csv
from pathlib import Path

from sqlalchemy import select

from registry.extensions import db
from registry.models import Region

DATA_FILE = Path(__file__).resolve().parent / "data" / "nanchong_regions.csv"
DATA_YEAR = 2023  # 国家统计局 2023年统计用区划代码


def load_regions(path: Path = DATA_FILE, year: int = DATA_YEAR) -> tuple[int, int]:
    """Insert missing regions and rename changed ones; returns (added, updated). Idempotent."""
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    by_code = {row["code"]: row for row in rows}
    existing = {region.code: region for region in db.session.scalars(select(Region))}
    added = updated = 0
    for row in rows:  # the file lists parents before children
        code = row["code"]
        county, city = _county_and_city(row, by_code)
        region = existing.get(code)
        if region is None:
            db.session.add(Region(code=code, name=row["name"], level=row["level"],
                                  parent_code=row["parent_code"] or None, county_code=county,
                                  city_code=city, effective_year=year))
            added += 1
        elif (region.name, region.parent_code, region.county_code) != (
            row["name"], row["parent_code"] or None, county
        ):
            region.name = row["name"]
            region.parent_code = row["parent_code"] or None
            region.county_code = county
            region.city_code = city
            region.effective_year = year
            updated += 1
        db.session.flush()
    return added, updated


def _county_and_city(row: dict, by_code: dict) -> tuple[str | None, str]:
    level = row["level"]
    if level == "city":
        return None, row["code"]
    if level == "county":
        return row["code"], row["parent_code"]
    county = by_code[row["parent_code"]]
    return county["code"], county["parent_code"]


def townships_of(code: str) -> list[Region]:
    """The townships under a county (or the city), in code order."""
    stmt = select(Region).where(Region.level == "township").where(
        (Region.county_code == code) | (Region.city_code == code) | (Region.code == code)
    )
    return list(db.session.scalars(stmt.order_by(Region.code)))


def counties() -> list[Region]:
    return list(db.session.scalars(select(Region).where(Region.level == "county")
                                   .order_by(Region.code)))
