"""举报奖励: reports, their review by the region's staff, duplicates, rewards and claims.

Who handles a report: a station admin of its township, a county official of its county, a city
official (HANDLER_ROLES within their jurisdiction). Only they see the reporter's contact, and
only on the report itself; lists, exports, audit rows and the API for anyone else show it
masked or not at all. The reporter's account never appears in an audit row (the report is
written with no actor, and the account fields are masked as secrets).

Who is never rewarded (`exclusion`): staff whose jurisdiction covers the report's township
(and the city's platform administrators), and the representative of the reported organization.
Only the first valid reporter is rewarded: a later report of the same matter is marked a
duplicate of the first upheld one, which must be older than it.
"""

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from registry import audit
from registry.clock import utcnow
from registry.crypto import decrypt, encrypt, lookup_hash
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives import photos
from registry.incentives.models import REPORT_CATEGORIES, Report
from registry.masking import mask_contact
from registry.models import (
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    STAFF_ROLES,
    STATION_ADMIN,
    VOLUNTEER,
    Region,
    User,
)
from registry.points import ledger
from registry.scoping import REGIONAL_ROLES, can_see, region_visible, visible_select
from registry.texts import stored
from registry.tracking_codes import (  # noqa: F401 (show_code: the pages use it from here)
    CODE_ALPHABET,
    CODE_LENGTH,
    clean_code,
    new_code,
    show_code,
)
from registry.validators import check_text
from registry.volunteers.models import Volunteer
from registry.workflow import Machine, Move

HANDLER_ROLES = (STATION_ADMIN, COUNTY_OFFICIAL, CITY_OFFICIAL)
OPEN_STATES = ("submitted", "investigating")
REPORT_MACHINE = Machine("report", {
    "submitted": _l(
        "已受理"), "investigating": _l("调查中"), "upheld": _l("属实"), "rejected": _l("不属实"),
    "duplicate": _l("重复举报")}, (
    Move("investigate", _l("开始调查"), ("submitted",), "investigating", HANDLER_ROLES),
    Move("uphold", _l("认定属实"), OPEN_STATES, "upheld", HANDLER_ROLES),
    Move("reject", _l("认定不属实"), OPEN_STATES, "rejected", HANDLER_ROLES, comment_required=True),
    Move("duplicate", _l("标为重复举报"), OPEN_STATES, "duplicate", HANDLER_ROLES),
))
def submit(data: Mapping, photo=None, reporter: User | None = None) -> Report:
    """A new report → its tracking code. reporter is the signed-in account of a named report
    (None: anonymous). No audit actor is written, so the audit log never names the reporter."""
    errors = FieldErrors()
    category = data.get("category")
    if category not in REPORT_CATEGORIES:
        errors.add("category", _("请选择举报类别"))
    township = data.get("township_code")
    region = db.session.get(Region, township) if isinstance(township, str) else None
    if region is None or region.level != "township":
        errors.add("township_code", _("请选择事发乡镇（街道）"))
    description = errors.check(check_text, data.get("description"), "description", _("举报内容"),
                               max_length=5000)
    party = errors.check(check_text, data.get("reported_party"), "reported_party",
                         _("被举报对象"), required=False, max_length=200)
    contact = errors.check(check_text, data.get("contact"), "contact", _("联系方式"),
                           required=False, max_length=100)
    stored = None
    if photo is not None:
        checked = errors.check(photos.check_photo, *photo)
        stored = checked
    errors.raise_if_any()
    if reporter is not None and reporter.role != VOLUNTEER:
        reporter = None if reporter.role in STAFF_ROLES else reporter
    report = Report(tracking_code=new_code(), category=category, township_code=township,
                    description=description, reported_party=party or "",
                    contact_encrypted=encrypt(contact) if contact else "",
                    contact_masked=mask_contact(contact), status="submitted",
                    reporter_user_id=reporter.id if reporter is not None else None)
    if stored:
        report.photo_name, report.photo_type = photos.store(stored[0], stored[2]), stored[1]
    audit.set_actor(None)  # the audit row of a report never names who sent it
    db.session.add(report)
    db.session.flush()
    return report


def by_code(raw: Any) -> Report | None:
    code = clean_code(raw)
    if code is None:
        return None
    return db.session.scalar(select(Report).where(Report.tracking_code == code))


def public_status(report: Report) -> dict:
    """What anyone holding the tracking code sees: the state and the outcome, nobody's data."""
    return {
        "tracking_code": report.tracking_code, "category": report.category,
        "category_label": report.category_label, "township_code": report.township_code,
        "township_name": report.township.name, "status": report.status,
        "status_label": report.status_label, "submitted_on": report.created_at.date(),
        "decided_on": report.decided_at.date() if report.decided_at else None,
        "reward_points": report.reward_points, "reward_fen": report.reward_fen,
        "reward_status": report.reward_status, "reward_status_label": report.reward_status_label,
    }


