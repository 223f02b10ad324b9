"""State machines: which moves exist, from which states, for which roles; each move audited."""

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from registry import audit
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import AuditEntry


@dataclass(frozen=True)
class Move:
    """One allowed move: from any of sources to target, by any of roles."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: tuple[str, ...]
    comment_required: bool = False


@dataclass
class Machine:
    """The moves of one kind of row, over the attribute `field` (default `status`)."""

    name: str
    states: dict[str, str]  # state -> Chinese label
    moves: tuple[Move, ...]
    field: str = "status"
    by_name: dict[str, Move] = dataclasses.field(init=False)

    def __post_init__(self) -> None:
        self.by_name = {move.name: move for move in self.moves}

    def label(self, state: str | None) -> str:
        return self.states.get(state or "", state or "")

    def allowed(self, obj: Any, user: Any) -> list[Move]:
        """The moves user may make on obj now (for buttons)."""
        state = getattr(obj, self.field)
        return [m for m in self.moves if state in m.sources and user.role in m.roles]

    def move(self, obj: Any, name: str, user: Any, comment: str = "") -> Move:
        """Make a move or raise (409 wrong state, 403 wrong role, 422 missing comment)."""
        move = self.by_name.get(name)
        if move is None:
            raise Conflict(_("没有“%(name)s”这个操作", name=name))
        state = getattr(obj, self.field)
        if state not in move.sources:
            raise Conflict(_("当前状态为“%(value1)s”，不能%(label)s",
                             value1=self.label(state),
                             label=move.label))
        if user.role not in move.roles:
            raise NotAllowed(_("您的角色不能%(label)s", label=move.label))
        comment = (comment or "").strip()
        if move.comment_required and not comment:
            raise ValidationFailed(_("%(label)s须填写意见或理由", label=move.label), "comment")
        if len(comment) > 2000:
            raise ValidationFailed(_("意见不能超过 2000 个字符"), "comment")
        setattr(obj, self.field, move.target)
        db.session.flush()
        audit.record("transition", obj, changes={self.field: [state, move.target]},
                     comment=f"{move.label}：{comment}" if comment else move.label)
        return move


def history(obj: Any, limit: int = 200) -> list[AuditEntry]:
    """The workflow moves recorded for obj, oldest first (who, when, from→to, comment)."""
    ident = ",".join(str(v) for v in db.inspect(obj).mapper.primary_key_from_instance(obj))
    stmt = (
        select(AuditEntry)
        .where(AuditEntry.object_type == type(obj).__name__, AuditEntry.object_id == ident,
               AuditEntry.action == "transition")
        .order_by(AuditEntry.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))
