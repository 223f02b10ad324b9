"""Nanchong's regions: loading the bundled list and looking regions up."""

import csv
import time
from dataclasses import dataclass, field
from pathlib import Path
from weakref import WeakKeyDictionary

from flask import current_app
from flask.globals import _cv_app
from sqlalchemy import Select, or_, select

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


@dataclass
class RegionTable:
    """Every region's name and the codes at or under it, as one worker keeps them."""

    names: dict[str, str] = field(default_factory=dict)
    under: dict[str, list[str]] = field(default_factory=dict)
    city_and_counties: list[tuple[str, str]] = field(default_factory=list)  # (code, name)


_kept: WeakKeyDictionary = WeakKeyDictionary()  # app → (kept until, its table)


def kept() -> RegionTable:
    """The region table, read once per REGION_TREE_SECONDS per worker (0: on every call).

    Nearly every page asks for a region's name or the codes under it; only `flask load-regions`
    changes the tree and the back office only renames (RegionView forgets this worker's copy).
    """
    app = _cv_app.get().app  # not the current_app proxy: this runs for every name on a page
    seconds = app.config["REGION_TREE_SECONDS"]
    now = time.monotonic()
    held = _kept.get(app)
    if seconds and held is not None and held[0] >= now:
        return held[1]
    table = RegionTable()
    rows = db.session.execute(select(Region.code, Region.name, Region.level, Region.county_code,
                                     Region.city_code).order_by(Region.code))
    for row in rows:
        table.names[row.code] = row.name
        for above in {row.code, row.county_code, row.city_code} - {None}:
            table.under.setdefault(above, []).append(row.code)
        if row.level in ("city", "county"):
            table.city_and_counties.append((row.code, row.name))
    if seconds:
        _kept[app] = (now + seconds, table)
    return table


def forget() -> None:
    """Drop this worker's region table (after a rename here)."""
    _kept.clear()


def name_of(code: str | None) -> str:
    """A region's name, or "" for no or an unknown code."""
    return kept().names.get(code or "", "") if code else ""


def codes_under(code: str) -> list[str]:
    """The codes of a region and all regions below it (none for an unknown code)."""
    if not current_app.config["REGION_TREE_SECONDS"]:
        # tests and one-off commands: one indexed query, not the whole table
        return list(db.session.scalars(region_codes_under(code)))
    return list(kept().under.get(code, ()))


def region_codes_under(code: str) -> Select:
    """The codes of a region and all regions below it, as one indexed subquery."""
    return select(Region.code).where(
        or_(Region.code == code, Region.county_code == code, Region.city_code == code)
    )