def handles(user: Any, report: Report) -> bool:
    """Whether user is the handling staff of this report (and so may see its contact)."""
    return (getattr(user, "is_authenticated", False) and user.role in HANDLER_ROLES
            and can_see(user, report))


def contact_of(viewer: Any, report: Report) -> str:
    """The reporter's contact: in full for the handling staff (audited), masked otherwise."""
    if not report.contact_encrypted:
        return ""
    if not handles(viewer, report):
        return report.contact_masked
    audit.record("view_contact", report, comment="查看举报人联系方式")
    return decrypt(report.contact_encrypted)


def reporter_of(viewer: Any, report: Report) -> str:
    """Who reported, as the viewer may know it: the handling staff see the account's name."""
    if report.reporter_user_id is None:
        return _("匿名")
    if not handles(viewer, report):
        return _("实名（身份保密）")
    user = db.session.get(User, report.reporter_user_id)
    return _("%(display_name)s（实名）", display_name=user.display_name) if user else _("实名")


def list_stmt(user: Any, args: Mapping):
    """The reports user handles, newest first; filters status, category, township_code."""
    stmt = visible_select(user, Report)
    status, category = args.get("status") or "", args.get("category") or ""
    if status in REPORT_MACHINE.states:
        stmt = stmt.where(Report.status == status)
    if category in REPORT_CATEGORIES:
        stmt = stmt.where(Report.category == category)
    township = args.get("township_code") or ""
    if isinstance(township, str) and township:
        stmt = stmt.where(Report.township_code == township)
    return stmt.order_by(Report.id.desc())


def exclusion(user: User | None, report: Report) -> str | None:
    """Why this account may not be rewarded for this report, or None."""
    if user is None:
        return None
    if user.role in STAFF_ROLES and (user.role not in REGIONAL_ROLES
                                     or region_visible(user, report.township_code)):
        return _("举报人是受理该举报地区的工作人员，不予奖励")
    if (report.reported_organization_id and user.organization_id
            and user.organization_id == report.reported_organization_id):
        return _("举报人是被举报组织的负责人，不予奖励")
    return None


def _check_reward(reward_points: Any, reward_fen: Any) -> tuple[int, int]:
    points, fen = reward_points or 0, reward_fen or 0
    if isinstance(points, bool) or not isinstance(points, int) or points < 0:
        raise ValidationFailed(_("奖励积分必须是不小于 0 的整数"), "reward_points")
    if isinstance(fen, bool) or not isinstance(fen, int) or fen < 0:
        raise ValidationFailed(_("奖金必须是不小于 0 的整数（单位：分）"), "reward_fen")
    if points and fen:
        raise ValidationFailed(_("积分奖励和奖金只能选一种"), "reward_fen")
    cap = current_app.config["REPORT_REWARD_MAX_POINTS"]
    if points > cap:
        raise ValidationFailed(_("一次举报的奖励积分不能超过 %(cap)s 分", cap=cap), "reward_points")
    tiers = current_app.config["REPORT_REWARD_TIERS_FEN"]
    if fen and fen not in tiers.values():
        allowed = "、".join(_(
            "%(name)s %(value1)s 元",
            name=name, value1=value // 100) for name, value in tiers.items())
        raise ValidationFailed(_("奖金须按档次发放：%(allowed)s", allowed=allowed), "reward_fen")
    return points, fen


def _check_open(user: Any, report: Report) -> None:
    if not handles(user, report):
        raise NotAllowed(_("只有该举报所在地区的工作人员可以处理"))
    if report.status not in OPEN_STATES:
        raise Conflict(_(
            "该举报已处理（%(status_label)s），不能再次核实", status_label=report.status_label))


def investigate(user: User, report: Report, comment: str = "") -> None:
    _check_open(user, report)
    REPORT_MACHINE.move(report, "investigate", user, comment)


def verify(user: User, report: Report, outcome: str, *, reward_points: Any = 0,
           reward_fen: Any = 0, comment: str = "",
           reported_organization_id: int | None = None) -> Report:
    """Decide a report: upheld (with a reward in points or fen) or rejected (reason required).
    A registered reporter's points are credited now; an anonymous reporter's reward waits for a
    claim with the tracking code; an excluded reporter gets nothing, with the reason noted."""
    _check_open(user, report)
    if outcome not in ("upheld", "rejected"):
        raise ValidationFailed(_("核实结果只能是“属实”或“不属实”"), "outcome")
    points, fen = _check_reward(reward_points, reward_fen)
    if outcome == "rejected":
        if points or fen:
            raise ValidationFailed(_("不属实的举报不能给予奖励"), "reward_points")
        REPORT_MACHINE.move(report, "reject", user, comment)
        report.reward_status = "none"
        return _decided(user, report, comment)
    if reported_organization_id is not None:
        report.reported_organization_id = reported_organization_id
    REPORT_MACHINE.move(report, "uphold", user, comment)
    report.reward_points, report.reward_fen = points, fen
    if not (points or fen):
        report.reward_status = "none"
    elif report.reporter_user_id is None:
        report.reward_status = "unclaimed"
    else:
        _reward(user, report, db.session.get(User, report.reporter_user_id))
    return _decided(user, report, comment)


def _decided(user: User, report: Report, comment: str) -> Report:
    report.outcome_comment = (comment or "").strip()[:2000]
    report.decided_at, report.decided_by = utcnow(), user.id
    db.session.flush()
    return report


def _reward(actor: Any, report: Report, person: User | None) -> None:
    """Give an upheld report's reward to person (the reporter or the claimant), or note why
    not. Points go through the ledger at once; cash is approved, then paid offline."""
    reason = exclusion(person, report)
    if reason:
        report.reward_status, report.reward_note = "excluded", reason
        return
    if report.reward_points:
        volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == person.id))
        if volunteer is None:
            raise Conflict(_("举报人没有志愿者档案，无法记入积分，请改为奖金或线下联系"),
                           "reward_points")
        ledger.credit(volunteer, report.reward_points, "report", stored("举报属实奖励"),
                      ref=f"report:{lookup_hash(f'report-{report.id}')[:40]}", by=actor)
        report.reward_status = "credited"
    else:
        report.reward_status = "approved"


