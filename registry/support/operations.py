"""Training (人才培养) and funding support (资金支持): trainings with attendance, grants in fen
(approved → paid, or cancelled) and their totals by county, year and type."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import case, distinct, func, select

from registry.clock import today_local, utcnow
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import Region
from registry.organizations.models import Organization
from registry.scoping import region_codes_under, region_visible, visible, visible_select
from registry.support.incubation import (
    OFFICIALS,
    check_dates,
    check_int,
    require_official,
    visible_org,
)
from registry.support.models import (
    GRANT_STATUSES,
    GRANT_TYPES,
    Grant,
    Incubation,
    Training,
    TrainingAttendance,
)
from registry.validators import check_amount, check_person_name, check_text
from registry.workflow import Machine, Move

MAX_FEN = 10**12  # ¥10,000,000,000: far above any grant

GRANT_MACHINE = Machine(
    "grant",
    GRANT_STATUSES,
    (
        Move("pay", _l("登记拨付"), ("approved",), "paid", OFFICIALS),
        Move("cancel", _l("撤销"), ("approved",), "cancelled", OFFICIALS, comment_required=True),
    ),
)


def _check_day(value: Any, field: str, label: str) -> date:
    if not isinstance(value, date):
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if not 2000 <= value.year <= 2100:
        raise ValidationFailed(_("%(label)s应在 2000 年到 2100 年之间", label=label), field)
    return value


# --- trainings ---------------------------------------------------------------------------

def save_training(user: Any, data: dict, training: Training | None = None) -> Training:
    """Publish a training (or correct one): title, date, length in minutes, place, region."""
    require_official(user)
    title = check_text(data.get("title"), "title", _("培训名称"), max_length=200)
    held_on = _check_day(data.get("held_on"), "held_on", _("培训日期"))
    minutes = check_int(data.get("minutes"), "minutes", _("培训时长（分钟）"), 1, 30 * 24 * 60)
    place = check_text(data.get("place"), "place", _("培训地点"), max_length=200)
    organizer = check_text(data.get("organizer"), "organizer", _("主办单位"), required=False,
                           max_length=100)
    description = check_text(data.get("description"), "description", _("培训内容"),
                             required=False, max_length=2000)
    if training is None:
        code = data.get("region_code")
        if not code or not region_visible(user, code):
            raise ValidationFailed(_("所属区划不在您的管辖范围内"), "region_code")
        training = Training(region_code=code)
        db.session.add(training)
    training.title, training.held_on, training.minutes = title, held_on, minutes
    training.place, training.organizer, training.description = place, organizer, description
    db.session.flush()
    return training


def add_attendance(user: Any, training: Training, organization_id: Any,
                   person_name: str) -> TrainingAttendance:
    """Record that a person of an organization attended a training (once per person)."""
    require_official(user)
    org = visible_org(user, organization_id)
    name = check_person_name(person_name, "person_name", _("参训人员姓名"))
    same = db.session.scalar(select(TrainingAttendance.id).where(
        TrainingAttendance.training_id == training.id,
        TrainingAttendance.organization_id == org.id,
        TrainingAttendance.person_name == name))
    if same is not None:
        raise Conflict(_("已登记“%(name)s”的%(name2)s参加本次培训",
                         name=org.name,
                         name2=name), "person_name")
    row = TrainingAttendance(training_id=training.id, organization_id=org.id, person_name=name,
                             region_code=training.region_code)
    db.session.add(row)
    db.session.flush()
    return row


def remove_attendance(user: Any, row: TrainingAttendance) -> None:
    """Remove a wrongly entered attendance (the audit log keeps what was removed)."""
    require_official(user)
    db.session.delete(row)
    db.session.flush()


def trainings_attended(org_id: int) -> int:
    """How many trainings people of this organization attended (for its page)."""
    stmt = select(func.count(distinct(TrainingAttendance.training_id))).where(
        TrainingAttendance.organization_id == org_id)
    return db.session.scalar(stmt) or 0


def recent_trainings_of(org_id: int, limit: int = 5) -> list[tuple[Training, int]]:
    """The organization's latest attended trainings, each with how many of its people went."""
    stmt = (select(Training, func.count(TrainingAttendance.id))
            .join(TrainingAttendance, TrainingAttendance.training_id == Training.id)
            .where(TrainingAttendance.organization_id == org_id)
            .group_by(Training.id)
            .order_by(Training.held_on.desc(), Training.id.desc()).limit(limit))
    return [(training, count) for training, count in db.session.execute(stmt)]


