"""Shared set-up for the guidance directory's tests: a city editor, a county reader, a
published 2025 edition of four levels and its 2026 draft copy."""

import io

import pytest
from sqlalchemy import func, select

from registry import audit
from registry.extensions import db
from registry.models import User
from registry.purchasing import directory
from registry.purchasing.models import DirectoryEdition, DirectoryItem

TREE = (
    # code, level, parent, name
    ("A", 1, "", "基本公共服务"),
    ("A01", 2, "A", "养老服务"),
    ("A0101", 3, "A01", "居家养老"),
    ("A010101", 4, "A0101", "上门助餐"),
    ("A02", 2, "A", "社会救助"),
    ("B", 1, "", "辅助性服务"),
    ("B01", 2, "B", "法律服务"),
)


def user(name: str) -> User:
    found = db.session.scalar(select(User).where(User.username == name))
    audit.set_actor(found)
    return found


def edition(year: int) -> DirectoryEdition:
    return db.session.scalar(select(DirectoryEdition).where(DirectoryEdition.year == year))


def item(year: int, code: str) -> DirectoryItem:
    return db.session.scalar(select(DirectoryItem).join(DirectoryEdition).where(
        DirectoryEdition.year == year, DirectoryItem.code == code))


def snapshot(year: int) -> list[tuple]:
    """Everything an edition says (to prove nothing changed)."""
    parent = db.aliased(DirectoryItem)
    rows = db.session.execute(
        select(DirectoryItem.code, DirectoryItem.level, DirectoryItem.name,
               DirectoryItem.description, DirectoryItem.purchasing_department,
               DirectoryItem.requirements, parent.code)
        .outerjoin(parent, parent.id == DirectoryItem.parent_id)
        .join(DirectoryEdition, DirectoryEdition.id == DirectoryItem.edition_id)
        .where(DirectoryEdition.year == year).order_by(DirectoryItem.code))
    found = edition(year)
    return [tuple(r) for r in rows] + [(found.title, found.status, found.code_note)]


def count(year: int) -> int:
    return db.session.scalar(select(func.count()).select_from(DirectoryItem)
                             .join(DirectoryEdition).where(DirectoryEdition.year == year))


def xlsx(rows, sheet="目录条目", header=None) -> bytes:
    from openpyxl import Workbook

    from registry.purchasing.directory_xlsx import HEADERS

    book = Workbook()
    book.active.title = sheet
    book.active.append(header or HEADERS)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def dirworld(app, make_user):
    """2025 published (the tree above), 2026 a draft copied from it."""
    names = {"city": make_user("city_official", "511300", "dircity"),
             "county": make_user("county_official", "511302", "dircounty"),
             "station": make_user("station_admin", "511302001", "dirstation"),
             "org": make_user("org_admin", "511300", "dirorg")}
    with app.app_context():
        city = user("dircity")
        first = directory.create_edition(city, 2025, code_note="测试编码，非官方")
        for code, level, parent, name in TREE:
            directory.save_item(city, first, {"code": code, "level": level,
                                              "parent_code": parent, "name": name,
                                              "description": f"{name}的说明"})
        directory.publish(city, first)
        directory.copy_edition(city, first, 2026)
        db.session.commit()
    return names
