"""An organization's credit profile: annual reports, abnormal list, grade, projects and their
grades, awards, grants, and its eligibility (the rules are in eligibility.py)."""

from typing import Any

from sqlalchemy import select

from registry.clock import today_local
from registry.extensions import db
from registry.organizations.models import AbnormalListing, AnnualReport, Organization
from registry.purchasing import award_applications, eligibility
from registry.purchasing.models import OrgPenalty, PurchasedServiceProject
from registry.scoping import visible_select
from registry.support.models import GRANT_STATUSES, GRANT_TYPES, Grant

PROFILE_ROWS = 50  # each list of the profile shows the latest this many


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
    penalties = list(db.session.scalars(select(OrgPenalty).where(
        OrgPenalty.organization_id == org.id).order_by(OrgPenalty.decided_on.desc(),
                                                       OrgPenalty.id.desc())
        .limit(PROFILE_ROWS)))
    grants = list(db.session.scalars(
        visible_select(user, Grant).where(Grant.organization_id == org.id)
        .order_by(Grant.id.desc()).limit(PROFILE_ROWS)))
    # A list shorter than PROFILE_ROWS is whole: the eligibility rules read it instead of
    # asking the database again (a cut list leaves them to ask).
    whole = {name: rows for name, rows in {"reports": reports, "listings": listings,
                                           "penalties": penalties}.items()
             if len(rows) < PROFILE_ROWS}
    return {
        "organization": org,
        "grade": org.current_grade(today), "grade_valid_until": org.grade_valid_until,
        "grade_expired": bool(org.grade and not org.current_grade(today)),
        "reports": reports, "listings": listings, "projects": projects,
        "penalties": penalties,
        "awards": award_applications.awards_of(org.id), "grants": grants,
        "eligibility": eligibility.eligibilities(eligibility.Facts(org, **whole)),
    }


def grant_label(grant: Grant) -> tuple[str, str]:
    return (str(GRANT_TYPES.get(grant.grant_type, grant.grant_type)),
            str(GRANT_STATUSES.get(grant.status, grant.status)))
