"""The guidance directory's rules: editions (create, copy, publish), a draft's items (add, edit,
move, remove), the freeze of published editions, the edition in force (the tree and its search
are in directory_tree.py, the comparison in directory_diff.py, spreadsheets in directory_xlsx.py).

Who edits: the city's civil-affairs and finance offices, i.e. city officials (city_official,
region 511300). County officials read published editions; drafts are the city's business.
A published edition is frozen: every change goes through check_draft here, and a flush guard
refuses any ORM change to a published edition or its items whatever route made it.
"""

import re
from dataclasses import dataclass

from sqlalchemy import event, func, insert, or_, select, update
from sqlalchemy.orm import Session, aliased

from registry import audit
from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, User
from registry.purchasing.models import (
    EDITION_STATUSES,
    MAX_DIRECTORY_LEVEL,
    DirectoryEdition,
    DirectoryItem,
)
from registry.scoping import scope_condition
from registry.validators import check_text
from registry.workflow import Machine, Move

EDITORS = (CITY_OFFICIAL,)
READERS = (CITY_OFFICIAL, COUNTY_OFFICIAL)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
FROZEN_MESSAGE = _l("已发布的目录版本不能修改；更正请在下一年度的版本中进行")
ITEM_FIELDS = ("code", "level", "parent_code", "name", "description", "purchasing_department",
               "requirements")
FIELD_LABELS = {"code": _l(
    "编码"), "level": _l("层级"), "parent_code": _l("上级编码"), "name": _l("名称"),
                "description": _l("服务内容说明"), "purchasing_department": _l("购买主体（部门）"),
                "requirements": _l("承接主体条件")}
# Drafts become published, never back: a published edition is the record of what it said.
EDITION_MACHINE = Machine("directory_edition", EDITION_STATUSES, (
    Move("publish", _l("发布"), ("draft",), "published", EDITORS),
))


# --- who sees and who edits ----------------------------------------------------------------

def edition_condition(user):
    """Editions user may read: every published one (they are public), drafts in scope."""
    return or_(DirectoryEdition.status == "published", scope_condition(user, DirectoryEdition))


def editions_stmt(user):
    """The editions user may read, newest year first."""
    return (select(DirectoryEdition).where(edition_condition(user))
            .order_by(DirectoryEdition.year.desc()))


def get_edition(user, edition_id) -> DirectoryEdition:
    """An edition user may read, else NotFound (a draft out of scope looks missing)."""
    try:
        ident = int(edition_id)
    except (TypeError, ValueError):
        ident = 0
    row = None
    if 0 < ident < 2**31:
        row = db.session.scalar(select(DirectoryEdition).where(
            DirectoryEdition.id == ident, edition_condition(user)))
    if row is None:
        raise NotFound(_("目录版本不存在"))
    return row


def get_item(user, item_id) -> DirectoryItem:
    """An item of an edition user may read, else NotFound."""
    try:
        ident = int(item_id)
    except (TypeError, ValueError):
        ident = 0
    row = None
    if 0 < ident < 2**31:
        row = db.session.scalar(
            select(DirectoryItem).join(DirectoryEdition)
            .where(DirectoryItem.id == ident, edition_condition(user)))
    if row is None:
        raise NotFound(_("目录条目不存在"))
    return row


def check_editor(user) -> None:
    if getattr(user, "role", None) not in EDITORS:
        raise NotAllowed(_("只有市级民政、财政部门（市级工作人员）可以编辑政府购买服务指导性目录"))


def check_draft(edition: DirectoryEdition) -> None:
    """The freeze: only a draft changes."""
    if edition.status != "draft":
        raise Conflict(FROZEN_MESSAGE)


def can_edit(user, edition: DirectoryEdition) -> bool:
    return getattr(user, "role", None) in EDITORS and edition.status == "draft"


