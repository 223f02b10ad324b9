"""Long work runs on a kept job queue (Huey), not in a web request.

- The queue: SQLite at instance/jobs.db by default, Redis when REGISTRY_JOBS_URL=redis://… is
  set (production, several servers). Tests run jobs at once (JOBS_IMMEDIATE).
- The worker: `huey_consumer registry.worker.huey` (registry/worker.py builds the app).
- `Job`: one row per piece of work, owned by the user who started it, with its progress, its
  result file and its error; `/jobs/<id>` (views/jobs.py) shows it and offers the download.
- An area registers what a kind of job does with `@handler("kind")`; `start(...)` queues one.
- Scheduled work uses the same queue's periodic tasks (the daily Idempotency-Key purge).
"""

import json
import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from flask import Flask, abort, current_app, has_app_context
from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy import ForeignKey, String, Text, update
from sqlalchemy.orm import Mapped, mapped_column

from config import INSTANCE_DIR, env
from registry import audit
from registry.clock import utcnow
from registry.crypto import decrypt, encrypt
from registry.errors import RegistryError
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.idempotency import purge
from registry.models import User

log = logging.getLogger(__name__)
JOB_STATUSES = {"queued": _l("排队中"), "running": _l("进行中"), "done": _l("已完成"),
                "failed": _l("失败")}
FAILED_MESSAGE = _l("任务出错，请稍后重试；如仍失败请联系管理员")


def _make_huey():
    # Built in immediate (in-memory) mode so importing this module opens no file or socket;
    # init_app switches to the real storage once an app is configured.
    url = env("JOBS_URL")
    if url:
        return RedisHuey("registry", url=url, immediate=True)
    return SqliteHuey("registry", filename=str(INSTANCE_DIR / "jobs.db"), immediate=True)


huey = _make_huey()
_apps: list[Flask] = []  # the app the worker's tasks run in (set by init_app)
HANDLERS: dict[str, Callable[["Job", User], None]] = {}


class Job(db.Model):
    """A piece of long work: who started it, how far it is, where its result is."""

    __label__ = _l("后台任务")

    __audit_skip__ = True  # progress bookkeeping; the work itself writes its own audit rows

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The owner's role and region when the job started: its result holds that scope's data.
    owner_role: Mapped[str | None] = mapped_column(String(20))
    owner_region: Mapped[str | None] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(10), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    params: Mapped[str] = mapped_column(Text, default="")
    result_path: Mapped[str | None] = mapped_column(String(300))
    result_name: Mapped[str | None] = mapped_column(String(200))
    message: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[str] = mapped_column(Text, default="[]")  # e.g. an import's bad rows
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    @property
    def args(self) -> dict:
        # Encrypted at rest: an export's search may be a phone or ID number.
        return json.loads(decrypt(self.params)) if self.params else {}

    @property
    def problems(self) -> list:
        return json.loads(self.detail or "[]")

    def report(self, done: int) -> None:
        """Record progress in its own short transaction, so the page sees it while the job's
        own transaction (all-or-nothing) is still open."""
        self.done = done
        with db.engine.begin() as conn:
            conn.execute(update(Job.__table__).where(Job.__table__.c.id == self.id)
                         .values(done=done))

    def as_dict(self) -> dict:
        return {"id": self.id, "status": self.status, "status_label": JOB_STATUSES[self.status],
                "done": self.done, "total": self.total, "message": self.message,
                "ready": self.status == "done" and bool(self.result_path)}


def handler(kind: str):
    """Register fn(job, user) as the work for jobs of this kind (areas call this at import)."""
    def register(fn):
        HANDLERS[kind] = fn
        return fn
    return register


def init_app(app: Flask) -> None:
    app.config.setdefault("JOBS_DIR", str(Path(app.config["UPLOAD_DIR"]).parent / "jobs"))
    if not app.config["JOBS_IMMEDIATE"]:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    huey.immediate = bool(app.config["JOBS_IMMEDIATE"])
    _apps[:] = [app]


def _app() -> Flask:
    return current_app._get_current_object() if has_app_context() else _apps[0]


def file_path(suffix: str) -> str:
    """A new file name in JOBS_DIR (uploads waiting for a job, results waiting for download)."""
    folder = Path(_app().config["JOBS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / f"{uuid.uuid4().hex}{suffix}")


def over_threshold(rows: int) -> bool:
    """Whether work on this many rows belongs on the queue rather than in the request."""
    return rows > current_app.config["JOBS_THRESHOLD"]


def start(user: User, kind: str, title: str, params: dict, total: int = 0) -> Job:
    """Queue a job (committed first, so the worker can read it) and return it."""
    if kind not in HANDLERS:
        raise KeyError(kind)
    job = Job(user_id=user.id, owner_role=user.role, owner_region=user.region_code,
              kind=kind, title=title, total=total,
              params=encrypt(json.dumps(params, ensure_ascii=False)))
    db.session.add(job)
    db.session.commit()
    run_job(job.id)
    if huey.immediate:
        db.session.expire(job)  # it ran in its own session
    return job


def own_job_or_404(user: User, job_id: int) -> Job:
    """The job if this user started it with the role and region they hold now; anyone else's,
    or one started before the owner's role or region changed (its result is the old scope's
    data), is a 404."""
    job = db.session.get(Job, job_id)
    if (job is None or job.user_id != user.id
            or (job.owner_role, job.owner_region) != (user.role, user.region_code)):
        abort(404)
    return job


@huey.task()
def run_job(job_id: int) -> None:
    """Run one queued job in the app's context (the worker's, or the test's)."""
    app = _app()
    with app.app_context():
        _run(job_id)


def _run(job_id: int) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != "queued":
        return
    user = db.session.get(User, job.user_id)
    audit.set_actor(user)
    job.status = "running"
    db.session.commit()
    try:
        HANDLERS[job.kind](job, user)
    except Exception as error:  # noqa: BLE001 (every failure ends the job with a message)
        db.session.rollback()
        if not isinstance(error, RegistryError):
            log.exception("job %s (%s) failed", job_id, job.kind)
        job = db.session.get(Job, job_id)
        job.status = "failed"
        # str(): a lazy text cannot be stored (SQLite refuses it): the failure would be a 500
        job.message = str(error.message if isinstance(error, RegistryError) else FAILED_MESSAGE)
        job.detail = json.dumps(getattr(error, "problems", []), ensure_ascii=False)
    else:
        job.status = "done"
        job.done = max(job.done, job.total)
    job.finished_at = utcnow()
    db.session.commit()


@huey.periodic_task(crontab(hour="3", minute="17"))
def purge_idempotency_keys() -> None:
    """Daily: Idempotency-Key records older than a week (`flask idempotency-purge` by hand)."""
    with _app().app_context():
        removed = purge()
        db.session.commit()
        log.info("purged %s idempotency keys", removed)
