"""The guidance directory as a tree: an edition's items as plain rows (a published edition's
kept in memory: it never changes), the tree and its search, in page order."""

from collections import namedtuple
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from registry.extensions import db
from registry.purchasing.models import DirectoryEdition, DirectoryItem

Row = namedtuple("Row", "id parent_id code level position name description "
                       "purchasing_department requirements")
ROW_COLUMNS = (DirectoryItem.id, DirectoryItem.parent_id, DirectoryItem.code, DirectoryItem.level,
               DirectoryItem.position, DirectoryItem.name, DirectoryItem.description,
               DirectoryItem.purchasing_department, DirectoryItem.requirements)
FROZEN_CACHE_SIZE = 32  # published editions kept in memory per process (a few MB at most)
_frozen_rows: dict[tuple, list[Row]] = {}


def frozen_key(edition: DirectoryEdition) -> tuple | None:
    """A key that names a published edition's content for good (it never changes, so what is
    computed from it may be kept), or None for a draft. The database and the publication time
    are part of it: a test's fresh database reuses ids."""
    if edition.status != "published" or edition.published_at is None:
        return None
    return (current_app.config["SQLALCHEMY_DATABASE_URI"], edition.id, edition.published_at)


def remember(cache: dict, key, value, size: int = FROZEN_CACHE_SIZE):
    """Keep value under key in a small cache (the oldest entry goes first)."""
    if len(cache) >= size:
        cache.pop(next(iter(cache)))
    cache[key] = value
    return value


def edition_rows(edition: DirectoryEdition) -> list[Row]:
    """The edition's items as plain rows (one indexed query; a published edition's rows are
    kept in memory, since they never change)."""
    key = frozen_key(edition)
    if key is not None and key in _frozen_rows:
        return _frozen_rows[key]
    rows = [Row(*row) for row in db.session.execute(
        select(*ROW_COLUMNS).where(DirectoryItem.edition_id == edition.id)
        .order_by(DirectoryItem.level, DirectoryItem.position, DirectoryItem.code))]
    return remember(_frozen_rows, key, rows) if key is not None else rows


@dataclass
class Node:
    item: Row
    parent_code: str = ""
    children: list["Node"] = field(default_factory=list)
    matched: bool = False


_frozen_trees: dict[tuple, list[Node]] = {}


def tree(edition: DirectoryEdition, q: str = "") -> list[Node]:
    """The edition's items as a tree (siblings by position, then code). With q, only the
    items whose code, name, description, department or requirements contain it, with their
    ancestors for context. A published edition's whole tree is kept in memory: callers read
    nodes and never change them (a search builds its own)."""
    q = (q or "").strip().lower()
    key = frozen_key(edition)
    if not q and key is not None and key in _frozen_trees:
        return _frozen_trees[key]
    nodes = {row.id: Node(row) for row in edition_rows(edition)}
    roots = []
    for node in nodes.values():
        parent = nodes.get(node.item.parent_id)
        if parent is None:
            roots.append(node)
        else:
            node.parent_code = parent.item.code
            parent.children.append(node)
    if not q:
        return remember(_frozen_trees, key, roots) if key is not None else roots
    keep = set()
    for node in nodes.values():
        item = node.item
        text = " ".join((item.code, item.name, item.description, item.purchasing_department,
                         item.requirements)).lower()
        if q in text:
            node.matched = True
            current = node
            while current is not None and current.item.id not in keep:
                keep.add(current.item.id)
                current = nodes.get(current.item.parent_id)

    def prune(level: list[Node]) -> list[Node]:
        out = []
        for node in level:
            if node.item.id in keep:
                node.children = prune(node.children)
                out.append(node)
        return out

    return prune(roots)


def flatten(roots: list[Node]):
    """Nodes depth-first (the order a page or a spreadsheet lists them)."""
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def node_dict(node: Node) -> dict:
    item = node.item
    return {"code": item.code, "level": item.level, "parent_code": node.parent_code or None,
            "name": item.name, "description": item.description,
            "purchasing_department": item.purchasing_department,
            "requirements": item.requirements,
            "children": [node_dict(child) for child in node.children]}
