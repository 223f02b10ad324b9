"""Organization pages for officials and for an organization's representative (org_admin):
applications, review, documents, annual reports, grades, abnormal list, hubs, party building."""


from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy import select

from registry import audit, exports
from registry.clock import today_local
from registry.errors import NotAllowed, RegistryError, ValidationFailed
from registry.extensions import db
from registry.forms import show_errors
from registry.forms.organizations import (
    AbnormalForm,
    GradeForm,
    HubForm,
    HubMemberForm,
    MoveForm,
    OrgForm,
    PartyForm,
    RemoveAbnormalForm,
    ReportForm,
    ReviewForm,
    UploadForm,
    county_choices,
    fill_org_form,
    org_form_data,
    region_choices,
)
from registry.i18n import gettext as _
from registry.models import CITY_OFFICIAL, OFFICIAL_ROLES, ORG_ADMIN
from registry.organizations import documents, party_and_hubs, records
from registry.organizations import operations as orgs
from registry.organizations.models import (
    ABNORMAL_REASONS,
    GRADES,
    ORG_CATEGORIES,
    ORG_STATUSES,
    ORG_TYPES,
    PARTY_ORG_STATUSES,
    AbnormalListing,
    AnnualReport,
    Organization,
    OrgDocument,
    OrgRating,
)
from registry.pagination import paginate_query
from registry.scoping import get_visible, get_visible_or_404
from registry.validators import is_landline, parse_yuan
from registry.views.access import require, roles
from registry.workflow import history

bp = Blueprint("organizations", __name__, url_prefix="/organizations")
VIEW_ROLES = (*OFFICIAL_ROLES, ORG_ADMIN)


def _load(org_id: int) -> Organization:
    return get_visible_or_404(current_user, Organization, org_id)


def _fail(form, error: RegistryError) -> None:
    """Nothing is kept; the message goes to its field (and on top, so it is seen). A role
    that may not do this at all gets a plain 403."""
    db.session.rollback()
    require(not isinstance(error, NotAllowed))
    placed = any(name in form._fields for name in error.fields)
    show_errors(form, error)
    if placed:
        flash(error.message, "danger")


# ---------------------------------------------------------------- lists

@bp.route("/")
@roles(*VIEW_ROLES)
def index():
    if current_user.role == ORG_ADMIN:
        return redirect(url_for("organizations.mine"))
    filters = orgs.check_filters(request.args)
    page = paginate_query(orgs.staff_list_stmt(current_user, filters), Organization.id,
                          request.args)
    return render_template("organizations/list.html", page=page, filters=filters,
                           statuses=ORG_STATUSES, types=ORG_TYPES, grades=GRADES,
                           counties=county_choices(current_user), today=today_local())


@bp.route("/export.csv")
@roles(*OFFICIAL_ROLES)
def export():
    """The filtered list as CSV (the jurisdiction only; phones masked), streamed."""
    filters = orgs.check_filters(request.args)
    return exports.response(
        "csv", _(
            "社会组织名单-%(today)s", today=format(today_local(), "%Y%m%d")), orgs.EXPORT_HEADERS,
        orgs.export_rows(current_user, filters), what="Organization", comment=_("导出社会组织名单"),
        region_code=current_user.region_code,
        filters={k: str(v) for k, v in filters.items() if v})


@bp.route("/mine")
@roles(ORG_ADMIN)
def mine():
    org = get_visible(current_user, Organization, current_user.organization_id or 0)
    if org is None:
        return redirect(url_for("organizations.new"))
    return redirect(url_for("organizations.detail", org_id=org.id))


# ---------------------------------------------------------------- applications

