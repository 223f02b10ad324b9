"""Compare two directory editions: items added, removed and changed field by field, matched by
code. Three queries on the (edition_id, code) unique index, whatever the editions' size."""

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased

from registry.extensions import db
from registry.purchasing import directory_tree
from registry.purchasing.directory import FIELD_LABELS
from registry.purchasing.models import DirectoryEdition, DirectoryItem

COMPARED = ("name", "level", "parent_code", "description", "purchasing_department",
            "requirements")


@dataclass
class Change:
    code: str
    name: str
    fields: list[tuple[str, str, object, object]]  # (field, label, old, new)


@dataclass
class Diff:
    old: DirectoryEdition
    new: DirectoryEdition
    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0

    def as_dict(self) -> dict:
        return {
            "old": {"id": self.old.id, "year": self.old.year, "status": self.old.status},
            "new": {"id": self.new.id, "year": self.new.year, "status": self.new.status},
            "added": self.added, "removed": self.removed,
            "changed": [{"code": c.code, "name": c.name,
                         "fields": [{"field": f, "label": label, "old": o, "new": n}
                                    for f, label, o, n in c.fields]} for c in self.changed],
            "unchanged": self.unchanged,
        }


def _items(edition_id: int):
    """(item, its parent) aliases for one edition's rows, and the columns a row gives."""
    item, parent = aliased(DirectoryItem), aliased(DirectoryItem)
    columns = (item.code, item.level, item.name, item.description, item.purchasing_department,
               item.requirements, func.coalesce(parent.code, ""))
    return item, parent, columns


def _plain(row) -> dict:
    code, level, name, description, department, requirements, parent_code = row
    return {"code": code, "level": level, "parent_code": parent_code or None, "name": name,
            "description": description, "purchasing_department": department,
            "requirements": requirements}


def _only_in(edition_id: int, other_id: int) -> list[dict]:
    item, parent, columns = _items(edition_id)
    twin = aliased(DirectoryItem)
    stmt = (select(*columns).select_from(item)
            .outerjoin(parent, parent.id == item.parent_id)
            .where(item.edition_id == edition_id,
                   ~exists().where(twin.edition_id == other_id, twin.code == item.code))
            .order_by(item.code))
    return [_plain(row) for row in db.session.execute(stmt)]


_kept: dict[tuple, tuple] = {}  # two published editions' comparison (they never change)


def diff(old: DirectoryEdition, new: DirectoryEdition) -> Diff:
    """What changed from old to new (any two editions, either order). Two published editions'
    comparison is kept in memory: neither ever changes."""
    keys = (directory_tree.frozen_key(old), directory_tree.frozen_key(new))
    if None not in keys and keys in _kept:
        added, removed, changed, unchanged = _kept[keys]
        return Diff(old, new, added, removed, changed, unchanged)
    result = _compute(old, new)
    if None not in keys:
        directory_tree.remember(_kept, keys, (result.added, result.removed, result.changed,
                                         result.unchanged))
    return result


def _compute(old: DirectoryEdition, new: DirectoryEdition) -> Diff:
    result = Diff(old, new)
    result.added = _only_in(new.id, old.id)
    result.removed = _only_in(old.id, new.id)
    o, op, o_columns = _items(old.id)
    n, np, n_columns = _items(new.id)
    differs = or_(o.name != n.name, o.level != n.level, o.description != n.description,
                  o.purchasing_department != n.purchasing_department,
                  o.requirements != n.requirements,
                  func.coalesce(op.code, "") != func.coalesce(np.code, ""))
    matched = (select(*o_columns, *n_columns).select_from(o)
               .join(n, and_(n.edition_id == new.id, n.code == o.code))
               .outerjoin(op, op.id == o.parent_id)
               .outerjoin(np, np.id == n.parent_id)
               .where(o.edition_id == old.id))
    for row in db.session.execute(matched.where(differs).order_by(o.code)):
        before, after = _plain(row[:7]), _plain(row[7:])
        fields = [(name, FIELD_LABELS[name], before[name], after[name]) for name in COMPARED
                  if before[name] != after[name]]
        result.changed.append(Change(after["code"], after["name"], fields))
    total = db.session.scalar(select(func.count()).select_from(matched.subquery())) or 0
    result.unchanged = total - len(result.changed)
    return result
