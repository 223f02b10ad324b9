"""Scheduled work of the incentives on the job queue (registry/jobs.py): crediting deeds whose
公示 ended without objection, hourly (`flask credit-deeds` does the same by hand); warning the
holders of benefits and points about to expire, daily."""

import logging

from huey import crontab

from registry.extensions import db
from registry.incentives import benefits, deeds, expiry
from registry.jobs import _app, huey

log = logging.getLogger(__name__)


# --- issue 11 (i11-reports): moral bank ---
@huey.periodic_task(crontab(minute="7"))
def credit_publicized_deeds() -> None:
    """Hourly: deeds past their 公示 without objection get their points (safe to run twice)."""
    with _app().app_context():
        done = deeds.credit_due()
        db.session.commit()
        log.info("credited %s deeds", done)


@huey.periodic_task(crontab(hour="8", minute="15"))
def warn_expiring() -> None:
    """Daily: a message to each holder of an unused benefit near its end (once per claim) and
    of points expiring within 30 days (once a month)."""
    with _app().app_context():
        told = benefits.warn_expiring()
        db.session.commit()
        points = expiry.warn_soon()
        log.info("warned %s holders of expiring benefits, %s of expiring points", told, points)
