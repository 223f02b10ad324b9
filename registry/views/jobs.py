"""Background jobs' pages: progress (a page polling a JSON status) and the result download."""

from flask import Blueprint, jsonify, render_template, send_file
from flask_login import current_user, login_required

from registry.i18n import gettext as _
from registry.jobs import JOB_STATUSES, own_job_or_404

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.route("/<int:job_id>")
@login_required
def show(job_id: int):
    job = own_job_or_404(current_user, job_id)
    return _page(job)


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id: int):
    return jsonify(own_job_or_404(current_user, job_id).as_dict())


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = own_job_or_404(current_user, job_id)
    if job.status != "done" or not job.result_path:
        return _page(job), 409
    return send_file(job.result_path, as_attachment=True, download_name=job.result_name)


def _page(job):
    labels = {status: _(label) for status, label in JOB_STATUSES.items()}
    return render_template("jobs/show.html", job=job, labels=labels)