@event.listens_for(Session, "before_flush")
def _guard_frozen(session: Session, flush_context, instances) -> None:
    """The freeze below every route: no ORM change to a published edition or its items
    (back office, commands, anything that forgets check_draft)."""
    edition_ids = set()
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, DirectoryItem):
            edition_ids.add(obj.edition_id or (obj.edition.id if obj.edition else None))
            history = db.inspect(obj).attrs.edition_id.history
            edition_ids.update(history.deleted or ())
        elif isinstance(obj, DirectoryEdition) and obj not in session.new:
            if obj in session.deleted or session.is_modified(obj):
                was = db.inspect(obj).attrs.status.history
                before = (was.deleted or was.unchanged or [obj.status])[0]
                if before == "published":
                    raise Conflict(FROZEN_MESSAGE)
    edition_ids.discard(None)
    if edition_ids:
        with session.no_autoflush:
            frozen = session.execute(
                select(DirectoryEdition.id).where(DirectoryEdition.id.in_(edition_ids),
                                                  DirectoryEdition.status == "published")
            ).first()
        if frozen is not None:
            raise Conflict(FROZEN_MESSAGE)


# --- editions ------------------------------------------------------------------------------

def published_editions() -> list[DirectoryEdition]:
    """Every published edition, newest first: one a year, a few dozen over the decades."""
    return list(db.session.scalars(select(DirectoryEdition).where(
        DirectoryEdition.status == "published").order_by(DirectoryEdition.year.desc())))


def in_force(editions: list[DirectoryEdition],
             year: int | None = None) -> DirectoryEdition | None:
    """Of published editions (newest first), the one in force in year (default this year):
    the newest whose year is not after it."""
    year = year or today_local().year
    return next((edition for edition in editions if edition.year <= year), None)


def current_edition(year: int | None = None) -> DirectoryEdition | None:
    """The edition in force in year (default this year)."""
    return in_force(published_editions(), year)


def published_edition(year: int) -> DirectoryEdition | None:
    """The published edition of exactly that year (past editions are read by their year)."""
    return db.session.scalar(select(DirectoryEdition).where(
        DirectoryEdition.year == year, DirectoryEdition.status == "published"))


@dataclass
class PublicEditions:
    """What the public directory (page and API) shows: the edition asked for (a published
    year, else the one in force; None if there is none), the one in force, every year."""

    edition: DirectoryEdition | None
    current: DirectoryEdition | None
    years: list[int]


def public_editions(year: int | None) -> PublicEditions:
    """The public directory's editions from one query of the published ones."""
    published = published_editions()
    current = in_force(published)
    edition = next((e for e in published if e.year == year), None) if year else current
    return PublicEditions(edition, current, [e.year for e in published])


def check_year(value, field_name: str = "year") -> int:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("年度应为四位数字，如 2027"), field_name) from None
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValidationFailed(_(
            "年度应在 %(EARLIEST_YEAR)s 到 %(LATEST_YEAR)s 之间",
                EARLIEST_YEAR=EARLIEST_YEAR, LATEST_YEAR=LATEST_YEAR), field_name)
    return year


def _year_free(year: int) -> None:
    if db.session.scalar(select(DirectoryEdition.id).where(DirectoryEdition.year == year)):
        raise ValidationFailed(_("%(year)s 年度的目录版本已存在", year=year), "year")


def default_title(year: int) -> str:
    return _("%(year)s年南充市政府购买服务指导性目录", year=year)


def create_edition(user, year, title: str = "", code_note: str = "") -> DirectoryEdition:
    """An empty draft for a year (usually one copies the current edition instead)."""
    check_editor(user)
    errors = FieldErrors()
    year = errors.check(check_year, year)
    title = errors.check(check_text, title, "title", _("标题"), required=False)
    code_note = errors.check(check_text, code_note, "code_note", _("编码说明"), required=False,
                             max_length=300)
    errors.raise_if_any()
    _year_free(year)
    edition = DirectoryEdition(year=year, title=title or default_title(year), status="draft",
                               region_code=user.region_code, code_note=code_note or "")
    db.session.add(edition)
    db.session.flush()
    return edition


