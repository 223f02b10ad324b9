"""社情民意: posting with a tracking code, answering, forwarding, rating, reopening and the lists.

Who handles a suggestion: the staff whose jurisdiction covers its handling region (handler_code:
the township's station admin, the county officials, the city officials). Only they see the
poster's contact, on the suggestion itself (viewing it is audited); lists, the public board,
the API for anyone else and audit rows never show who posted. The poster's writes (post, rate,
reopen) are recorded with no actor. Staff never see the tracking code: with it they could rate
their own answer.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from registry import audit, notifications
from registry.clock import today_local, utcnow
from registry.crypto import decrypt, encrypt
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import photos
from registry.masking import mask_contact
from registry.models import (
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    STAFF_ROLES,
    STATION_ADMIN,
    Region,
    User,
)
from registry.pagination import capped_count
from registry.participation.deadlines import due_date
from registry.participation.models import (
    OPEN_STATES,
    RATINGS,
    SUGGESTION_CATEGORIES,
    SUGGESTION_STATUSES,
    Suggestion,
)
from registry.privacy import mask_in_text
from registry.scoping import can_see, visible_select
from registry.tracking_codes import clean_code, new_code, show_code
from registry.validators import check_text

HANDLER_ROLES = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)
MAX_CONTENT = 2000
ANSWERED = notifications.kind("suggestion_answered", _l("您的社情民意留言 %(code)s 已答复"))
FORWARDED = notifications.kind("suggestion_forwarded", _l(
    "第 %(id)s 号社情民意留言已转交您处办理，答复期限 %(due)s"))
OVERDUE = notifications.kind("suggestion_overdue", _l(
    "第 %(id)s 号社情民意留言已超过答复期限（%(due)s）仍未答复"))
REOPENED = notifications.kind("suggestion_reopened", _l(
    "第 %(id)s 号社情民意留言因留言人不满意已重新办理，新的答复期限 %(due)s"))


def staff_link(suggestion: Suggestion) -> str:
    return f"/suggestions/{suggestion.id}"


def _tell_handlers(region_code: str, kind: str, params: dict, link: str) -> int:
    """A message to the staff who handle region_code itself (its level's role)."""
    region = db.session.get(Region, region_code)
    if region is None:
        return 0
    role = {"township": STATION_ADMIN, "county": COUNTY_OFFICIAL}.get(region.level,
                                                                       CITY_OFFICIAL)
    return notifications.notify_staff(region_code, (role,), kind, params, link)


def submit(data: Mapping, photo=None, poster: User | None = None) -> Suggestion:
    """A new suggestion → its tracking code. poster: the signed-in volunteer posting under their
    account (None: anonymous; staff accounts always post anonymously)."""
    errors = FieldErrors()
    category = data.get("category")
    if category not in SUGGESTION_CATEGORIES:
        errors.add("category", _("请选择留言类别"))
    township = data.get("township_code")
    region = db.session.get(Region, township) if isinstance(township, str) else None
    if region is None or region.level != "township":
        errors.add("township_code", _("请选择所在乡镇（街道）"))
    content = errors.check(check_text, data.get("content"), "content", _("留言内容"),
                           max_length=MAX_CONTENT)
    contact = errors.check(check_text, data.get("contact"), "contact", _("联系方式"),
                           required=False, max_length=100)
    checked = errors.check(photos.check_photo, *photo) if photo is not None else None
    errors.raise_if_any()
    if poster is not None and poster.role in STAFF_ROLES:
        poster = None
    suggestion = Suggestion(
        tracking_code=new_code(), category=category, township_code=township,
        handler_code=township, content=content, due_on=due_date(category, today_local()),
        contact_encrypted=encrypt(contact) if contact else "",
        contact_masked=mask_contact(contact) if contact else "", status="open",
        poster_user_id=poster.id if poster is not None else None)
    if checked:
        suggestion.photo_name = photos.store(checked[0], checked[2])
        suggestion.photo_type = checked[1]
    audit.set_actor(None)  # the audit row never names who posted
    db.session.add(suggestion)
    db.session.flush()
    return suggestion


def by_code(raw: Any) -> Suggestion | None:
    code = clean_code(raw)
    if code is None:
        return None
    return db.session.scalar(select(Suggestion).where(Suggestion.tracking_code == code))


def by_code_or_error(raw: Any, field: str = "tracking_code") -> Suggestion:
    suggestion = by_code(raw)
    if suggestion is None:
        raise ValidationFailed(_("查询码不正确，请核对后重试"), field)
    return suggestion


def is_overdue(suggestion: Suggestion) -> bool:
    return suggestion.status in OPEN_STATES and suggestion.due_on < today_local()


def public_status(suggestion: Suggestion) -> dict:
    """What the holder of the tracking code sees: their message, the state and the answer."""
    return {
        "tracking_code": show_code(suggestion.tracking_code), "category": suggestion.category,
        "category_label": suggestion.category_label,
        "township_code": suggestion.township_code, "township_name": suggestion.township.name,
        "handler_name": suggestion.handler.name, "content": suggestion.content,
        "status": suggestion.status, "status_label": suggestion.status_label,
        "posted_on": suggestion.created_at.date(), "due_on": suggestion.due_on,
        "overdue": is_overdue(suggestion), "answer": suggestion.answer,
        "answered_at": suggestion.answered_at, "rating": suggestion.rating,
        "rating_label": suggestion.rating_label, "can_rate": can_rate(suggestion),
        "can_reopen": can_reopen(suggestion),
    }


def public_dict(suggestion: Suggestion) -> dict:
    """An answered suggestion on the public board: never the poster, contact or photo."""
    return {
        "id": suggestion.id, "category": suggestion.category,
        "category_label": suggestion.category_label,
        "township_code": suggestion.township_code, "township_name": suggestion.township.name,
        "content": mask_in_text(suggestion.content), "answer": mask_in_text(suggestion.answer),
        "posted_on": suggestion.created_at.date(),
        "answered_on": suggestion.answered_at.date() if suggestion.answered_at else None,
        "rating": suggestion.rating,
    }


def handles(user: Any, suggestion: Suggestion) -> bool:
    """Whether user is the handling staff (and so may answer and see the contact)."""
    return (getattr(user, "is_authenticated", False) and user.role in HANDLER_ROLES
            and can_see(user, suggestion))


def contact_of(viewer: Any, suggestion: Suggestion) -> str:
    """The poster's contact: in full for the handling staff (audited), masked otherwise."""
    if not suggestion.contact_encrypted:
        return ""
    if not handles(viewer, suggestion):
        return suggestion.contact_masked
    audit.record("view_contact", suggestion, comment="查看留言人联系方式")
    return decrypt(suggestion.contact_encrypted)


def poster_of(suggestion: Suggestion) -> str:
    """Anonymous or named; the account itself is never shown."""
    return _("实名（身份保密）") if suggestion.poster_user_id else _("匿名")


def _check_open(user: Any, suggestion: Suggestion) -> None:
    if not handles(user, suggestion):
        raise NotAllowed(_("只有负责办理该留言的工作人员可以处理"))
    if suggestion.status not in OPEN_STATES:
        raise Conflict(_("该留言已答复，不能再次处理"))


def answer(user: User, suggestion: Suggestion, text: Any) -> Suggestion:
    """Answer an open suggestion; the poster is told (their account, or their tracking code)."""
    _check_open(user, suggestion)
    text = check_text(text, "answer", _("答复内容"), max_length=MAX_CONTENT)
    now = utcnow()
    suggestion.answer, suggestion.answered_at, suggestion.answered_by = text, now, user.id
    if suggestion.first_answered_at is None:
        suggestion.first_answered_at = now
        suggestion.answer_seconds = max(0, int((now - suggestion.created_at).total_seconds()))
        suggestion.answered_in_time = today_local() <= suggestion.due_on
    suggestion.status = "answered"
    suggestion.rating, suggestion.rated_at = None, None  # a new answer is rated afresh
    params = {"code": show_code(suggestion.tracking_code)}
    if suggestion.poster_user_id is not None:
        notifications.notify(suggestion.poster_user_id, ANSWERED, params)
    else:
        notifications.notify_code(suggestion.tracking_code, ANSWERED, params)
    db.session.flush()
    return suggestion


def forward_targets(user: Any) -> list[Region]:
    """Where user may forward to: the townships of their county and the county itself; a city
    official any county or township of the city."""
    if user.role == CITY_OFFICIAL:
        stmt = select(Region).where(Region.city_code == user.region_code,
                                    Region.level.in_(("county", "township")))
    else:
        region = db.session.get(Region, user.region_code)
        county = region.code if region.level == "county" else region.county_code
        stmt = select(Region).where((Region.code == county) | (
            (Region.county_code == county) & (Region.level == "township")))
    return list(db.session.scalars(stmt.order_by(Region.code)))


def forward(user: User, suggestion: Suggestion, region_code: Any) -> Suggestion:
    """Hand a suggestion to another township or the county; the due date does not move."""
    _check_open(user, suggestion)
    if not isinstance(region_code, str) or len(region_code) > 12:
        raise ValidationFailed(_("请选择转交到的乡镇（街道）或区县"), "region_code")
    allowed = {region.code for region in forward_targets(user)}
    if region_code not in allowed:
        raise ValidationFailed(_("只能转交到本区县的乡镇（街道）或区县（市级可转交到全市）"),
                               "region_code")
    if region_code == suggestion.handler_code:
        raise ValidationFailed(_("该留言已由所选地区办理"), "region_code")
    suggestion.handler_code = region_code
    suggestion.forwarded_count += 1
    suggestion.overdue_notified_at = None
    db.session.flush()
    db.session.expire(suggestion, ["handler"])
    _tell_handlers(region_code, FORWARDED, {"id": suggestion.id,
                                            "due": suggestion.due_on.isoformat()},
                   staff_link(suggestion))
    db.session.flush()
    return suggestion


def can_rate(suggestion: Suggestion) -> bool:
    return suggestion.status == "answered" and suggestion.rating is None


def can_reopen(suggestion: Suggestion) -> bool:
    return (suggestion.status == "answered" and suggestion.rating == "unsatisfied"
            and suggestion.reopen_count < 1)


def rate(raw_code: Any, rating: Any, reason: Any = "") -> Suggestion:
    """The poster rates the answer with the tracking code; 不满意 needs a reason."""
    suggestion = by_code_or_error(raw_code)
    errors = FieldErrors()
    if rating not in RATINGS:
        errors.add("rating", _("请选择满意、基本满意或不满意"))
    reason = errors.check(check_text, reason or "", "reason", _("理由"),
                          required=rating == "unsatisfied", max_length=500)
    errors.raise_if_any()
    if not can_rate(suggestion):
        raise Conflict(_("该留言尚未答复或已评价"), "rating")
    audit.set_actor(None)
    suggestion.rating, suggestion.rating_reason = rating, reason or ""
    suggestion.rated_at = utcnow()
    db.session.flush()
    return suggestion


def reopen(raw_code: Any, reason: Any = "") -> Suggestion:
    """An unsatisfied poster reopens the suggestion once: back to its handler, with a new due
    date counted from today."""
    suggestion = by_code_or_error(raw_code)
    reason = check_text(reason or "", "reason", _("理由"), required=False, max_length=500)
    if not can_reopen(suggestion):
        if suggestion.reopen_count:
            raise Conflict(_("每条留言只能重新办理一次"), "tracking_code")
        raise Conflict(_("只有评价为“不满意”的答复可以申请重新办理"), "tracking_code")
    audit.set_actor(None)
    suggestion.status, suggestion.reopen_count = "reopened", suggestion.reopen_count + 1
    suggestion.reopened_at, suggestion.overdue_notified_at = utcnow(), None
    suggestion.due_on = due_date(suggestion.category, today_local())
    if reason:
        suggestion.rating_reason = f"{suggestion.rating_reason}\n{reason}".strip()[:2000]
    _tell_handlers(suggestion.handler_code, REOPENED,
                   {"id": suggestion.id, "due": suggestion.due_on.isoformat()},
                   staff_link(suggestion))
    db.session.flush()
    return suggestion


def _text_arg(args: Mapping, key: str) -> str:
    value = args.get(key) or ""
    return value[:30] if isinstance(value, str) else ""


def list_stmt(user: Any, args: Mapping):
    """The suggestions user handles, newest first; filters status, category, township_code
    (where posted) and overdue (open past the due date)."""
    stmt = visible_select(user, Suggestion)
    status, category = _text_arg(args, "status"), _text_arg(args, "category")
    if status in SUGGESTION_STATUSES:
        stmt = stmt.where(Suggestion.status == status)
    if category in SUGGESTION_CATEGORIES:
        stmt = stmt.where(Suggestion.category == category)
    township = _text_arg(args, "township_code")
    if township:
        stmt = stmt.where(Suggestion.township_code == township)
    if args.get("overdue") in (True, "1", "true", "on"):
        stmt = stmt.where(Suggestion.status.in_(OPEN_STATES),
                          Suggestion.due_on < today_local())
    return stmt.order_by(Suggestion.id.desc())


def public_stmt(args: Mapping):
    """The public board: answered suggestions, newest first; filters category, township."""
    stmt = select(Suggestion).where(Suggestion.status == "answered")
    category, township = _text_arg(args, "category"), _text_arg(args, "township_code")
    if category in SUGGESTION_CATEGORIES:
        stmt = stmt.where(Suggestion.category == category)
    if township:
        stmt = stmt.where(Suggestion.township_code == township)
    return stmt.order_by(Suggestion.id.desc())


def home_work(user: Any, cap: int) -> dict:
    """The staff home page's to-do: open and overdue suggestions, counted up to cap."""
    return {"open": capped_count(list_stmt(user, {"status": "open"}), cap),
            "reopened": capped_count(list_stmt(user, {"status": "reopened"}), cap),
            "overdue": capped_count(list_stmt(user, {"overdue": "1"}), cap)}


def notify_overdue(limit: int = 1000) -> int:
    """Tell the officials above each newly overdue suggestion, once (overdue_notified_at)."""
    stmt = (select(Suggestion).where(Suggestion.status.in_(OPEN_STATES),
                                     Suggestion.due_on < today_local(),
                                     Suggestion.overdue_notified_at.is_(None))
            .order_by(Suggestion.id).limit(limit))
    told = 0
    for suggestion in db.session.scalars(stmt).all():
        level = suggestion.handler.level
        roles = (CITY_OFFICIAL,) if level == "city" else (COUNTY_OFFICIAL,)
        notifications.notify_staff(suggestion.handler_code, roles, OVERDUE,
                                   {"id": suggestion.id, "due": suggestion.due_on.isoformat()},
                                   staff_link(suggestion))
        suggestion.overdue_notified_at = utcnow()
        told += 1
    db.session.flush()
    return told


def photo_of(user: Any, suggestion: Suggestion):
    """The stored photo's path for the handling staff, else 404."""
    if not suggestion.photo_name or not handles(user, suggestion):
        raise NotFound(_("照片不存在"))
    return photos.path_of(suggestion.photo_name), suggestion.photo_type
