"""An organization's credit profile (annual reports, abnormal list, grade, projects and their
grades, awards, grants) and THE eligibility rules: to be a purchased-service provider or to
apply for a 以奖代补 award, each answer with the rule that decided it."""

from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from registry.clock import today_local
from registry.errors import ValidationFailed
from registry.extensions import db
from registry.organizations import records
from registry.organizations.models import AbnormalListing, AnnualReport, Organization
from registry.purchasing.models import PurchasedServiceProject
from registry.scoping import visible_select
from registry.support.models import GRANT_STATUSES, GRANT_TYPES, Grant

PURPOSES = {"provider": _l("承接政府购买服务"), "award": _l("申报以奖代补")}
PASSING_RESULTS = ("pass", "basic")  # 合格 and 基本合格 pass; 不合格 does not
PROFILE_ROWS = 50  # each list of the profile shows the latest this many


@dataclass
class Rule:
    key: str
    label: str
    passed: bool
    reason: str


@dataclass
class Eligibility:
    purpose: str
    rules: list[Rule] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return all(rule.passed for rule in self.rules)

    @property
    def decided_by(self) -> Rule | None:
        """The first rule that failed (None: all passed)."""
        return next((rule for rule in self.rules if not rule.passed), None)

    def as_dict(self) -> dict:
        failed = self.decided_by
        return {"purpose": self.purpose, "eligible": self.eligible,
                "decided_by": failed.key if failed else None,
                "reason": failed.reason if failed else _("各项条件均满足"),
                "rules": [vars(rule) for rule in self.rules]}


def _latest_reviewed_report(org: Organization) -> AnnualReport | None:
    return db.session.scalars(select(AnnualReport).where(
        AnnualReport.organization_id == org.id, AnnualReport.result.is_not(None))
        .order_by(AnnualReport.year.desc()).limit(1)).first()


def _registered(org: Organization) -> Rule:
    ok = org.status == "approved"
    return Rule("registered", _("已依法登记"), ok,
                _("已登记（准予登记）") if ok else _(
                    "当前状态为“%(status)s”，只有已登记的社会组织才符合条件",
                    status=org.status_label))


def _not_abnormal(org: Organization) -> Rule:
    ok = not org.abnormal_listed
    return Rule("not_abnormal", _("未列入活动异常名录"), ok,
                _("未在活动异常名录中") if ok else _(
                    "在活动异常名录中，移出名录前不符合条件（《社会组织信用信息管理办法》）"))


def _report_passed(org: Organization) -> Rule:
    """The latest reviewed annual report is 合格 or 基本合格; an organization with no report
    due yet (registered this year) passes."""
    label = _("年度报告结论合格")
    if not records.report_years(org):
        return Rule("annual_report", label, True, _("登记未满一个完整年度，尚无应报年报"))
    report = _latest_reviewed_report(org)
    if report is None:
        return Rule("annual_report", label, False, _("没有经审查的年度报告"))
    ok = report.result in PASSING_RESULTS
    return Rule("annual_report", label, ok, _(
        "%(year)s 年度报告结论：%(result)s", year=report.year, result=report.result_label))


def _not_penalised(org: Organization) -> Rule:
    """No revocation and no 不合格 report result in the last two years (our reading of "not
    penalised": the registry records no other penalties)."""
    label = _("近两年未受处罚")
    if org.status in ("rejected", "deregistered") and org.deregistered_at is not None:
        return Rule("not_penalised", label, False, _("已被注销或撤销登记"))
    since = today_local().year - 2
    failed = db.session.scalar(select(AnnualReport.year).where(
        AnnualReport.organization_id == org.id, AnnualReport.year >= since,
        AnnualReport.result == "fail").order_by(AnnualReport.year.desc()).limit(1))
    if failed:
        return Rule("not_penalised", label, False, _(
            "%(year)s 年度报告结论为不合格", year=failed))
    return Rule("not_penalised", label, True, _("近两年没有不合格结论或处罚记录"))


# THE eligibility rules, in the order they are checked and shown.
RULES = {
    "provider": (_registered, _not_abnormal),
    "award": (_registered, _not_abnormal, _report_passed, _not_penalised),
}


def eligibility(org: Organization, purpose: str) -> Eligibility:
    """Whether org may be a provider ("provider") or apply for an award ("award"), with
    every rule's answer. Used by projects.py and by 以奖代补 (award_applications.py)."""
    if purpose not in RULES:
        raise ValueError(purpose)
    return Eligibility(purpose, [rule(org) for rule in RULES[purpose]])


def require_eligible(org: Organization, purpose: str, field_name: str) -> None:
    """Raise a 422 at field_name naming the organization and the rule that decided."""
    result = eligibility(org, purpose)
    failed = result.decided_by
    if failed is not None:
        raise ValidationFailed(_("“%(name)s”不能%(purpose)s：%(reason)s", name=org.name,
                                 purpose=PURPOSES[purpose], reason=failed.reason), field_name)


def awards_of(org_id: int) -> list[dict]:
    """The organization's 以奖代补 awards: dicts of round title, year, amount_fen, score,
    status. Returns [] until the merge: replaced by award_applications.awards_of (engineer C
    builds the award rounds in parallel)."""
    return []


def profile(user: Any, org: Organization) -> dict:
    """Everything the credit profile shows, read in a few indexed queries (the caller has
    checked that user may see org)."""
    today = today_local()
    reports = list(db.session.scalars(select(AnnualReport).where(
        AnnualReport.organization_id == org.id).order_by(AnnualReport.year.desc())
        .limit(PROFILE_ROWS)))
    listings = list(db.session.scalars(select(AbnormalListing).where(
        AbnormalListing.organization_id == org.id).order_by(AbnormalListing.id.desc())
        .limit(PROFILE_ROWS)))
    projects = list(db.session.scalars(
        select(PurchasedServiceProject)
        .where(PurchasedServiceProject.provider_id == org.id)
        .order_by(PurchasedServiceProject.id.desc()).limit(PROFILE_ROWS)))
    grants = list(db.session.scalars(
        visible_select(user, Grant).where(Grant.organization_id == org.id)
        .order_by(Grant.id.desc()).limit(PROFILE_ROWS)))
    return {
        "organization": org,
        "grade": org.current_grade(today), "grade_valid_until": org.grade_valid_until,
        "grade_expired": bool(org.grade and not org.current_grade(today)),
        "reports": reports, "listings": listings, "projects": projects,
        "awards": awards_of(org.id), "grants": grants,
        "eligibility": [eligibility(org, purpose) for purpose in PURPOSES],
    }


def grant_label(grant: Grant) -> tuple[str, str]:
    return (str(GRANT_TYPES.get(grant.grant_type, grant.grant_type)),
            str(GRANT_STATUSES.get(grant.status, grant.status)))
