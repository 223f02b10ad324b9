"""A registered organization's records: annual reports, grades (5A–1A) and the abnormal list."""

from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from registry.clock import today_local, utcnow
from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations.fields import (
    GRADE_VALID_YEARS,
    check_choice,
    check_date,
    check_int,
    collect,
)
from registry.organizations.models import (
    ABNORMAL_REASONS,
    GRADES,
    REPORT_RESULTS,
    AbnormalListing,
    AnnualReport,
    Organization,
    OrgRating,
)
from registry.organizations.operations import check_comment, require_visible
from registry.validators import (
    check_amount,
    check_text,
)

# 《社会组织评估管理办法》（民政部令第39号）第六条: 取得登记证书满两个年度.
RATING_FULL_YEARS = 2


def _require_official(user: Any, org: Organization, what: str) -> None:
    if user.role not in OFFICIAL_ROLES:
        raise NotAllowed(_("只有民政干部可以%(what)s", what=what))
    require_visible(user, org)


def require_registered(org: Organization, what: str) -> None:
    if org.status != "approved":
        raise Conflict(_("组织当前状态为“%(status_label)s”，只有已登记的组织"
                         "才能%(what)s",
                         status_label=org.status_label,
                         what=what))


def registered_on(org: Organization) -> date:
    """The day the organization got its certificate (登记证书), else its founding day."""
    return org.certificate_date or org.founded_on or today_local()


def report_years(org: Organization) -> range:
    """The years a report may be filed for: completed years (before the current Beijing
    year), from the year of registration on. Empty in the year it registered."""
    return range(registered_on(org).year, today_local().year)


def check_report_year(org: Organization, year: int) -> int:
    """A 年度工作报告 covers a whole year that has ended, never one before registration."""
    years = report_years(org)
    if year >= today_local().year:
        latest = (_("目前可报送 %(value1)s 年度及以前的报告", value1=years[-1]) if years else
                  _("本组织 %(year)s 年登记，该年度结束后才能报送", year=registered_on(org).year))
        raise ValidationFailed(_(
            "%(year)s 年度尚未结束，只能报送已结束年度的报告（%(latest)s）",
            year=year, latest=latest),
                               "year")
    if year < years.start:
        raise ValidationFailed(_(
            "报告年度不能早于登记年度（%(start)s 年）", start=years.start), "year")
    return year


def clean_report(data: dict, org: Organization) -> dict:
    """An annual report's figures: a completed year since registration, whole fen, staff."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}
    year = collect(errors, check_int, data.get("year"), "year", _("报告年度"), 9999)
    if year is not None:
        year = collect(errors, check_report_year, org, year)
    out["year"] = year
    for name, label in (("income_fen", _("本年收入")), ("expenditure_fen", _("本年支出")),
                        ("net_assets_fen", _("年末净资产"))):
        out[name] = collect(errors, check_amount, data.get(name, 0), name, label,
                             allow_zero=True)
    out["staff_count"] = collect(errors, check_int, data.get("staff_count", 0),
                                  "staff_count", _("专职工作人员数"), 1_000_000)
    out["activities"] = collect(errors, check_text, data.get("activities"), "activities",
                                 _("年度工作情况"), max_length=5000)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    return out


def file_annual_report(user: Any, org: Organization, data: dict) -> AnnualReport:
    """The representative (or an official on its behalf) files one year's report (年报)."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed(_("只有社会组织代表和民政干部可以报送年报"))
    require_visible(user, org)
    require_registered(org, _("报送年报"))
    values = clean_report(data, org)
    taken = db.session.scalar(select(AnnualReport.id).where(
        AnnualReport.organization_id == org.id, AnnualReport.year == values["year"]))
    if taken:
        raise Conflict(_("%(value0)s 年度报告已报送，不能重复报送",
                         value0=values['year']), "year")
    report = AnnualReport(organization_id=org.id, region_code=org.region_code,
                          submitted_by_id=user.id, **values)
    db.session.add(report)
    db.session.flush()
    return report


def review_annual_report(user: Any, report: AnnualReport, result: str,
                         comment: str = "") -> AnnualReport:
    """An official records the year's result: 合格 / 基本合格 / 不合格 (the last with reasons)."""
    _require_official(user, report.organization, _("审查年报"))
    result = check_choice(result, "result", _("年检结论"), REPORT_RESULTS)
    comment = check_comment(comment, result == "fail", _("结论为不合格"))
    report.result = result
    report.result_comment = comment
    report.reviewed_by_id = user.id
    report.reviewed_at = utcnow()
    db.session.flush()
    return report