def attendance_counts(training_ids: list[int]) -> dict[int, int]:
    """Attendance per training, for a list page (one GROUP BY)."""
    if not training_ids:
        return {}
    stmt = (select(TrainingAttendance.training_id, func.count())
            .where(TrainingAttendance.training_id.in_(training_ids))
            .group_by(TrainingAttendance.training_id))
    return dict(db.session.execute(stmt).all())


# --- grants ------------------------------------------------------------------------------

def parse_yuan(value: Any, field: str = "amount", label: str = _l("金额")) -> int:
    """An amount typed in yuan (at most two decimals, e.g. “50,000.00”) as integer fen."""
    raw = re.sub(r"[\s,，¥￥元]", "", str(value or ""))
    if not raw:
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    try:
        yuan = Decimal(raw)
    except InvalidOperation:
        raise ValidationFailed(_("%(label)s必须是数字，最多两位小数", label=label), field) from None
    if not yuan.is_finite():
        raise ValidationFailed(_("%(label)s必须是数字，最多两位小数", label=label), field)
    if yuan <= 0:
        raise ValidationFailed(_("%(label)s必须大于 0", label=label), field)
    fen = yuan * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(_("%(label)s最多两位小数（到分）", label=label), field)
    if fen > MAX_FEN:
        raise ValidationFailed(_("%(label)s过大", label=label), field)
    return int(fen)


def check_grant_recipient(org: Organization, field: str = "organization") -> Organization:
    """Public money goes only to a registered (approved) organization that is not on the
    活动异常名录 (《社会组织信用信息管理办法》: listed organizations get no public funding)."""
    if org.status != "approved":
        raise ValidationFailed(_(
            "“%(name)s”当前状态为“%(status_label)s”，只有已登记的社会组织才能获得资金支持",
            name=org.name, status_label=org.status_label), field)
    if org.abnormal_listed:
        raise ValidationFailed(_(
            "“%(name)s”在活动异常名录中，移出名录前不能获得资金支持", name=org.name),
                               field)
    return org


