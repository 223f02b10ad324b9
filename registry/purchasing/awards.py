"""以奖代补 rounds: the city's criteria (weights summing to 100), score bands of amounts (never
overlapping), the application window, the amount a score earns, and who may get an award
(the eligibility rules are in eligibility.py)."""

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import delete, select, true

from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, COUNTY_OFFICIAL, Region
from registry.organizations.models import Organization
from registry.purchasing.models import AwardCriterion, AwardRound, AwardTier, OrgPenalty
from registry.scoping import get_visible
from registry.validators import check_amount, check_date_range, check_text

EDITORS = (CITY_OFFICIAL,)
MAX_CRITERIA = 20
MAX_TIERS = 10
MAX_SCORE = 100
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# Annual-report results that count as passed (不合格 does not; nor a report not yet reviewed).
PASSED_RESULTS = ("pass", "basic")


# --- rounds ----------------------------------------------------------------------------------

def round_condition(user: Any):
    """Rounds user may read: published ones (every applicant and official); drafts only the
    city's officials."""
    if getattr(user, "role", None) == CITY_OFFICIAL:
        return true()
    return AwardRound.status == "published"


def rounds_stmt(user: Any, args: Mapping | None = None):
    """The rounds user may read, newest first; ?status= filter."""
    stmt = select(AwardRound).where(round_condition(user))
    status = (args or {}).get("status") or ""
    if status in ("draft", "published"):
        stmt = stmt.where(AwardRound.status == status)
    return stmt.order_by(AwardRound.id.desc())


def get_round(user: Any, round_id: Any) -> AwardRound:
    row = db.session.get(AwardRound, round_id) if isinstance(round_id, int) else None
    if row is None or (row.status != "published" and getattr(user, "role", None) != CITY_OFFICIAL):
        raise NotFound(_("以奖代补批次不存在"))
    return row


