"""Scheduled work of 社情民意 on the job queue (registry/jobs.py): the daily overdue check."""

import logging

from huey import crontab

from registry.extensions import db
from registry.jobs import _app, huey
from registry.participation import operations

log = logging.getLogger(__name__)


@huey.periodic_task(crontab(hour="8", minute="5"))
def warn_overdue_suggestions() -> None:
    """Daily: the officials above each newly overdue suggestion are told, once per item
    (`flask suggestions-overdue` does the same by hand)."""
    with _app().app_context():
        told = operations.notify_overdue()
        db.session.commit()
        log.info("told about %s overdue suggestions", told)