def mark_duplicate(user: User, report: Report, first_code: Any, comment: str = "") -> Report:
    """Link a report to the first upheld report of the same matter; it earns nothing."""
    _check_open(user, report)
    first = by_code(first_code)
    if first is None or not handles(user, first):
        raise ValidationFailed(_("找不到该查询码对应的举报（须在您的管辖范围内）"), "duplicate_of")
    if first.id == report.id or first.status != "upheld":
        raise ValidationFailed(_("重复举报只能关联到已认定属实的另一件举报"), "duplicate_of")
    if first.created_at > report.created_at or first.id > report.id:
        raise Conflict(_("该举报早于所选举报；只有最先举报的人可获奖励，请先核实较早的这件举报"),
                       "duplicate_of")
    report.duplicate_of_id = first.id
    REPORT_MACHINE.move(report, "duplicate", user, comment)
    report.reward_status = "none"
    return _decided(user, report, comment)


def mark_paid(user: User, report: Report, comment: str = "") -> Report:
    """Record that an approved cash reward was paid offline (approved → paid, once)."""
    if not handles(user, report):
        raise NotAllowed(_("只有该举报所在地区的工作人员可以处理"))
    done = db.session.execute(update(Report).where(
        Report.id == report.id, Report.reward_status == "approved").values(
            reward_status="paid")).rowcount
    if done != 1:
        raise Conflict(_("只有已核准、尚未发放的奖金可以登记为已发放"))
    db.session.refresh(report)
    audit.record("transition", report, changes={"reward_status": ["approved", "paid"]},
                 comment=f"奖金已线下发放：{(comment or '').strip()[:500]}")
    return report


def claim(user: User, raw_code: Any) -> Report:
    """An anonymous reporter, signed in, claims the reward of an upheld report with its code."""
    report = by_code(raw_code)
    if report is None:
        raise NotFound(_("查询码不正确"))
    if report.status != "upheld" or report.reward_status != "unclaimed":
        raise Conflict(_("该举报没有待认领的奖励（未认定属实、无奖励或已认领）"))
    days = current_app.config["REPORT_CLAIM_DAYS"]
    if report.decided_at and utcnow() > report.decided_at + timedelta(days=days):
        raise Conflict(_("已超过认领期限（认定属实后 %(days)s 天内）", days=days))
    reason = exclusion(user, report)
    if reason:
        raise Conflict(reason)
    # Guarded, so that two claims of one code cannot both pass.
    done = db.session.execute(update(Report).where(
        Report.id == report.id, Report.reward_status == "unclaimed").values(
            reward_status="claiming", claimant_user_id=user.id)).rowcount
    if done != 1:
        raise Conflict(_("该奖励已被认领"))
    db.session.refresh(report)
    audit.set_actor(None)  # the claim's audit row does not tie the account to the report
    _reward(None, report, user)
    db.session.flush()
    return report


def photo_of(user: Any, report: Report):
    """The stored photo's path for the handling staff, else 404."""
    if not report.photo_name or not handles(user, report):
        raise NotFound(_("照片不存在"))
    return photos.path_of(report.photo_name), report.photo_type