def whole_number(value: Any, field: str, label: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValidationFailed(_("%(label)s应为整数", label=label), field)
    try:
        number = int(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("%(label)s应为整数", label=label), field) from None
    if not low <= number <= high:
        raise ValidationFailed(_("%(label)s应在 %(low)s 到 %(high)s 之间", label=label,
                                 low=low, high=high), field)
    return number


def check_day(value: Any, field: str, label: str) -> date:
    """A required date (a datetime.date, as forms and the API's schemas give) in 1900–2100."""
    if value is None or value == "":
        raise ValidationFailed(_("请填写%(label)s", label=label), field)
    if not isinstance(value, date):
        raise ValidationFailed(_("%(label)s格式不正确（应为 YYYY-MM-DD）", label=label), field)
    return check_date_range(value, field, label)


def check_criteria(rows: Any, errors: FieldErrors) -> list[dict]:
    """Each criterion named once with a whole weight 1..100; the weights sum to exactly 100."""
    rows = rows if isinstance(rows, list) else []
    out: list[dict] = []
    if not rows:
        errors.add("criteria", _("请至少填写一项评分标准"))
        return out
    if len(rows) > MAX_CRITERIA:
        errors.add("criteria", _("评分标准最多 %(n)s 项", n=MAX_CRITERIA))
        return out
    names: set[str] = set()
    for number, row in enumerate(rows, start=1):
        row = row if isinstance(row, Mapping) else {}
        name = errors.check(check_text, row.get("name"), "criteria",
                            _("第 %(n)s 项评分标准的名称", n=number), max_length=100)
        weight = errors.check(whole_number, row.get("weight"), "criteria",
                              _("第 %(n)s 项评分标准的权重", n=number), 1, 100)
        note = errors.check(check_text, row.get("description"), "criteria",
                            _("第 %(n)s 项评分标准的说明", n=number), required=False,
                            max_length=500)
        if name and name in names:
            errors.add("criteria", _("评分标准“%(name)s”重复", name=name))
        names.add(name or "")
        out.append({"name": name, "weight": weight, "description": note or ""})
    weights = [row["weight"] for row in out]
    if None not in weights and sum(weights) != 100:
        errors.add("criteria", _("各项评分标准的权重之和应为 100，现为 %(total)s",
                                 total=sum(weights)))
    return out


def check_tiers(rows: Any, errors: FieldErrors) -> list[dict]:
    """Bands of whole total scores (min..max, both included, 0..100) with an amount in fen;
    no two bands share a score."""
    rows = rows if isinstance(rows, list) else []
    out: list[dict] = []
    if not rows:
        errors.add("tiers", _("请至少填写一个奖励档次"))
        return out
    if len(rows) > MAX_TIERS:
        errors.add("tiers", _("奖励档次最多 %(n)s 个", n=MAX_TIERS))
        return out
    for number, row in enumerate(rows, start=1):
        row = row if isinstance(row, Mapping) else {}
        low = errors.check(whole_number, row.get("min_score"), "tiers",
                           _("第 %(n)s 档的最低分", n=number), 0, MAX_SCORE)
        high = errors.check(whole_number, row.get("max_score"), "tiers",
                            _("第 %(n)s 档的最高分", n=number), 0, MAX_SCORE)
        amount = errors.check(check_amount, row.get("amount_fen"), "tiers",
                              _("第 %(n)s 档的奖励金额", n=number))
        if low is not None and high is not None and low > high:
            errors.add("tiers", _("第 %(n)s 档的最低分不能高于最高分", n=number))
            low = high = None
        out.append({"min_score": low, "max_score": high, "amount_fen": amount})
    bands = sorted((t for t in out if t["min_score"] is not None and t["max_score"] is not None),
                   key=lambda t: t["min_score"])
    for lower, upper in zip(bands, bands[1:], strict=False):
        if upper["min_score"] <= lower["max_score"]:
            errors.add("tiers", _(
                "奖励档次的分数段重叠：%(a)s–%(b)s 分与 %(c)s–%(d)s 分",
                a=lower["min_score"], b=lower["max_score"], c=upper["min_score"],
                d=upper["max_score"]))
    return out


def check_round(data: Mapping) -> dict:
    """A round's fields, every error at its field (criteria and tiers at theirs)."""
    errors = FieldErrors()
    title = errors.check(check_text, data.get("title"), "title", _("批次名称"), max_length=200)
    year = errors.check(whole_number, data.get("year"), "year", _("年度"), EARLIEST_YEAR,
                        LATEST_YEAR)
    description = errors.check(check_text, data.get("description"), "description",
                               _("说明"), required=False, max_length=5000)
    opens = errors.check(check_day, data.get("opens_on"), "opens_on", _("申请开始日期"))
    closes = errors.check(check_day, data.get("closes_on"), "closes_on", _("申请截止日期"))
    if isinstance(opens, date) and isinstance(closes, date) and closes < opens:
        errors.add("closes_on", _("申请截止日期不能早于开始日期"))
    criteria = check_criteria(data.get("criteria"), errors)
    tiers = check_tiers(data.get("tiers"), errors)
    errors.raise_if_any()
    return {"title": title, "year": year, "description": description or "",
            "opens_on": opens, "closes_on": closes, "criteria": criteria, "tiers": tiers}


def save_round(user: Any, data: Mapping, row: AwardRound | None = None) -> AwardRound:
    """The city drafts a round or changes its draft; a published round is fixed (applicants
    were scored against it)."""
    if user.role not in EDITORS:
        raise NotAllowed(_("只有市民政局可以编辑以奖代补批次"))
    if row is not None and row.status != "draft":
        raise Conflict(_("批次已发布，评分标准和奖励档次不能再修改"))
    clean = check_round(data)
    if row is None:
        city = db.session.get(Region, user.region_code)
        row = AwardRound(region_code=city.city_code or user.region_code, created_by=user.id)
        db.session.add(row)
    for key in ("title", "year", "description", "opens_on", "closes_on"):
        setattr(row, key, clean[key])
    db.session.flush()
    # A draft's lists are replaced whole (no application refers to a draft's rows).
    db.session.execute(delete(AwardCriterion).where(AwardCriterion.round_id == row.id))
    db.session.execute(delete(AwardTier).where(AwardTier.round_id == row.id))
    for position, item in enumerate(clean["criteria"]):
        db.session.add(AwardCriterion(round_id=row.id, position=position, **item))
    for item in clean["tiers"]:
        db.session.add(AwardTier(round_id=row.id, **item))
    db.session.flush()
    db.session.expire(row, ["criteria", "tiers"])
    return row


def publish_round(user: Any, row: AwardRound) -> AwardRound:
    """Publish a draft: applicants see it and apply within its window; it is fixed from now."""
    if user.role not in EDITORS:
        raise NotAllowed(_("只有市民政局可以发布以奖代补批次"))
    if row.status != "draft":
        raise Conflict(_("批次已发布"))
    check_round(round_data(row))
    row.status, row.published_at = "published", utcnow()
    db.session.flush()
    return row


def round_data(row: AwardRound) -> dict:
    """A round as the editor's and the API's input (amounts in fen)."""
    return {"title": row.title, "year": row.year, "description": row.description,
            "opens_on": row.opens_on, "closes_on": row.closes_on,
            "criteria": [{"name": c.name, "weight": c.weight, "description": c.description}
                         for c in row.criteria],
            "tiers": [{"min_score": t.min_score, "max_score": t.max_score,
                       "amount_fen": t.amount_fen} for t in row.tiers]}


def window_open(row: AwardRound, day: date | None = None) -> bool:
    day = day or today_local()
    return row.status == "published" and row.opens_on <= day <= row.closes_on


def check_window(row: AwardRound, day: date | None = None) -> None:
    if row.status != "published":
        raise Conflict(_("该批次尚未发布，不能申请"))
    if not window_open(row, day):
        raise Conflict(_("不在申请期内：本批次申请期为 %(a)s 至 %(b)s", a=row.opens_on,
                         b=row.closes_on))


# --- scores and amounts ---------------------------------------------------------------------

def weighted_total(row: AwardRound, scores: Mapping[int, int]) -> int:
    """Σ score × weight over the round's criteria, in hundredths of a point (0..10000)."""
    return sum(scores[c.id] * c.weight for c in row.criteria)


def tier_for(row: AwardRound, total_centi: int) -> AwardTier | None:
    """THE rule from score to amount: the band holding the whole points of the total (89.99
    is in 80–89, not in ≥ 90), or none (no award)."""
    whole = total_centi // 100
    return next((t for t in row.tiers if t.min_score <= whole <= t.max_score), None)


def amount_for(row: AwardRound, total_centi: int) -> int:
    tier = tier_for(row, total_centi)
    return tier.amount_fen if tier else 0


# --- eligibility ----------------------------------------------------------------------------

def record_penalty(user: Any, org_id: Any, data: Mapping) -> OrgPenalty:
    """An official records an administrative penalty of an organization in their jurisdiction."""
    if user.role not in (CITY_OFFICIAL, COUNTY_OFFICIAL):
        raise NotAllowed(_("只有民政干部可以登记行政处罚"))
    org = get_visible(user, Organization, org_id)
    if org is None:
        raise NotFound(_("组织不存在"))
    errors = FieldErrors()
    day = errors.check(check_day, data.get("decided_on"), "decided_on", _("处罚决定日期"))
    if day is not None and day > today_local():
        errors.add("decided_on", _("处罚决定日期不能晚于今天"))
    number = errors.check(check_text, data.get("decision_no"), "decision_no",
                          _("处罚决定书文号"), max_length=100)
    reason = errors.check(check_text, data.get("reason"), "reason", _("处罚事由"),
                          max_length=2000)
    errors.raise_if_any()
    penalty = OrgPenalty(organization_id=org.id, region_code=org.region_code, decided_on=day,
                         decision_no=number, reason=reason, recorded_by=user.id)
    db.session.add(penalty)
    db.session.flush()
    return penalty
