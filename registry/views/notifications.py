"""The message centre's pages: the signed-in user's messages, opening one, marking all read."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from registry import notifications
from registry.extensions import db
from registry.notifications import Notification
from registry.pagination import paginate_query

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.route("/")
@login_required
def index():
    stmt = notifications.for_user_stmt(current_user).order_by(Notification.id.desc())
    page = paginate_query(stmt, Notification.id, request.args)
    return render_template("notifications/index.html", page=page,
                           unread=notifications.unread_count(current_user))


@bp.route("/<int:note_id>/open", methods=["GET", "POST"])
@login_required
def open_note(note_id: int):
    """Mark one of one's own messages read and go to what it is about (a path of this site)."""
    note = db.session.scalar(select(Notification).where(
        Notification.id == note_id, Notification.user_id == current_user.id))
    if note is None:
        abort(404)
    notifications.mark_read(current_user, note.id)
    db.session.commit()
    link = notifications.safe_link(note.link)
    return redirect(request.script_root + link if link else url_for(".index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    notifications.mark_read(current_user)
    db.session.commit()
    return redirect(url_for(".index"))
