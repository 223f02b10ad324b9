"""The volunteer's own pages: activities, confirmed hours, star level, points and ledger, the
志愿服务记录证明 download, and their own details (contact details, a returned registration)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from registry import crypto
from registry.activities import certificates, service_records, signups
from registry.activities import operations as activities
from registry.activities.models import ServiceRecord, Signup
from registry.errors import RegistryError
from registry.extensions import db
from registry.forms import show_errors
from registry.forms.volunteers import ContactForm, ResubmitForm, township_choices
from registry.i18n import gettext as _
from registry.incentives import expiry, households, redemptions
from registry.models import VOLUNTEER
from registry.pagination import paginate_query
from registry.points import ledger
from registry.points.models import PointsLedgerEntry
from registry.points.operations import entries_stmt
from registry.qr import qr_data_uri
from registry.views.access import roles
from registry.volunteers import operations as volunteers
from registry.volunteers import profile as profiles
from registry.volunteers.models import STAR_LABELS, VOLUNTEER_STATUSES

bp = Blueprint("me", __name__, url_prefix="/me")


def me():
    """The logged-in volunteer's record (404 without one); the pages are for volunteers only."""
    volunteer = activities.volunteer_of(current_user)
    if volunteer is None:
        abort(404)
    return volunteer


@bp.route("/")
@roles(VOLUNTEER)
def index():
    volunteer = me()
    stars = volunteers.star_level(volunteer.total_minutes)
    thresholds = [hours * 60 for hours in current_app.config["STAR_THRESHOLDS_HOURS"]]
    next_minutes = next((t for t in thresholds if t > volunteer.total_minutes), None)
    recent = paginate_query(service_records.my_records_stmt(volunteer), ServiceRecord.id, {},
                            default_per_page=5, count=False)
    return render_template(
        "me/index.html", volunteer=volunteer, stars=stars, star_label=STAR_LABELS[stars],
        next_minutes=next_minutes, balance=ledger.balance(volunteer),
        stations=certificates.service_by_station(volunteer), recent=recent.items)


@bp.route("/activities")
@roles(VOLUNTEER)
def my_activities():
    volunteer = me()
    page = paginate_query(signups.my_signups_stmt(volunteer), Signup.id, request.args)
    return render_template("me/activities.html", page=page)


@bp.route("/service")
@roles(VOLUNTEER)
def service():
    volunteer = me()
    page = paginate_query(service_records.my_records_stmt(volunteer), ServiceRecord.id,
                          request.args)
    return render_template("me/service.html", page=page, volunteer=volunteer)


@bp.route("/points")
@roles(VOLUNTEER)
def points():
    volunteer = me()
    page = paginate_query(entries_stmt(volunteer), PointsLedgerEntry.id, request.args,
                          count=False)
    household = households.household_of(volunteer)
    recent = list(db.session.scalars(redemptions.my_redemptions_stmt(volunteer).limit(5)))
    pooled = list(db.session.scalars(households.pool_entries_stmt(household).limit(5))
                  ) if household else []
    balance = ledger.balance(volunteer)
    return render_template(
        "me/points.html", page=page, balance=balance,
        expiring_soon=expiry.expiring_soon(volunteer, balance=balance), months=expiry.months(),
        household=household, recent=recent,
        pool=ledger.pool_balance(household.id) if household else None,
        members=households.members(household) if household else [],
        pooled=pooled, pooled_names=households.member_names(e.volunteer_id for e in pooled),
        qr=qr_data_uri(url_for("store.counter", code=redemptions.member_code(volunteer),
                               _external=True)))


@bp.route("/points/transfer", methods=["POST"])
@roles(VOLUNTEER)
def transfer():
    """Move some of one's points into one's household's pool."""
    volunteer = me()
    try:
        households.transfer_in(current_user, volunteer, request.form.get("points"))
        db.session.commit()
        flash(_("已转入户积分"), "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for(".points"))


@bp.route("/certificate")
@roles(VOLUNTEER)
def certificate():
    """Download the certificate of one recording station (station_id when several)."""
    volunteer = me()
    try:
        cert = certificates.issue(volunteer, request.args.get("station_id") or None)
        pdf = certificates.render(cert)
        db.session.commit()
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "warning")
        return redirect(url_for(".index"))
    response = make_response(pdf)
    response.headers["Content-Type"] = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{cert.serial}.pdf"'
    response.headers["X-Certificate-Serial"] = cert.serial
    response.headers["Cache-Control"] = "no-store"
    return response


def _profile_page(volunteer, contact_form=None, resubmit_form=None, status=200):
    contact_form = contact_form or ContactForm(formdata=None, obj=volunteer)
    if resubmit_form is None:
        resubmit_form = ResubmitForm(formdata=None, obj=volunteer)
        resubmit_form.guardian_consent.data = volunteer.guardian_consent_at is not None
    resubmit_form.township_code.choices = township_choices()
    return render_template(
        "me/profile.html", volunteer=volunteer, contact_form=contact_form,
        resubmit_form=resubmit_form, statuses=VOLUNTEER_STATUSES,
        state=profiles.review_state(volunteer),
        id_number=crypto.decrypt(volunteer.id_number_encrypted)), status


@bp.route("/profile")
@roles(VOLUNTEER)
def profile():
    """The volunteer's own record, where it stands, and the forms to keep it current."""
    return _profile_page(me())


@bp.route("/profile/contact", methods=["POST"])
@roles(VOLUNTEER)
def contact():
    volunteer = me()
    form = ContactForm()
    if form.validate_on_submit():
        try:
            profiles.update_contact(current_user, volunteer, {
                name: getattr(form, name).data for name in profiles.CONTACT_FIELDS})
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("联系方式已保存"), "success")
            return redirect(url_for(".profile"))
    return _profile_page(me(), contact_form=form, status=422)


@bp.route("/profile/resubmit", methods=["POST"])
@roles(VOLUNTEER)
def resubmit():
    """A returned registration, fixed and sent back to the station in one step."""
    volunteer = me()
    form = ResubmitForm()
    form.township_code.choices = township_choices()
    if form.validate_on_submit():
        try:
            profiles.update_registration(current_user, volunteer, {
                name: getattr(form, name).data for name in profiles.REGISTRATION_FIELDS})
            profiles.resubmit(current_user, volunteer)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已重新提交，请等待志愿服务站审核"), "success")
            return redirect(url_for(".profile"))
    return _profile_page(me(), resubmit_form=form, status=422)