@bp.route("/new", methods=["GET", "POST"])
@roles(*VIEW_ROLES)
def new():
    form = OrgForm()
    form.region_code.choices = region_choices(current_user)
    if form.validate_on_submit():
        try:
            submit = request.form.get("action") == "submit" or current_user.role != ORG_ADMIN
            data = org_form_data(form, current_user)
            org = orgs.create_application(current_user, data, submit=submit)
        except RegistryError as error:
            _fail(form, error)
        else:
            db.session.commit()
            if org.status == "submitted":
                flash(_("申请已提交，等待民政部门审查"), "success")
                _warn_missing(org)
            else:
                flash(_("已保存草稿。请在本页按清单上传材料，齐全后提交审查"), "success")
            # The first save creates the application; its documents are uploaded on the same
            # form page, which now has somewhere to keep them.
            target = "organizations.edit" if orgs.can_edit(current_user, org) \
                else "organizations.detail"
            return redirect(url_for(target, org_id=org.id, _anchor="documents"))
    return render_template("organizations/form.html", form=form, org=None,
                           **_checklist_context(None))


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@roles(*VIEW_ROLES)
def edit(org_id):
    org = _load(org_id)
    if not orgs.can_edit(current_user, org):
        flash(_("当前状态为“%(s)s”，不能修改申请内容", s=org.status_label), "warning")
        return redirect(url_for("organizations.detail", org_id=org.id))
    form = OrgForm()
    form.region_code.choices = region_choices(current_user)
    if request.method == "GET":
        fill_org_form(form, org)
    elif form.validate_on_submit():
        was = org.status
        try:
            orgs.update_application(current_user, org, org_form_data(form, current_user))
            if request.form.get("action") == "submit":
                orgs.submit_application(current_user, org)
        except RegistryError as error:
            _fail(form, error)
        else:
            db.session.commit()
            flash(_("已保存修改") if org.status != "submitted" else _("已重新提交")
                  if was != "draft" else _("申请已提交，等待民政部门审查"), "success")
            _warn_missing(org)
            return redirect(url_for("organizations.detail", org_id=org.id))
    return render_template("organizations/form.html", form=form, org=org,
                           **_checklist_context(org))


def _checklist_context(org: Organization | None) -> dict:
    """The document checklist for the form page: the organization's, with what is uploaded
    (and the upload form), or before the first save every type's list."""
    return {**documents.page_context(current_user, org), "upload_form": UploadForm(formdata=None)}


def _warn_missing(org: Organization) -> None:
    """A submitted application without its documents cannot be approved: say so now."""
    missing = documents.missing_documents(org) if org.status == "submitted" else []
    if missing:
        flash(_("申请材料尚不齐全（缺少：%(m)s），审查时不能准予登记，请尽快补充上传",
                m="、".join(missing)), "warning")


def _detail_context(org: Organization) -> dict:
    user = current_user
    official = user.role in OFFICIAL_ROLES
    reports = list(db.session.scalars(select(AnnualReport).where(
        AnnualReport.organization_id == org.id).order_by(AnnualReport.year.desc())))
    ratings = list(db.session.scalars(select(OrgRating).where(
        OrgRating.organization_id == org.id).order_by(OrgRating.id.desc())))
    listings = list(db.session.scalars(select(AbnormalListing).where(
        AbnormalListing.organization_id == org.id).order_by(AbnormalListing.id.desc())))
    party = PartyForm(formdata=None, obj=org)
    party.party_member_count.data = str(org.party_member_count)
    move_form = MoveForm(formdata=None)
    move_form.registration_authority.data = org.registration_authority
    move_form.uscc.data = org.uscc or ""
    return {
        "org": org, "history": history(org), "moves": orgs.allowed_moves(user, org),
        "documents": documents.documents_of(user, org), "reports": reports, "ratings": ratings,
        "checklist": documents.checklist(org), "basis": documents.BASIS,
        "report_years": records.report_years(org),
        "rating_open_from": records.rating_open_from(org),
        "listings": listings, "official": official, "today": today_local(),
        "can_edit": orgs.can_edit(user, org), "can_upload": documents.may_upload(user, org),
        "move_form": move_form, "upload_form": UploadForm(formdata=None),
        "report_form": ReportForm(formdata=None, year=str(today_local().year - 1)),
        "review_form": ReviewForm(formdata=None), "grade_form": GradeForm(formdata=None),
        "abnormal_form": AbnormalForm(formdata=None),
        "remove_form": RemoveAbnormalForm(formdata=None), "party_form": party,
        "hub_form": HubForm(formdata=None), "reasons": ABNORMAL_REASONS,
        "show_phone": official or user.role == ORG_ADMIN,
        "hubs": [hub for hub, _count in party_and_hubs.hubs_overview(user)]
        if user.role == CITY_OFFICIAL and org.status == "approved" and not org.is_hub else [],
    }


def _render_detail(org: Organization, status: int = 200, **forms):
    context = _detail_context(org)
    context.update(forms)
    return render_template("organizations/detail.html", **context), status


@bp.route("/<int:org_id>")
@roles(*VIEW_ROLES)
def detail(org_id):
    org = _load(org_id)
    if current_user.role in OFFICIAL_ROLES and org.contact_phone and not is_landline(
            org.contact_phone):  # an office landline is public: nothing is unmasked
        audit.record("view_unmasked", org, comment="查看组织联系人电话")
        db.session.commit()
    return _render_detail(org)[0]


