"""THE eligibility rules of an organization: to be a purchased-service provider (projects.py)
or to get a 以奖代补 award (awards.py, award_applications.py), each answer with the rule that
decided it; the credit profile (credit.py) shows them."""

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import or_, select

from registry.clock import today_local
from registry.errors import Conflict, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.organizations.models import (
    REPORT_RESULTS,
    AbnormalListing,
    AnnualReport,
    Organization,
)
from registry.organizations.records import add_years, registered_on
from registry.purchasing.models import OrgPenalty

PURPOSES = {"provider": _l("承接政府购买服务"), "award": _l("申报以奖代补")}
PASSING_RESULTS = ("pass", "basic")  # 合格 and 基本合格 pass; 不合格 does not


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


class Facts:
    """What the rules ask about one organization, from the database; the credit profile
    passes the lists it has already read (each whole, newest first), which then answer."""

    def __init__(self, org: Organization, *, reports: list[AnnualReport] | None = None,
                 listings: list[AbnormalListing] | None = None,
                 penalties: list[OrgPenalty] | None = None):
        self.org, self.reports, self.listings, self.penalties = org, reports, listings, penalties

    def listed_on(self, when: date) -> bool:
        """In the abnormal list on day `when` (listed by then, not removed by then)."""
        if self.listings is not None:
            return any(row.listed_on <= when and (row.removed_on is None or row.removed_on > when)
                       for row in self.listings)
        return db.session.scalar(select(AbnormalListing.id).where(
            AbnormalListing.organization_id == self.org.id, AbnormalListing.listed_on <= when,
            or_(AbnormalListing.removed_on.is_(None), AbnormalListing.removed_on > when))
            .limit(1)) is not None

    def report_result(self, year: int) -> str | None:
        if self.reports is not None:
            return next((row.result for row in self.reports if row.year == year), None)
        return db.session.scalar(select(AnnualReport.result).where(
            AnnualReport.organization_id == self.org.id, AnnualReport.year == year))

    def latest_penalty(self, after: date, until: date) -> date | None:
        """The day of the latest penalty decided after `after`, up to `until`."""
        if self.penalties is not None:
            return max((row.decided_on for row in self.penalties
                        if after < row.decided_on <= until), default=None)
        return db.session.scalar(select(OrgPenalty.decided_on).where(
            OrgPenalty.organization_id == self.org.id, OrgPenalty.decided_on > after,
            OrgPenalty.decided_on <= until).order_by(OrgPenalty.decided_on.desc()).limit(1))


def _registered(facts: Facts, when: date) -> Rule:
    org = facts.org
    ok = org.status == "approved"
    return Rule("registered", _("已依法登记"), ok,
                _("已登记（准予登记）") if ok else _(
                    "组织未登记或已注销（当前状态：%(status)s），只有已登记的社会组织才符合条件",
                    status=org.status_label))


def _not_abnormal(facts: Facts, when: date) -> Rule:
    # Listed now (the organization's flag), or on the day asked about (the listing's dates).
    listed = facts.org.abnormal_listed or facts.listed_on(when)
    return Rule("not_abnormal", _("未列入活动异常名录"), not listed,
                _("未在活动异常名录中") if not listed else _(
                    "组织在活动异常名录中，移出名录前不符合条件（《社会组织信用信息管理办法》）"))


def _report_passed(facts: Facts, when: date) -> Rule:
    """Last year's annual report reviewed as 合格 or 基本合格; not due in the year the
    organization registered."""
    org = facts.org
    label = _("上一年度报告结论合格")
    last_year = when.year - 1
    if org.status != "approved" or registered_on(org).year > last_year:
        return Rule("annual_report", label, True, _("登记未满一个完整年度，尚无应报年报"))
    result = facts.report_result(last_year)
    if result not in PASSING_RESULTS:
        return Rule("annual_report", label, False, _(
            "%(year)s 年度报告未报送、未审查或不合格，须为合格或基本合格", year=last_year))
    return Rule("annual_report", label, True, _(
        "%(year)s 年度报告结论：%(result)s", year=last_year, result=REPORT_RESULTS[result]))


def _not_penalised(facts: Facts, when: date) -> Rule:
    """No administrative penalty (OrgPenalty) in the AWARD_PENALTY_YEARS before `when`, and
    the registration not revoked."""
    org = facts.org
    years = current_app.config["AWARD_PENALTY_YEARS"]
    label = _("近 %(years)s 年未受行政处罚", years=years)
    if org.status in ("rejected", "deregistered") and org.deregistered_at is not None:
        return Rule("not_penalised", label, False, _("已被注销或撤销登记"))
    penalty = facts.latest_penalty(add_years(when, -years), when)
    if penalty:
        return Rule("not_penalised", label, False, _(
            "组织 %(day)s 受到行政处罚，%(years)s 年内不能获得奖励", day=penalty, years=years))
    return Rule("not_penalised", label, True, _("没有行政处罚记录"))


# THE eligibility rules, in the order they are checked and shown.
RULES = {
    "provider": (_registered, _not_abnormal),
    "award": (_registered, _not_abnormal, _report_passed, _not_penalised),
}


def eligibility(org: Organization, purpose: str, when: date | None = None) -> Eligibility:
    """Whether org may be a provider ("provider") or apply for an award ("award") on day
    `when` (today), with every rule's answer. Used by projects.py and awards.py."""
    if purpose not in RULES:
        raise ValueError(purpose)
    when = when or today_local()
    facts = Facts(org)
    return Eligibility(purpose, [rule(facts, when) for rule in RULES[purpose]])


def eligibilities(facts: Facts, when: date | None = None) -> list[Eligibility]:
    """Every purpose's answer (the credit profile), each rule checked once: the purposes
    share rules."""
    when = when or today_local()
    answers: dict = {}

    def answer(rule) -> Rule:
        if rule not in answers:
            answers[rule] = rule(facts, when)
        return answers[rule]

    return [Eligibility(purpose, [answer(rule) for rule in RULES[purpose]])
            for purpose in PURPOSES]


def require_eligible(org: Organization, purpose: str, field_name: str) -> None:
    """Raise a 422 at field_name naming the organization and the rule that decided."""
    result = eligibility(org, purpose)
    failed = result.decided_by
    if failed is not None:
        raise ValidationFailed(_("“%(name)s”不能%(purpose)s：%(reason)s", name=org.name,
                                 purpose=PURPOSES[purpose], reason=failed.reason), field_name)


def award_eligibility(org: Organization, when: date | None = None) -> tuple[bool, list[str]]:
    """Whether org may get an award on day `when`, and the reason of each rule it fails."""
    result = eligibility(org, "award", when)
    return result.eligible, [rule.reason for rule in result.rules if not rule.passed]


def require_award_eligible(org: Organization, when: date | None = None) -> None:
    """A 409 naming every failed rule (applying, and again at approval)."""
    ok, reasons = award_eligibility(org, when)
    if not ok:
        raise Conflict(_("该组织不符合以奖代补条件：%(reasons)s", reasons="；".join(reasons)),
                       "organization_id")
