"""Pages of the guidance directory (政府购买服务指导性目录): the public browse and search of the
edition in force and past editions, the comparison of two editions, and the city officials'
editor (drafts, items, import, export, publish). Rules live in registry/purchasing/directory.py.
"""

import io
import tempfile

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from registry import exports, jobs
from registry.clock import today_local
from registry.errors import NotFound, RegistryError, render_error
from registry.extensions import db
from registry.forms import form_page, show_errors
from registry.forms.directory import ActionForm, EditionForm, ImportForm, ItemForm
from registry.i18n import gettext as _
from registry.purchasing import directory, directory_tree, directory_xlsx
from registry.purchasing.directory_diff import diff as compare
from registry.purchasing.providers import all_providers
from registry.views.access import roles

bp = Blueprint("directory", __name__, url_prefix="/directory")
XLSX = exports.XLSX
PAGE_SIZE = 100  # items a public page shows at once


def _year_arg() -> int | None:
    raw = (request.args.get("year") or "").strip()
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


def _query_arg() -> str:
    return (request.args.get("q") or "").strip()[:50]


def _edition_or_404(edition_id):
    try:
        return directory.get_edition(current_user, edition_id)
    except NotFound:
        return None


# --- public --------------------------------------------------------------------------------

@bp.route("/")
def index():
    """The edition in force (or ?year= a past one): its categories, and one category's items
    (?cat=, default the first) or the items matching ?q=, PAGE_SIZE at a time (?page=), so
    that a 2,000-item edition stays light on a phone."""
    year = _year_arg()
    shown = directory.public_editions(year)
    edition = shown.edition
    if year and edition is None:
        return render_error(404, _("%(year)s 年度没有已发布的目录", year=year))
    q = _query_arg()
    roots = directory_tree.tree(edition) if edition and not q else []
    selected = None
    if q and edition:
        nodes = list(directory_tree.flatten(directory_tree.tree(edition, q)))
    else:
        cat = request.args.get("cat", "")
        selected = next((r for r in roots if r.item.code == cat), roots[0] if roots else None)
        nodes = list(directory_tree.flatten(selected.children)) if selected else []
    raw_page = request.args.get("page", "")
    pages = max(1, -(-len(nodes) // PAGE_SIZE))
    page = min(int(raw_page), pages) if raw_page.isdigit() and 0 < len(raw_page) < 6 else 1
    page = max(page, 1)
    return render_template("directory/index.html", edition=edition, roots=roots, q=q,
                           selected=selected, page=page, pages=pages,
                           nodes=nodes[(page - 1) * PAGE_SIZE:page * PAGE_SIZE],
                           total=len(nodes), years=shown.years, current=shown.current,
                           providers_by_code=all_providers())


@bp.route("/diff")
def diff():
    """Two editions compared (published ones for anyone, drafts for the city)."""
    editions = list(db.session.scalars(directory.editions_stmt(current_user).limit(50)))
    by_id = {str(e.id): e for e in editions}
    new = by_id.get(request.args.get("new", "")) or next(
        (e for e in editions if e.status == "published"), None)
    older = [e for e in editions if new is not None and e.year < new.year]
    old = by_id.get(request.args.get("old", "")) or (older[0] if older else None)
    result = compare(old, new) if old is not None and new is not None and old is not new \
        else None
    return render_template("directory/diff.html", editions=editions, old=old, new=new,
                           result=result)


# --- the city's editor ---------------------------------------------------------------------

@bp.route("/editions")
@roles(*directory.READERS)
def editions():
    rows = list(db.session.scalars(directory.editions_stmt(current_user).limit(100)))
    return render_template("directory/editions.html", editions=rows,
                           current=directory.current_edition())


@bp.route("/editions/new", methods=["GET", "POST"])
@roles(*directory.EDITORS)
def new_edition():
    form = EditionForm()
    sources = list(db.session.scalars(directory.editions_stmt(current_user).limit(100)))
    form.source.choices = [("", _("空白版本"))] + [
        (str(e.id), _("复制 %(year)s 年度（%(status)s）", year=e.year,
                      status=_(e.status_label)))
        for e in sources]
    current = directory.current_edition()
    if request.method == "GET":
        form.source.data = str(current.id) if current else ""
        form.year.data = str(max((e.year for e in sources), default=today_local().year) + 1)

    def save(form):
        if form.source.data:
            source = directory.get_edition(current_user, form.source.data)
            return directory.copy_edition(current_user, source, form.year.data, form.title.data)
        return directory.create_edition(current_user, form.year.data, form.title.data)

    return form_page(form, save, lambda e: url_for("directory.edition", edition_id=e.id),
                     _("已创建草稿版本"), "directory/edition_form.html")


@bp.route("/editions/<int:edition_id>")
@roles(*directory.READERS)
def edition(edition_id: int):
    row = _edition_or_404(edition_id)
    if row is None:
        return render_error(404)
    q = _query_arg()
    nodes = list(directory_tree.flatten(directory_tree.tree(row, q)))
    return render_template("directory/edition.html", edition=row, nodes=nodes, q=q,
                           editable=directory.can_edit(current_user, row),
                           count=directory.item_count(row), action_form=ActionForm())


def _frozen_or_none(edition):
    """The answer to an edit of a published edition: 409 and why (the operations refuse it
    too; this only spares the user a form they cannot send)."""
    if edition.status != "draft":
        return render_error(409, _("已发布的目录版本不能修改；更正请在下一年度的版本中进行"))
    return None


def _item_form(edition, item=None):
    frozen = _frozen_or_none(edition)
    if frozen is not None:
        return frozen
    form = ItemForm(obj=item)
    if item is not None and request.method == "GET":
        form.level.data = str(item.level)
        parent = db.session.get(type(item), item.parent_id) if item.parent_id else None
        form.parent_code.data = parent.code if parent else ""

    def save(form):
        data = {name: getattr(form, name).data for name in directory.ITEM_FIELDS}
        return directory.save_item(current_user, edition, data, item)

    return form_page(form, save,
                     lambda row: url_for("directory.edition", edition_id=edition.id) +
                     f"#item-{row.id}", _("目录条目已保存"), "directory/item_form.html",
                     edition=edition, item=item)


@bp.route("/editions/<int:edition_id>/items/new", methods=["GET", "POST"])
@roles(*directory.EDITORS)
def new_item(edition_id: int):
    row = _edition_or_404(edition_id)
    return render_error(404) if row is None else _item_form(row)


@bp.route("/items/<int:item_id>/edit", methods=["GET", "POST"])
@roles(*directory.EDITORS)
def edit_item(item_id: int):
    try:
        item = directory.get_item(current_user, item_id)
    except NotFound:
        return render_error(404)
    return _item_form(directory.get_edition(current_user, item.edition_id), item)


def _button(edition, work, message: str):
    """A button's POST: run work(), commit, flash; a broken rule flashed, nothing saved."""
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("页面已过期，请刷新后重试"), "danger")
        return redirect(url_for("directory.edition", edition_id=edition.id))
    frozen = _frozen_or_none(edition)
    if frozen is not None:
        return frozen
    try:
        work()
        db.session.commit()
        flash(message, "success")
    except RegistryError as error:
        db.session.rollback()
        flash(error.message, "danger")
    return redirect(url_for("directory.edition", edition_id=edition.id))


@bp.route("/items/<int:item_id>/remove", methods=["POST"])
@roles(*directory.EDITORS)
def remove_item(item_id: int):
    try:
        item = directory.get_item(current_user, item_id)
    except NotFound:
        return render_error(404)
    edition = directory.get_edition(current_user, item.edition_id)
    return _button(edition, lambda: directory.remove_item(current_user, item),
                   _("已删除目录条目"))


@bp.route("/editions/<int:edition_id>/publish", methods=["POST"])
@roles(*directory.EDITORS)
def publish(edition_id: int):
    row = _edition_or_404(edition_id)
    if row is None:
        return render_error(404)
    return _button(row, lambda: directory.publish(current_user, row),
                   _("目录已发布，此后不能再修改"))


@bp.route("/editions/<int:edition_id>/import", methods=["GET", "POST"])
@roles(*directory.EDITORS)
def import_file(edition_id: int):
    row = _edition_or_404(edition_id)
    if row is None:
        return render_error(404)
    frozen = _frozen_or_none(row)
    if frozen is not None:
        return frozen
    form, problems = ImportForm(), None
    if form.validate_on_submit():
        stream = form.file.data.stream
        rows = directory_xlsx.row_estimate(stream)
        if jobs.over_threshold(rows):
            path = jobs.file_path(".xlsx")
            form.file.data.save(path)
            job = jobs.start(current_user, "directory_import", _("导入目录变更"),
                             {"path": path, "edition_id": row.id}, rows)
            return redirect(url_for("jobs.show", job_id=job.id))
        try:
            counts = directory_xlsx.import_changes(current_user, row, stream)
            db.session.commit()
        except directory_xlsx.ImportFailed as error:
            db.session.rollback()
            problems = error.problems
            form.file.errors = [error.message]
        except RegistryError as error:
            db.session.rollback()
            show_errors(form, error)
        else:
            flash(_("已导入：新增 %(a)s 条、修改 %(c)s 条、删除 %(d)s 条", a=counts["added"],
                    c=counts["changed"], d=counts["deleted"]), "success")
            return redirect(url_for("directory.edition", edition_id=row.id))
    status = 422 if form.errors else 200
    # The file's own words (sheet names, headers) are Chinese in every language.
    sheet_names = {"sheet": directory_xlsx.SHEET, "notes": directory_xlsx.NOTES_SHEET,
                   "code": directory_xlsx.HEADERS[0], "action": directory_xlsx.ACTION,
                   "delete": directory_xlsx.DELETE}
    return render_template("directory/import.html", form=form, edition=row, problems=problems,
                           max_rows=directory_xlsx.import_max_rows(),
                           sheet_names=sheet_names), status


@bp.route("/import-template.xlsx")
@roles(*directory.READERS)
def import_template():
    return send_file(io.BytesIO(directory_xlsx.template()), mimetype=XLSX, as_attachment=True,
                     download_name=_("政府购买服务指导性目录-导入模板.xlsx"))


@bp.route("/editions/<int:edition_id>/export.xlsx")
@roles(*directory.READERS)
def export(edition_id: int):
    """Any edition in the template's layout: at once when small, as a job when large."""
    row = _edition_or_404(edition_id)
    if row is None:
        return render_error(404)
    count = directory.item_count(row)
    if jobs.over_threshold(count):
        job = jobs.start(current_user, "directory_export", _("导出政府购买服务指导性目录"),
                         {"edition_id": row.id}, count)
        return redirect(url_for("jobs.show", job_id=job.id))
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    directory_xlsx.export_xlsx(current_user, row, spool)
    db.session.commit()
    spool.seek(0)
    return send_file(spool, mimetype=XLSX, as_attachment=True,
                     download_name=f"{directory_xlsx.export_name(row)}.xlsx")