def add_years(day: date, years: int) -> date:
    """The same day years later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def rating_open_from(org: Organization) -> date:
    """The first day org may be rated: 《社会组织评估管理办法》 第六条 asks for 取得登记证书满两个
    年度. A 年度 is a calendar year (the year of the annual report), so the two years are the
    first two whole calendar years after the certificate: a certificate of any day of 2022 →
    2023 and 2024 → rated from 2025-01-01 (one dated 1 January counts its own year)."""
    return rating_opens(registered_on(org))


def rating_opens(issued: date) -> date:
    """The first day of rating for a certificate issued on that day (see rating_open_from)."""
    first_full = issued.year if (issued.month, issued.day) == (1, 1) else issued.year + 1
    return date(first_full + RATING_FULL_YEARS, 1, 1)


def check_rating_allowed(org: Organization, rated_on: date) -> None:
    """Only a registered (not merely filed) organization two full years after its certificate."""
    if org.registration_kind == "filing":
        raise Conflict(_("备案的社区社会组织没有登记证书，不参加等级评估"), "grade")
    opens = rating_open_from(org)
    if rated_on < opens:
        raise ValidationFailed(
            _(
                "取得登记证书满两个年度的组织才能参加等级评估：本组织 %(value1)s 取得登记证书，"
                "%(value2)s 年度结束后（%(opens)s 起）才能评估",
                value1=registered_on(org), value2=format(opens - timedelta(days=1), "%Y"),
                opens=opens),
            "rated_on")


def rate(user: Any, org: Organization, grade: str, rated_on: date | None,
         comment: str = "") -> OrgRating:
    """Record an evaluation grade (等级评估 5A–1A), valid five years from the rating date."""
    _require_official(user, org, _("记录评估等级"))
    require_registered(org, _("参加等级评估"))
    errors: dict[str, list[str]] = {}
    grade = collect(errors, check_choice, grade, "grade", _("评估等级"), GRADES)
    rated_on = collect(errors, check_date, rated_on, "rated_on", _("评估日期"), required=True)
    comment = collect(errors, check_text, comment, "comment", _("说明"), required=False,
                       max_length=2000)
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    check_rating_allowed(org, rated_on)
    rating = OrgRating(organization_id=org.id, region_code=org.region_code, grade=grade,
                       rated_on=rated_on, valid_until=add_years(rated_on, GRADE_VALID_YEARS),
                       comment=comment or "", rated_by_id=user.id)
    db.session.add(rating)
    org.grade, org.grade_valid_until = grade, rating.valid_until
    db.session.flush()
    return rating


def list_abnormal(user: Any, org: Organization, reason: str, note: str = "",
                  listed_on: date | None = None) -> AbnormalListing:
    """Put an organization on the 活动异常名录."""
    _require_official(user, org, _("列入活动异常名录"))
    require_registered(org, _("列入活动异常名录"))
    if org.abnormal_listed:
        raise Conflict(_("该组织已在活动异常名录中"))
    errors: dict[str, list[str]] = {}
    reason = collect(errors, check_choice, reason, "reason", _("列入原因"), ABNORMAL_REASONS)
    note = collect(errors, check_text, note, "note", _("情况说明"), required=reason == "other",
                    max_length=2000)
    listed_on = collect(errors, check_date, listed_on or today_local(), "listed_on",
                         _("列入日期"))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    entry = AbnormalListing(organization_id=org.id, region_code=org.region_code, reason=reason,
                            note=note or "", listed_on=listed_on, listed_by_id=user.id)
    db.session.add(entry)
    org.abnormal_listed = True
    db.session.flush()
    return entry


def current_listing(org: Organization) -> AbnormalListing | None:
    return db.session.scalars(select(AbnormalListing).where(
        AbnormalListing.organization_id == org.id, AbnormalListing.removed_on.is_(None))
        .order_by(AbnormalListing.id.desc())).first()


def remove_abnormal(user: Any, org: Organization, note: str,
                    removed_on: date | None = None) -> AbnormalListing:
    """Take an organization off the list once the cause is fixed (with what was fixed)."""
    _require_official(user, org, _("移出活动异常名录"))
    entry = current_listing(org)
    if entry is None or not org.abnormal_listed:
        raise Conflict(_("该组织不在活动异常名录中"))
    errors: dict[str, list[str]] = {}
    note = collect(errors, check_text, note, "removal_note", _("移出理由"), max_length=2000)
    removed_on = collect(errors, check_date, removed_on or today_local(), "removed_on",
                          _("移出日期"))
    if removed_on and removed_on < entry.listed_on:
        errors.setdefault("removed_on", []).append(_("移出日期不能早于列入日期"))
    if errors:
        raise ValidationFailed(next(iter(errors.values()))[0], fields=errors)
    entry.removed_on, entry.removal_note, entry.removed_by_id = removed_on, note, user.id
    org.abnormal_listed = False
    db.session.flush()
    return entry




