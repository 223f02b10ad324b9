"""The message centre: what concerns each user (an application returned, a volunteer approved, a
suggestion answered, an overdue item), and what an anonymous poster reads with their tracking
code.

A notification stores its kind and the parameters of its text, not the text: the bell reads in
the viewer's language. Areas register their kinds (`kind(name, text)`) when their module is
imported and call `notify` / `notify_code` / `notify_staff` in the same transaction as the change
they tell about, so a rolled-back change tells nobody. Texts never carry personal data (names of
organizations and activities, tracking codes shown as ABCDE-FGHJK, dates).
"""

import json
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from registry.clock import utcnow
from registry.crypto import lookup_hash
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.models import ORG_ADMIN, Region, User

KINDS: dict[str, Any] = {}  # kind → its lazy text with %(name)s parameters
BELL_CAP = 99  # the bell shows "99+" beyond this: the count stops there (cheap for anyone)


class Notification(db.Model):
    """One message to one account, or to the holder of one tracking code (anonymous posters)."""

    __label__ = _l("站内消息")
    # Derived from changes that are themselves audited; a read mark is not a change of record.
    __audit_skip__ = True
    __table_args__ = (
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
        Index("ix_notification_code", "code_hash", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    code_hash: Mapped[str | None] = mapped_column(String(64))  # keyed hash of a tracking code
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[str] = mapped_column(Text, default="{}")
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # A warning sent once per thing (e.g. "benefit-expiring:<claim id>"): a second is refused.
    once_key: Mapped[str | None] = mapped_column(String(80), unique=True)

    @property
    def text(self) -> str:
        """The message in the viewer's language."""
        template = KINDS.get(self.kind)
        if template is None:
            return self.kind
        try:
            return str(template) % json.loads(self.params or "{}")
        except (KeyError, TypeError, ValueError):
            return str(template)


def kind(name: str, text) -> str:
    """Register a kind of message (text: a lazy gettext with %(param)s); returns the name."""
    KINDS[name] = text
    return name


def _new(kind_name: str, params: dict | None, link: str | None, **target) -> Notification:
    if kind_name not in KINDS:
        raise KeyError(f"unregistered notification kind {kind_name!r}")
    note = Notification(kind=kind_name, params=json.dumps(params or {}, ensure_ascii=False,
                                                           default=str), link=link, **target)
    db.session.add(note)
    return note


def notify(user_id: int | None, kind_name: str, params: dict | None = None,
           link: str | None = None) -> Notification | None:
    """A message to one account (nothing when there is no account to tell)."""
    if user_id is None:
        return None
    return _new(kind_name, params, link, user_id=user_id)


def notify_org(organization_id: int | None, kind_name: str, params: dict | None = None,
               link: str | None = None) -> int:
    """A message to each active representative account (org_admin) of an organization."""
    if organization_id is None:
        return 0
    user_ids = db.session.scalars(
        select(User.id).where(User.role == ORG_ADMIN, User.organization_id == organization_id,
                              User.active.is_(True))).all()
    for user_id in user_ids:
        _new(kind_name, params, link, user_id=user_id)
    return len(user_ids)


def notify_once(user_id: int | None, once_key: str, kind_name: str,
                params: dict | None = None, link: str | None = None) -> Notification | None:
    """A message sent at most once for once_key (a periodic warning run twice tells once);
    None when it was already sent or there is no account."""
    if user_id is None or db.session.scalar(
            select(Notification.id).where(Notification.once_key == once_key)):
        return None
    try:
        with db.session.begin_nested():
            return _new(kind_name, params, link, user_id=user_id, once_key=once_key)
    except IntegrityError:  # another worker sent it meanwhile
        return None


def safe_link(link: str | None) -> str | None:
    """A stored link if it is a path inside the site ("/…", never "//host" or a scheme)."""
    if not link or not link.startswith("/") or link.startswith("//") or "\\" in link:
        return None
    if any(ch in link for ch in "\r\n\t") or ":" in link.split("?", 1)[0]:
        return None
    return link


def notify_code(code: str, kind_name: str, params: dict | None = None,
                link: str | None = None) -> Notification:
    """A message to whoever holds a tracking code (the code itself is stored only hashed)."""
    return _new(kind_name, params, link, code_hash=lookup_hash(code))


def notify_staff(region_code: str, roles: tuple[str, ...], kind_name: str,
                 params: dict | None = None, link: str | None = None) -> int:
    """A message to every active account of `roles` whose jurisdiction covers region_code
    (e.g. the county officials above a township). Returns how many were told."""
    region = db.session.get(Region, region_code)
    if region is None:
        return 0
    above = {region.code, region.county_code, region.city_code} - {None}
    user_ids = db.session.scalars(
        select(User.id).where(User.role.in_(roles), User.region_code.in_(above),
                              User.active.is_(True))).all()
    for user_id in user_ids:
        _new(kind_name, params, link, user_id=user_id)
    return len(user_ids)


def unread_count(user: User) -> int:
    """The bell's number, counted no further than BELL_CAP + 1."""
    capped = (select(Notification.id)
              .where(Notification.user_id == user.id, Notification.read_at.is_(None))
              .limit(BELL_CAP + 1).subquery())
    return db.session.scalar(select(func.count()).select_from(capped)) or 0


def for_user_stmt(user: User):
    """A user's messages, newest first (paginate on Notification.id)."""
    return select(Notification).where(Notification.user_id == user.id)


def for_code(code: str, limit: int = 20) -> list[Notification]:
    """The messages for a tracking code, newest first."""
    return list(db.session.scalars(
        select(Notification).where(Notification.code_hash == lookup_hash(code))
        .order_by(Notification.id.desc()).limit(limit)))


def mark_read(user: User, note_id: int | None = None) -> int:
    """Mark one of the user's messages (or all of them) read; another's is never touched."""
    stmt = (update(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
            .values(read_at=utcnow()))
    if note_id is not None:
        stmt = stmt.where(Notification.id == note_id)
    return db.session.execute(stmt).rowcount
