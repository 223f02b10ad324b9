"""Back-office views for the incentives."""

from registry.incentives.models import Benefit, BenefitClaim, Deed, MoralRule, Report  # noqa: F401


def admin_views() -> list:
    return []