def grant_recipient_names(user: Any, limit: int = 300) -> list[str]:
    """Names of the organizations in the jurisdiction that may receive a grant (suggestions)."""
    stmt = (visible_select(user, Organization).with_only_columns(Organization.name)
            .where(Organization.status == "approved", Organization.abnormal_listed.is_(False))
            .order_by(Organization.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


def record_grant(user: Any, data: dict) -> Grant:
    """Record an approved grant to a registered organization in good standing: type, amount in
    fen, purpose, source, date."""
    require_official(user)
    org = check_grant_recipient(visible_org(user, data.get("organization_id")))
    grant_type = data.get("grant_type")
    if grant_type not in GRANT_TYPES:
        raise ValidationFailed(_("请选择资金类型（公益创投、以奖代补、购买服务补助或其他）"),
                               "grant_type")
    amount = check_amount(data.get("amount_fen"), "amount_fen", _("金额（分）"), high=MAX_FEN)
    if amount > MAX_FEN:
        raise ValidationFailed(_("金额过大"), "amount_fen")
    purpose = check_text(data.get("purpose"), "purpose", _("资金用途"), max_length=500)
    source = check_text(data.get("source"), "source", _("资金来源"), max_length=200)
    granted_on = _check_day(data.get("granted_on"), "granted_on", _("批准日期"))
    if granted_on > today_local():
        raise ValidationFailed(_("批准日期不能晚于今天"), "granted_on")
    grant = Grant(organization_id=org.id, region_code=org.region_code, grant_type=grant_type,
                  amount_fen=amount, purpose=purpose, source=source, granted_on=granted_on,
                  year=granted_on.year, status="approved")
    db.session.add(grant)
    db.session.flush()
    return grant


def pay_grant(user: Any, grant: Grant, paid_on: Any, payment_ref: str = "") -> None:
    """Record that an approved grant was paid (offline) on a date, with its voucher number; not
    while its organization is deregistered or on the abnormal list (it may be cancelled)."""
    require_official(user)
    if grant.status == "approved":  # another state is the workflow's 409
        check_grant_recipient(grant.organization, "paid_on")
    paid_on = _check_day(paid_on, "paid_on", _("拨付日期"))
    check_dates(grant.granted_on, paid_on, "granted_on", "paid_on", _("批准日期"), _("拨付日期"))
    if paid_on > today_local():
        raise ValidationFailed(_("拨付日期不能晚于今天"), "paid_on")
    ref = check_text(payment_ref, "payment_ref", _("拨付凭证号"), required=False, max_length=100)
    GRANT_MACHINE.move(grant, "pay", user, _("凭证号 %(ref)s", ref=ref) if ref else "")
    grant.paid_on, grant.paid_at, grant.payment_ref = paid_on, utcnow(), ref
    db.session.flush()


def cancel_grant(user: Any, grant: Grant, comment: str) -> None:
    """Cancel an approved grant that will not be paid (a reason is required)."""
    require_official(user)
    comment = check_text(comment, "comment", _("撤销理由"), max_length=2000)
    GRANT_MACHINE.move(grant, "cancel", user, comment)


def grant_filters(stmt, filters: dict):
    """Narrow a grant select by year, type, status and region (all on indexed columns)."""
    if filters.get("year"):
        stmt = stmt.where(Grant.year == filters["year"])
    if filters.get("grant_type") in GRANT_TYPES:
        stmt = stmt.where(Grant.grant_type == filters["grant_type"])
    if filters.get("status") in GRANT_STATUSES:
        stmt = stmt.where(Grant.status == filters["status"])
    if filters.get("organization_id"):
        stmt = stmt.where(Grant.organization_id == filters["organization_id"])
    if filters.get("region_code"):
        stmt = stmt.where(Grant.region_code.in_(region_codes_under(filters["region_code"])))
    return stmt


def grant_totals(user: Any, filters: dict) -> dict:
    """Totals of grants the user sees, by county, year and type.

    One SQL GROUP BY (county × year × type) does the work over the grants; the roll-ups by
    county, by year, by type and the grand total add up those few grouped rows (at most
    counties × years × 4). Cancelled grants are left out unless the status filter asks for
    them. Returns {"rows", "by_county", "by_year", "by_type", "total"}; each row has count,
    amount_fen and paid_fen.
    """
    county = func.coalesce(Region.county_code, Region.code).label("county_code")
    paid = func.coalesce(func.sum(case((Grant.status == "paid", Grant.amount_fen), else_=0)), 0)
    stmt = (select(county, Grant.year, Grant.grant_type, func.count(Grant.id),
                   func.coalesce(func.sum(Grant.amount_fen), 0), paid)
            .select_from(Grant).join(Region, Region.code == Grant.region_code))
    stmt = visible(user, grant_filters(stmt, filters), Grant)
    if not filters.get("status"):
        stmt = stmt.where(Grant.status != "cancelled")
    stmt = stmt.group_by(county, Grant.year, Grant.grant_type).order_by(
        county, Grant.year, Grant.grant_type)
    rows = [{"county_code": code, "year": year, "grant_type": kind, "count": count,
             "amount_fen": int(amount or 0), "paid_fen": int(paid_fen or 0)}
            for code, year, kind, count, amount, paid_fen in db.session.execute(stmt)]

    def rollup(key: str | None) -> list[dict]:
        out: dict = {}
        for row in rows:
            group = out.setdefault(row[key] if key else None, {
                **({key: row[key]} if key else {}), "count": 0, "amount_fen": 0, "paid_fen": 0})
            for field in ("count", "amount_fen", "paid_fen"):
                group[field] += row[field]
        return [out[k] for k in sorted(out, key=lambda v: (v is None, v))]

    totals = rollup(None)
    result = {"rows": rows, "by_county": rollup("county_code"), "by_year": rollup("year"),
              "by_type": rollup("grant_type"),
              "total": totals[0] if totals else {"count": 0, "amount_fen": 0, "paid_fen": 0}}
    codes = {row["county_code"] for row in rows}
    names = dict(db.session.execute(select(Region.code, Region.name).where(
        Region.code.in_(codes))).all()) if codes else {}
    for row in result["rows"] + result["by_county"]:
        row["county_name"] = names.get(row["county_code"], row["county_code"])
    return result


def grant_years(user: Any) -> list[int]:
    """The years that have grants the user sees, newest first (for the filter)."""
    stmt = visible(user, select(distinct(Grant.year)), Grant).order_by(Grant.year.desc())
    return list(db.session.scalars(stmt))


def organization_grants(user: Any, org_id: int) -> tuple[int, int]:
    """(count, total fen) of the non-cancelled grants of an organization the user sees."""
    stmt = visible_select(user, Grant).with_only_columns(
        func.count(Grant.id), func.coalesce(func.sum(Grant.amount_fen), 0)).where(
        Grant.organization_id == org_id, Grant.status != "cancelled")
    count, total = db.session.execute(stmt).one()
    return count, int(total or 0)


def organization_support(user: Any, org_id: int) -> dict:
    """For an organization's page: its latest incubations and its grants the user may see."""
    stmt = (visible_select(user, Incubation).where(Incubation.organization_id == org_id)
            .order_by(Incubation.id.desc()).limit(5))
    count, fen = organization_grants(user, org_id)
    return {"incubations": list(db.session.scalars(stmt)), "grant_count": count,
            "grant_fen": fen}