def copy_edition(user, source: DirectoryEdition | None = None, year=None,
                 title: str = "") -> DirectoryEdition:
    """Next year's draft as a copy of source (default: the edition in force), items and tree
    included. Copied in SQL (two statements for the rows, one for the parents), audited once."""
    check_editor(user)
    source = source or current_edition() or db.session.scalar(
        select(DirectoryEdition).order_by(DirectoryEdition.year.desc()).limit(1))
    if source is None:
        raise ValidationFailed(_("还没有可复制的目录版本，请先新建一个空白版本"), "source")
    year = check_year(year if year not in (None, "") else source.year + 1)
    edition = create_edition(user, year, title, source.code_note)
    edition.copied_from_id = source.id
    columns = ("code", "level", "position", "name", "description", "purchasing_department",
               "requirements")
    db.session.execute(insert(DirectoryItem).from_select(
        ("edition_id", *columns),
        select(db.literal(edition.id), *(getattr(DirectoryItem, c) for c in columns))
        .where(DirectoryItem.edition_id == source.id)))
    old, old_parent, new = aliased(DirectoryItem), aliased(DirectoryItem), aliased(DirectoryItem)
    parent_of = (select(new.id)
                 .join(old_parent, old_parent.code == new.code)
                 .join(old, old.parent_id == old_parent.id)
                 .where(new.edition_id == edition.id, old_parent.edition_id == source.id,
                        old.edition_id == source.id, old.code == DirectoryItem.code)
                 .scalar_subquery())
    db.session.execute(update(DirectoryItem).where(DirectoryItem.edition_id == edition.id,
                                                   DirectoryItem.level > 1)
                       .values(parent_id=parent_of).execution_options(synchronize_session=False))
    audit.record("copy", edition, comment=f"由 {source.year} 年度版本复制",
                 changes={"copied_from": source.year, "items": item_count(edition)})
    return edition


def publish(user, edition: DirectoryEdition) -> DirectoryEdition:
    """Publish a draft: from then on it is frozen and, once its year comes, in force."""
    check_editor(user)
    check_draft(edition)
    if not item_count(edition):
        raise ValidationFailed(_("目录中还没有条目，不能发布"), "items")
    # Set before the move: once its flush has made the edition published, it is frozen.
    edition.published_at = utcnow()
    edition.published_by = user.id
    EDITION_MACHINE.move(edition, "publish", user)
    return edition


def item_count(edition: DirectoryEdition) -> int:
    return db.session.scalar(select(func.count()).select_from(DirectoryItem)
                             .where(DirectoryItem.edition_id == edition.id)) or 0


# --- items ---------------------------------------------------------------------------------

def check_code(value, field_name: str = "code") -> str:
    code = (str(value) if value is not None else "").strip()
    if not code:
        raise ValidationFailed(_("请填写编码"), field_name)
    if not CODE_PATTERN.fullmatch(code):
        raise ValidationFailed(_("编码只能由字母、数字和 . _ - 组成，以字母或数字开头，最长 20 位"),
                               field_name)
    return code


def check_level(value, field_name: str = "level") -> int:
    text = (str(value) if value is not None else "").strip()
    if not text:
        raise ValidationFailed(_("请填写层级（1–4）"), field_name)
    if text.endswith(".0"):
        text = text[:-2]
    if not text.isdigit() or not 1 <= int(text) <= MAX_DIRECTORY_LEVEL:
        raise ValidationFailed(_(
            "层级应为 1 到 %(MAX_DIRECTORY_LEVEL)s 的整数",
                MAX_DIRECTORY_LEVEL=MAX_DIRECTORY_LEVEL), field_name)
    return int(text)


def clean_fields(data: dict, errors: FieldErrors) -> dict:
    """An item's fields checked one by one (shape only; the tree is checked by the caller)."""
    return {
        "code": errors.check(check_code, data.get("code")),
        "level": errors.check(check_level, data.get("level")),
        "parent_code": (str(data.get("parent_code") or "").strip())[:40],
        "name": errors.check(check_text, data.get("name"), "name", _("名称")),
        "description": errors.check(check_text, data.get("description"), "description",
                                    _("服务内容说明"), required=False, max_length=2000) or "",
        "purchasing_department": errors.check(
            check_text, data.get("purchasing_department"), "purchasing_department",
            _("购买主体（部门）"), required=False) or "",
        "requirements": errors.check(check_text, data.get("requirements"), "requirements",
                                     _("承接主体条件"), required=False, max_length=2000) or "",
    }