def _act(org: Organization, form, action, success: str, form_name: str, back: str = ""):
    """Validate form, run the domain action, commit; on error re-render at the fields (or,
    sent from another page, back there with the message)."""
    done = url_for(back or "organizations.detail", org_id=org.id,
                   _anchor="documents" if back else None)
    if form.validate_on_submit():
        try:
            action()
        except RegistryError as error:
            _fail(form, error)
            if back:
                flash(error.message, "danger")
                return redirect(done)
        else:
            db.session.commit()
            flash(success, "success")
            return redirect(done)
    elif form.errors.get("csrf_token"):
        abort(400)
    return _render_detail(org, 422, **{form_name: form})


@bp.route("/<int:org_id>/move/<name>", methods=["POST"])
@roles(*VIEW_ROLES)
def move(org_id, name):
    org = _load(org_id)
    if name not in orgs.MOVES:
        abort(404)
    form = MoveForm()

    def action():
        if name == "deregister" and not form.confirm.data:
            raise ValidationFailed(_("注销登记不能恢复，请勾选确认后再提交"), "confirm")
        if name == "approve":
            orgs.approve(current_user, org, form.comment.data, uscc=form.uscc.data,
                         certificate_date=form.certificate_date.data,
                         registration_authority=form.registration_authority.data)
        else:
            orgs.MOVES[name](current_user, org, form.comment.data)

    label = orgs.ORG_MACHINE.by_name[name].label
    response = _act(org, form, action, _("已%(m)s", m=label), "move_form")
    if name == "submit" and org.status == "submitted":
        _warn_missing(org)
    return response


# ---------------------------------------------------------------- documents

@bp.route("/<int:org_id>/documents", methods=["POST"])
@roles(*VIEW_ROLES)
def upload(org_id):
    org = _load(org_id)
    form = UploadForm()
    file = request.files.get("file")

    def action():
        documents.save_document(current_user, org, file.stream if file else None,
                              file.filename if file else "", form.kind.data)

    # Sent from the application form (uploads right after the first save): answer there.
    back = "organizations.edit" if request.form.get("back") == "edit" and orgs.can_edit(
        current_user, org) else ""
    return _act(org, form, action, _("材料已上传"), "upload_form", back)


@bp.route("/<int:org_id>/documents/<int:doc_id>")
@roles(*VIEW_ROLES)
def document(org_id, doc_id):
    org = _load(org_id)
    doc = get_visible_or_404(current_user, OrgDocument, doc_id)
    if doc.organization_id != org.id or doc.removed_at is not None:
        abort(404)
    path = documents.document_path(doc)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=doc.content_type, as_attachment=True,
                     download_name=doc.original_name, max_age=0)


# ---------------------------------------------------------------- the record

def _yuan(form, name: str, label: str) -> int:
    return parse_yuan(form[name].data or "0", name, label)


@bp.route("/<int:org_id>/reports", methods=["POST"])
@roles(*VIEW_ROLES)
def file_report(org_id):
    org = _load(org_id)
    form = ReportForm()

    def action():
        records.file_annual_report(current_user, org, {
            "year": form.year.data, "income_fen": _yuan(form, "income_fen", _("本年收入")),
            "expenditure_fen": _yuan(form, "expenditure_fen", _("本年支出")),
            "net_assets_fen": _yuan(form, "net_assets_fen", _("年末净资产")),
            "staff_count": form.staff_count.data, "activities": form.activities.data})

    return _act(org, form, action, _("年度报告已报送"), "report_form")


@bp.route("/<int:org_id>/reports/<int:report_id>/review", methods=["POST"])
@roles(*OFFICIAL_ROLES)
def review_report(org_id, report_id):
    org = _load(org_id)
    report = get_visible_or_404(current_user, AnnualReport, report_id)
    if report.organization_id != org.id:
        abort(404)
    form = ReviewForm()
    return _act(org, form, lambda: records.review_annual_report(
        current_user, report, form.result.data, form.comment.data),
        _("年检结论已记录"), "review_form")


@bp.route("/<int:org_id>/grade", methods=["POST"])
@roles(*OFFICIAL_ROLES)
def grade(org_id):
    org = _load(org_id)
    form = GradeForm()
    return _act(org, form, lambda: records.rate(current_user, org, form.grade.data,
                                             form.rated_on.data, form.comment.data),
                _("评估等级已记录"), "grade_form")


@bp.route("/<int:org_id>/abnormal", methods=["POST"])
@roles(*OFFICIAL_ROLES)
def abnormal(org_id):
    org = _load(org_id)
    form = AbnormalForm()
    return _act(org, form, lambda: records.list_abnormal(current_user, org, form.reason.data,
                                                      form.note.data, form.listed_on.data),
                _("已列入活动异常名录"), "abnormal_form")


