"""Party building per organization, hub organizations and their members, and coverage."""

from typing import Any

from sqlalchemy import Select, case, func, or_, select

from registry.errors import Conflict, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, OFFICIAL_ROLES, ORG_ADMIN, Region
from registry.organizations.fields import CITY_CODE, clean_party, hub_alias, normalize_name
from registry.organizations.models import Organization
from registry.organizations.operations import require_visible
from registry.organizations.records import require_registered
from registry.scoping import (
    scope_condition,
    visible_select,
)


def update_party(user: Any, org: Organization, data: dict) -> Organization:
    """Party building of one organization: status, members, instructor."""
    if user.role not in (ORG_ADMIN, *OFFICIAL_ROLES):
        raise NotAllowed(_("没有权限修改党建信息"))
    require_visible(user, org)
    if org.status in ("rejected", "deregistered"):
        raise Conflict(_("组织当前状态为“%(status_label)s”，不能修改党建信息",
                         status_label=org.status_label))
    for key, value in clean_party(data).items():
        setattr(org, key, value)
    db.session.flush()
    return org


# ---------------------------------------------------------------- hubs (city designates)

def _require_city(user: Any) -> None:
    if user.role != CITY_OFFICIAL:
        raise NotAllowed(_("枢纽型社会组织由市民政局认定"))


def set_hub(user: Any, org: Organization, is_hub: bool) -> Organization:
    """Designate (or stop designating) a registered organization as a hub."""
    _require_city(user)
    require_visible(user, org)
    if is_hub:
        require_registered(org, _("认定为枢纽型社会组织"))
        if org.hub_id:
            raise Conflict(_("该组织是其他枢纽组织的成员，请先移出后再认定为枢纽"))
    else:
        for member in db.session.scalars(select(Organization)
                                         .where(Organization.hub_id == org.id)):
            member.hub_id = None
    org.is_hub = bool(is_hub)
    db.session.flush()
    return org


def add_hub_member(user: Any, hub: Organization, member: Organization) -> Organization:
    """A registered organization joins the hub that leads it (one hub per organization)."""
    _require_city(user)
    if not hub.is_hub:
        raise Conflict(_("“%(name)s”不是枢纽型社会组织", name=hub.name))
    if member.id == hub.id or member.is_hub:
        raise Conflict(_("枢纽组织不能成为枢纽组织的成员"), "member_id")
    require_registered(member, _("加入枢纽组织"))
    if member.hub_id == hub.id:
        raise Conflict(_("“%(name)s”已是该枢纽的成员", name=member.name), "member_id")
    if member.hub_id:
        raise Conflict(_("“%(name)s”已属于枢纽“%(name2)s”，请先移出",
                         name=member.name,
                         name2=member.hub.name), "member_id")
    member.hub_id = hub.id
    db.session.flush()
    return member


def remove_hub_member(user: Any, hub: Organization, member: Organization) -> Organization:
    _require_city(user)
    if member.hub_id != hub.id:
        raise Conflict(_("“%(name)s”不是该枢纽的成员", name=member.name))
    member.hub_id = None
    db.session.flush()
    return member


def hub_members_stmt(user: Any, hub: Organization) -> Select:
    return visible_select(user, Organization).where(
        Organization.hub_id == hub.id).order_by(Organization.id.desc())


def hubs_overview(user: Any) -> list[tuple[Organization, int]]:
    """The hubs user may see, each with its number of member organizations."""
    members = (select(func.count(Organization.id)).where(Organization.hub_id == hub_alias.id)
               .correlate(hub_alias).scalar_subquery())
    stmt = (select(hub_alias, members)
            .where(scope_condition(user, hub_alias), hub_alias.is_hub.is_(True))
            .order_by(hub_alias.id))
    return [(hub, count) for hub, count in db.session.execute(stmt)]


def party_coverage(user: Any) -> list[dict]:
    """Party-building coverage of registered organizations by county (市本级 for the city's)."""
    county = func.coalesce(Region.county_code, Region.code)
    covered = case((Organization.party_org_status.in_(("single", "joint")), 1), else_=0)
    stmt = (
        select(county.label("county"),
               func.count(Organization.id),
               func.sum(case((Organization.party_org_status == "single", 1), else_=0)),
               func.sum(case((Organization.party_org_status == "joint", 1), else_=0)),
               func.sum(covered),
               func.sum(Organization.party_member_count),
               func.sum(case((Organization.party_instructor != "", 1), else_=0)))
        .join(Region, Region.code == Organization.region_code)
        .where(Organization.status == "approved", scope_condition(user, Organization))
        .group_by(county).order_by(county)
    )
    names = dict(db.session.execute(select(Region.code, Region.name)
                                    .where(Region.level.in_(("city", "county")))).all())
    rows = []
    for code, total, single, joint, cov, members, instructors in db.session.execute(stmt):
        label = _("市本级") if code == CITY_CODE else names.get(code, code)
        rows.append({"county_code": code, "county": label, "total": total,
                     "single": single or 0, "joint": joint or 0, "none": total - (cov or 0),
                     "covered": cov or 0, "members": members or 0,
                     "instructors": instructors or 0,
                     "coverage_pct": round(100 * (cov or 0) / total, 1) if total else 0.0})
    return rows


def coverage_totals(rows: list[dict]) -> dict:
    """The city's (or county's) totals of party_coverage rows, with the coverage in %."""
    totals = {key: sum(r[key] for r in rows)
              for key in ("total", "single", "joint", "none", "covered", "members",
                          "instructors")}
    totals["coverage_pct"] = round(100 * totals["covered"] / totals["total"], 1) \
        if totals["total"] else 0.0
    return totals


def find_member(user: Any, text: str | None) -> Organization:
    """A registered organization in user's jurisdiction by id, USCC or exact name."""
    text = normalize_name(text)
    if not text or len(text) > 100:
        raise ValidationFailed(_("请填写成员组织的编号、统一社会信用代码或完整名称"), "member")
    conditions = [Organization.uscc == text.upper(), Organization.name == text]
    if text.isdigit() and len(text) < 10:
        conditions.append(Organization.id == int(text))
    stmt = select(Organization).where(or_(*conditions), Organization.status == "approved",
                                      scope_condition(user, Organization))
    found = list(db.session.scalars(stmt.limit(2)))
    if len(found) != 1:
        raise ValidationFailed(_("没有找到这个已登记的组织，请核对编号、代码或名称"), "member")
    return found[0]