def check_parent(level: int | None, parent_code: str, parent_level: int | None,
                 errors: FieldErrors, exists: bool) -> None:
    """The tree's rules: level 1 has no parent; any other level's parent exists in the
    edition and is one level up."""
    if level is None:
        return
    if level == 1:
        if parent_code:
            errors.add("parent_code", _("一级条目不能有上级编码"))
        return
    if not parent_code:
        errors.add("parent_code", _("%(level)s 级条目须填写上级编码", level=level))
    elif not exists:
        errors.add("parent_code", _(
            "上级编码“%(parent_code)s”在本版本中不存在", parent_code=parent_code))
    elif parent_level != level - 1:
        errors.add("parent_code", _(
            "上级条目“%(parent_code)s”是 %(parent_level)s 级，%(level)s 级条目的上级应为 "
            "%(value4)s 级",
                parent_code=parent_code, parent_level=parent_level, level=level, value4=level - 1))


def _by_code(edition: DirectoryEdition, code: str) -> DirectoryItem | None:
    if not code:
        return None
    return db.session.scalar(select(DirectoryItem).where(
        DirectoryItem.edition_id == edition.id, DirectoryItem.code == code))


def _has_children(item: DirectoryItem) -> bool:
    return db.session.scalar(select(DirectoryItem.id).where(
        DirectoryItem.parent_id == item.id).limit(1)) is not None


def _next_position(edition: DirectoryEdition, parent: DirectoryItem | None) -> int:
    under = (DirectoryItem.parent_id == parent.id if parent is not None
             else DirectoryItem.parent_id.is_(None))
    with db.session.no_autoflush:
        last = db.session.scalar(select(func.max(DirectoryItem.position)).where(
            DirectoryItem.edition_id == edition.id, under))
    return (last or 0) + 1


def save_item(user, edition: DirectoryEdition, data: dict,
              item: DirectoryItem | None = None) -> DirectoryItem:
    """Add an item to a draft, or edit one (rename, move under another parent, change any
    field). Codes are unique within the edition; the parent is one level up."""
    check_editor(user)
    check_draft(edition)
    if item is not None and item.edition_id != edition.id:
        raise NotFound(_("目录条目不存在"))
    errors = FieldErrors()
    clean = clean_fields(data, errors)
    with db.session.no_autoflush:
        same = _by_code(edition, clean["code"]) if clean["code"] else None
        if same is not None and same is not item:
            errors.add("code", _("编码“%(value1)s”在本版本中已被使用", value1=clean['code']))
        parent = _by_code(edition, clean["parent_code"])
        if item is not None and parent is not None and parent.id == item.id:
            errors.add("parent_code", _("上级不能是条目自身"))
            parent = None
        check_parent(clean["level"], clean["parent_code"], parent.level if parent else None,
                     errors, parent is not None)
        if (item is not None and clean["level"] is not None and clean["level"] != item.level
                and _has_children(item)):
            errors.add("level", _("该条目有下级条目，不能改变层级（请先移走其下级）"))
    errors.raise_if_any()
    if item is None:
        item = DirectoryItem(edition_id=edition.id, position=_next_position(edition, parent))
        db.session.add(item)
    elif (parent.id if parent else None) != item.parent_id:
        item.position = _next_position(edition, parent)  # moved: last under its new parent
    item.parent_id = parent.id if parent else None
    for name in ("code", "level", "name", "description", "purchasing_department",
                 "requirements"):
        setattr(item, name, clean[name])
    db.session.flush()
    return item


def remove_item(user, item: DirectoryItem) -> None:
    """Take an item out of a draft (an item with sub-items cannot go: move or remove them)."""
    check_editor(user)
    edition = db.session.get(DirectoryEdition, item.edition_id)
    check_draft(edition)
    if _has_children(item):
        raise Conflict(_("该条目下还有下级条目，请先删除或移走下级条目"))
    db.session.delete(item)
    db.session.flush()


def city_user_for(username: str) -> User:
    """A command's actor: a city official by username (commands act as a named official)."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or user.role not in EDITORS or not user.active:
        raise NotAllowed(_("请指定一个市级工作人员（city_official）的用户名"))
    return user