@bp.route("/<int:org_id>/abnormal/remove", methods=["POST"])
@roles(*OFFICIAL_ROLES)
def remove_abnormal(org_id):
    org = _load(org_id)
    form = RemoveAbnormalForm()
    return _act(org, form, lambda: records.remove_abnormal(current_user, org,
                                                        form.removal_note.data,
                                                        form.removed_on.data),
                _("已移出活动异常名录"), "remove_form")


@bp.route("/<int:org_id>/party", methods=["POST"])
@roles(*VIEW_ROLES)
def party(org_id):
    org = _load(org_id)
    form = PartyForm()
    return _act(org, form, lambda: party_and_hubs.update_party(current_user, org, form.data),
                _("党建信息已更新"), "party_form")


@bp.route("/<int:org_id>/hub", methods=["POST"])
@roles(CITY_OFFICIAL)
def hub_toggle(org_id):
    org = _load(org_id)
    form = HubForm()
    designate = request.form.get("is_hub") == "1"
    return _act(org, form, lambda: party_and_hubs.set_hub(current_user, org, designate),
                _("已认定为枢纽型社会组织") if designate else _("已取消枢纽型社会组织认定"),
                "hub_form")


@bp.route("/<int:org_id>/join-hub", methods=["POST"])
@roles(CITY_OFFICIAL)
def join_hub(org_id):
    """The city puts a registered organization under one of its hubs (from its own page)."""
    org = _load(org_id)
    form = HubForm()
    hub = get_visible(current_user, Organization, request.form.get("hub_id") or 0)

    def action():
        if hub is None:
            raise ValidationFailed(_("请选择枢纽组织"), "hub_id")
        party_and_hubs.add_hub_member(current_user, hub, org)

    return _act(org, form, action, _("已加入枢纽组织"), "hub_form")


# ---------------------------------------------------------------- hubs and party building

@bp.route("/hubs")
@roles(*OFFICIAL_ROLES)
def hubs():
    hubs = party_and_hubs.hubs_overview(current_user)
    return render_template("organizations/hubs.html", hubs=hubs)


def _hub_page(hub: Organization, form: HubMemberForm, status: int = 200):
    page = paginate_query(party_and_hubs.hub_members_stmt(current_user, hub), Organization.id,
                          request.args)
    return render_template("organizations/hub.html", hub=hub, page=page, form=form), status


@bp.route("/hubs/<int:org_id>", methods=["GET", "POST"])
@roles(*OFFICIAL_ROLES)
def hub(org_id):
    hub = _load(org_id)
    if not hub.is_hub:
        abort(404)
    form = HubMemberForm()
    if request.method == "POST":
        require(current_user.role == CITY_OFFICIAL)
        if form.validate_on_submit():
            try:
                member = party_and_hubs.find_member(current_user, form.member.data)
                party_and_hubs.add_hub_member(current_user, hub, member)
            except RegistryError as error:
                _fail(form, error)
                return _hub_page(hub, form, 422)
            db.session.commit()
            flash(_("已将“%(n)s”加入枢纽", n=member.name), "success")
            return redirect(url_for("organizations.hub", org_id=hub.id))
    return _hub_page(hub, form)


@bp.route("/hubs/<int:org_id>/members/<int:member_id>/remove", methods=["POST"])
@roles(CITY_OFFICIAL)
def hub_remove(org_id, member_id):
    hub = _load(org_id)
    member = _load(member_id)
    form = HubForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        party_and_hubs.remove_hub_member(current_user, hub, member)
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("已将“%(n)s”移出枢纽", n=member.name), "success")
    return redirect(url_for("organizations.hub", org_id=hub.id))


@bp.route("/party")
@roles(*OFFICIAL_ROLES)
def party_building():
    """Coverage by county, and the registered organizations with their party building."""
    filters = orgs.check_filters({k: v for k, v in request.args.items()
                                  if k in ("q", "region_code")})
    filters["status"] = "approved"
    stmt = orgs.staff_list_stmt(current_user, filters)
    status = request.args.get("party_org_status") or ""
    if status:
        if status not in PARTY_ORG_STATUSES:
            raise ValidationFailed(_("党组织建立情况筛选值不正确"), "party_org_status")
        stmt = stmt.where(Organization.party_org_status == status)
    page = paginate_query(stmt, Organization.id, request.args)
    rows = party_and_hubs.party_coverage(current_user)
    totals = party_and_hubs.coverage_totals(rows)
    return render_template("organizations/party.html", rows=rows, totals=totals, page=page,
                           statuses=PARTY_ORG_STATUSES, counties=county_choices(current_user),
                           status=status, filters=filters)


@bp.app_template_global()
def org_choices() -> dict:
    """Labels templates use for filters."""
    return {"types": ORG_TYPES, "categories": ORG_CATEGORIES, "statuses": ORG_STATUSES,
            "party": PARTY_ORG_STATUSES}
