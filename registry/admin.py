"""The back office (/admin/, Flask-Admin): staff only, every view scoped to the jurisdiction.

At city size (1M volunteers, 3M audit rows, 20M ledger entries) every list stays cheap: its
count stops at pagination.COUNT_CAP ("more than 1,000" above it), search matches the start of
a column (an index range, never `ILIKE '%q%'` over every row) and filters compare whole
values or ranges (no "contains" filter).
"""

from datetime import datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import Admin, AdminIndexView, babel, expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.filters import FilterLike, FilterNotLike
from flask_admin.form import BaseForm
from flask_admin.model import typefmt
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user
from sqlalchemy import or_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query, load_only
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import ValidationError

from registry import accounts, admin_menu, admin_rows, audit_labels, exports, regions
from registry.accounts import ROLE_LABELS
from registry.clock import to_local, utcnow
from registry.errors import RegistryError
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.masking import mask_phone
from registry.models import (
    AUDITOR,
    CITY_OFFICIAL,
    SECURITY_ADMIN,
    STAFF_ROLES,
    SYSTEM_ADMIN,
    AuditEntry,
    Region,
    User,
)
from registry.pagination import capped_count
from registry.request_hooks import csp_nonce, without_stray_files
from registry.scoping import get_visible, region_visible, scope_condition
from registry.validators import within_bounds

MAX_ADMIN_PAGE = 10_000


def beijing_time(view, value: datetime, name: str) -> str:
    """Every DateTime column of every view, in lists, details and exports: Beijing time to the
    second, as the rest of the app shows it (the database keeps naive UTC)."""
    return f"{to_local(value):%Y-%m-%d %H:%M:%S}"


TIME_FORMATTERS = {**typefmt.BASE_FORMATTERS, datetime: beijing_time}
TIME_FORMATTERS_DETAIL = {**typefmt.DETAIL_FORMATTERS, datetime: beijing_time}
TIME_FORMATTERS_EXPORT = {**typefmt.EXPORT_FORMATTERS, datetime: beijing_time}


class StaffOnly:
    """Access rule shared by every back-office page: staff in allowed_roles, others refused."""

    allowed_roles: tuple[str, ...] = STAFF_ROLES

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and current_user.role in self.allowed_roles

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)


class HomeView(StaffOnly, AdminIndexView):
    @expose("/")
    def index(self):
        return self.render("admin/home.html")


class CappedCountQuery(Query):
    """Flask-Admin's count query (it adds the search and filters, then calls scalar()),
    counted by pagination.capped_count: the number of rows up to COUNT_CAP, else None, which
    makes Flask-Admin show its previous/next pager instead of page numbers."""

    remember_as: tuple | None = None  # set by ScopedModelView.get_count_query

    def scalar(self):
        return capped_count(self.statement, remember_as=self.remember_as)


class AdminForm(BaseForm):
    """Every back-office form: its data goes through request_hooks.without_stray_files, the
    rule the page forms follow (a file part only under a file field's name)."""

    class Meta:
        def wrap_formdata(self, form, formdata):
            return without_stray_files(form, super().wrap_formdata(form, formdata))


LIST_PAGING_ARGS = ("page", "page_size", "sort", "desc")  # they order a list, not narrow it
ROW_ID_SLOT = "0ROWID0"  # stands for a row's key in a list's link URLs (unchanged by quoting)


class ScopedModelView(StaffOnly, ModelView):
    """A model view that only ever lists, finds, edits or exports rows in the jurisdiction."""

    list_template = "admin/list.html"
    form_base_class = AdminForm
    can_delete = False
    can_export = True
    export_types = ["csv", "xlsx"]
    action_disallowed_list = ["delete"]
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100)
    column_type_formatters = TIME_FORMATTERS
    column_type_formatters_detail = TIME_FORMATTERS_DETAIL
    column_type_formatters_export = TIME_FORMATTERS_EXPORT

    def __init__(self, model, name=None, **kwargs):
        # Prefixed endpoints keep back-office names apart from the site's blueprints.
        slug = model.__name__.lower()
        kwargs.setdefault("endpoint", f"admin_{slug}")
        kwargs.setdefault("url", f"/admin/{slug}")
        if self.column_choices is None and getattr(model, "__value_labels__", None):
            # Codes (a status, a level) by the labels the model declares: lists, details and
            # the filters' select boxes.
            self.column_choices = {key: list(labels.items())
                                   for key, labels in model.__value_labels__.items()}
        super().__init__(model, db, name=name, **kwargs)

    # The columns a large table's list and export read (their formatters included); the
    # others stay in the database, and reading one of them from a listed row is an error.
    list_loads: tuple[str, ...] = ()

    def get_query(self):
        query = super().get_query().filter(scope_condition(current_user, self.model))
        if self.list_loads:
            query = query.options(load_only(*(getattr(self.model, name)
                                              for name in self.list_loads), raiseload=True))
        return query

    @expose("/export/<export_type>/")
    def export(self, export_type: str):
        """The list as filtered on screen, through registry/exports.py: scoped (get_query),
        capped, read in batches, formula-safe, audited. Replaces Flask-Admin's export, which
        loads every row into memory and needs tablib for .xlsx."""
        if not self.can_export or export_type not in self.export_types:
            abort(404)
        args = self._get_list_extra_args()
        sort = self._get_column_by_idx(args.sort)
        _count, query = self.get_list(0, sort[0] if sort else None, args.sort_desc, args.search,
                                      args.filters, execute=False, page_size=exports.max_rows())
        columns = self._export_columns
        rows = ([self.get_export_value(row, name) for name, _ in columns]
                for row in query.yield_per(exports.BATCH))
        return exports.response(
            export_type, f"{self.name}-{utcnow():%Y%m%d}", [str(label) for _, label in columns],
            rows, what=self.model.__name__, comment=_("后台导出%(name)s",
                                                      name=self.name),
            region_code=current_user.region_code)

    def get_count_query(self):
        query = CappedCountQuery(self.model, db.session()).filter(
            scope_condition(current_user, self.model))
        # The list as this person sees it: same account, jurisdiction, filters and search.
        query.remember_as = (self.endpoint, current_user.id, current_user.role,
                             current_user.region_code, current_user.organization_id,
                             tuple(sorted((key, value) for key, value in request.args.items(
                                 multi=True) if key not in LIST_PAGING_ARGS)))
        return query

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Each word must start one of the searchable columns (LIKE 'word%': an index range on
        the columns' varchar_pattern_ops indexes), where Flask-Admin would scan every row with
        ILIKE '%word%'. A Chinese name starts with the surname, which is what people type."""
        for term in search.split():
            match = or_(*(column.startswith(term, autoescape=True)
                          for column, _path in self._search_fields))
            query = query.filter(match)
            if count_query is not None:
                count_query = count_query.filter(match)
        return query, count_query, joins, count_joins

    def _apply_pagination(self, query, page, page_size):
        """The page's keys first, then its rows (as pagination.paginate_query does): skipping
        and filtering rows reads an index alone, the table only for the rows shown."""
        paged = super()._apply_pagination(query, page, page_size)
        if paged is query:  # no limit (an unlimited export): nothing to narrow
            return query
        key = self.model.__mapper__.primary_key[0]
        keys = paged.with_entities(key).scalar_subquery()
        return query.filter(key.in_(keys))

    def render(self, template, **kwargs):
        if template == self.list_template:
            # Each row's view and edit links from one URL per page (list.html fills in the row's
            # key): Flask-Admin builds two URLs per row, a third of the list's time.
            return_url = kwargs.get("return_url")
            kwargs["row_link_urls"] = {
                admin_rows.VIEW_ROW: self.get_url(".details_view", id=ROW_ID_SLOT,
                                                  url=return_url),
                admin_rows.EDIT_ROW: self.get_url(".edit_view", id=ROW_ID_SLOT, url=return_url),
            }
            kwargs["row_id_slot"] = ROW_ID_SLOT
            kwargs["row_html"] = admin_rows.rows_html(
                self, kwargs["data"], list_columns=kwargs["list_columns"],
                row_actions=kwargs["list_row_actions"], link_urls=kwargs["row_link_urls"],
                row_id_slot=ROW_ID_SLOT,
                checkbox_title=babel.gettext("Select record") if kwargs.get("actions") else None)
            kwargs["header_html"] = admin_rows.header_html(
                self, list_columns=kwargs["list_columns"], sort_column=kwargs["sort_column"],
                sort_desc=kwargs["sort_desc"], sort_url=kwargs["sort_url"],
                select_all_title=babel.gettext("Select all records") if kwargs.get("actions")
                else None)
        return super().render(template, **kwargs)

    def _get_filter_groups(self):
        return admin_menu.filter_groups(self, super()._get_filter_groups)

    def search_placeholder(self) -> str | None:
        fields = super().search_placeholder()
        return _("%(fields)s（按开头查找）", fields=fields) if fields else None

    def scaffold_filters(self, name):
        # "contains" filters (ILIKE '%x%') read every row; whole values and ranges use an index.
        filters = super().scaffold_filters(name)
        return [f for f in filters or [] if not isinstance(f, (FilterLike, FilterNotLike))] or None

    def _get_list_filter_args(self):
        """Flask-Admin's filters (already checked by their own format), less any whose value is
        beyond its column (validators.within_bounds): the list shows without it and says why."""
        filters = super()._get_list_filter_args()
        kept = []
        for index, name, value in filters or []:
            if within_bounds(self._filters[index].clean(value)):
                kept.append((index, name, value))
            else:
                flash(_("筛选条件“%(name)s”的值超出范围（%(value3)s），已忽"
                        "略",
                        name=name,
                        value3=value[:40]), "error")
        return kept if filters is not None else None

    def get_one(self, id):
        row = get_visible(current_user, self.model, id)
        if row is None:
            abort(404)  # a foreign id looks exactly like a missing one
        return row

    def _get_list_extra_args(self):
        args = super()._get_list_extra_args()
        if not 0 <= (args.page or 0) <= MAX_ADMIN_PAGE:
            abort(404)
        return args

    def handle_view_exception(self, exc: Exception) -> bool:
        if isinstance(exc, RegistryError):
            flash(exc.message, "error")
            return True
        if isinstance(exc, IntegrityError):
            # Never show SQL to people; the specific checks in check_model come first.
            flash(_("保存失败：与已有记录重复或缺少必填内容"), "error")
            return True
        return super().handle_view_exception(exc)

    def on_model_change(self, form, model, is_created):
        # Checks query the database; the half-filled row must not be flushed before them.
        with db.session.no_autoflush:
            column = getattr(type(model), "jurisdiction_column", None)
            if current_user.role != SYSTEM_ADMIN and column is not None:
                code = getattr(model, column().key, None)
                if not region_visible(current_user, code):
                    raise ValidationError(_("所属区划超出您的管辖范围"))
            self.check_model(form, model, is_created)

    def check_model(self, form, model, is_created) -> None:
        """Domain checks for a view; raise RegistryError or ValidationError to refuse."""


def region_choices() -> list[tuple[str, str]]:
    rows = db.session.query(Region.code, Region.name, Region.level).order_by(Region.code)
    indent = {"city": "", "county": "　", "township": "　　"}
    return [(code, f"{indent.get(level, '')}{name}（{code}）") for code, name, level in rows]


class WriteOnlyPhoneField(StringField):
    """A phone in a back-office form: the current number only as a masked placeholder (the
    system administrator never sees it in full, PIPL); a number typed replaces it, an empty
    box keeps it."""

    def _value(self) -> str:
        return ""

    def __call__(self, **kwargs):
        if self.object_data:
            kwargs.setdefault("placeholder", _("%(value0)s（留空则不修改）",
                                               value0=mask_phone(self.object_data)))
        return super().__call__(**kwargs)

    def populate_obj(self, obj, name) -> None:
        if (self.data or "").strip():
            setattr(obj, name, self.data)


USER_LABELS = {
    "username": _l("用户名"), "display_name": _l("姓名"), "role": _l("角色"),
                   "region": _l("所属区划"),
    "region_code": _l("区划代码"), "phone": _l("手机号"), "active": _l("启用"),
    "must_change_password": _l("须改密码"), "locked_until": _l("锁定至"),
                               "created_at": _l("创建时间"),
    "reset_password": _l("重置为临时密码"), "unlock": _l("解除锁定"),
}
USER_FORMATTERS = {
    "role": lambda v, c, m, n: _(ROLE_LABELS[m.role]) if m.role in ROLE_LABELS else m.role,
    "phone": lambda v, c, m, n: mask_phone(m.phone),
}


class AccountViewBase(ScopedModelView):
    """The users list; saving goes through registry/accounts.py, which holds the rules."""

    column_list = ("username", "display_name", "role", "region", "phone", "active",
                   "must_change_password", "locked_until", "created_at")
    column_searchable_list = ("username", "display_name")
    column_filters = ("role", "active", "region_code")
    column_labels = USER_LABELS
    column_formatters = USER_FORMATTERS

    def save(self, form, model, is_created):
        """Apply the form through accounts; returns the temporary password to show, if any."""
        raise NotImplementedError

    def create_model(self, form):
        return self._save(form, None, True)

    def update_model(self, form, model):
        return self._save(form, model, False)

    def _save(self, form, model, is_created):
        try:
            with db.session.no_autoflush:
                model, password = self.save(form, model, is_created)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            flash(error.message, "error")
            return False
        except IntegrityError:
            db.session.rollback()
            flash(_("保存失败：与已有记录重复或缺少必填内容"), "error")
            return False
        if password:
            flash(_("用户 %(username)s 的临时密码：%(password)s（只显示"
                    "这一次，请当面交给本人）",
                    username=model.username,
                    password=password),
                  "warning")
        return model if is_created else True


class UserView(AccountViewBase):
    """The system administrator's accounts: open, rename, disable, unlock, temporary passwords.
    Roles and regions are not here (the security administrator grants them)."""

    allowed_roles = (SYSTEM_ADMIN,)
    column_export_list = ("username", "display_name", "role", "region_code", "active",
                          "created_at")
    form_columns = ("username", "display_name", "phone", "active", "reset_password", "unlock")
    form_overrides = {"phone": WriteOnlyPhoneField}
    form_extra_fields = {
        "reset_password": BooleanField(_l("重置为临时密码（下次登录须修改）")),
        "unlock": BooleanField(_l("解除登录锁定")),
    }

    def create_form(self, obj=None):
        form = super().create_form(obj)
        for name in ("active", "reset_password", "unlock"):  # an account opens enabled
            delattr(form, name)
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and not accounts.may_reset_password(current_user, obj):
            delattr(form, "reset_password")
        return form

    def save(self, form, model, is_created):
        if is_created:
            return accounts.open_account(current_user, form.username.data,
                                         form.display_name.data, form.phone.data)
        password = accounts.update_account(
            current_user, model, username=form.username.data,
            display_name=form.display_name.data, phone=form.phone.data or model.phone,
            active=form.active.data,
            reset_password=bool(getattr(form, "reset_password", None) and
                                form.reset_password.data), unlock=form.unlock.data)
        return model, password


class RoleView(AccountViewBase):
    """The security administrator's page: grant or change a staff account's role and region."""

    allowed_roles = (SECURITY_ADMIN,)
    can_create = False
    can_export = False
    column_list = ("username", "display_name", "role", "region", "active", "created_at")
    form_columns = ("role", "region_code", "reset_password")
    form_overrides = {"role": SelectField, "region_code": SelectField}
    form_args = {
        "role": {"choices": [(r, _l(ROLE_LABELS[r])) for r in accounts.GRANTABLE_ROLES],
                 "label": _l("角色")},
        "region_code": {"choices": [], "label": _l("所属区划")},
    }

    form_extra_fields = {"reset_password": BooleanField(_l("重置为临时密码（仅限三员账号）"))}

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.region_code.choices = region_choices()
        if obj is not None and not accounts.may_reset_password(current_user, obj):
            delattr(form, "reset_password")
        return form

    def save(self, form, model, is_created):
        accounts.grant_role(current_user, model, form.role.data, form.region_code.data)
        reset = getattr(form, "reset_password", None)
        password = accounts.reset_temporary_password(current_user, model) if (
            reset and reset.data) else None
        return model, password


class RegionView(ScopedModelView):
    allowed_roles = (SYSTEM_ADMIN,)
    can_create = False
    column_list = ("code", "name", "level", "parent", "county_code", "effective_year")
    column_searchable_list = ("code", "name")
    column_filters = ("level", "county_code")
    column_labels = {"code": _l("代码"), "name": _l("名称"), "level": _l("级别"),
                     "parent": _l("上级"),
                     "county_code": _l("所属县级代码"), "effective_year": _l("区划年份")}
    form_columns = ("name", "effective_year")

    def after_model_change(self, form, model, is_created) -> None:
        super().after_model_change(form, model, is_created)
        regions.forget()  # this worker shows the new name at once, the others within a minute


class AuditEntryView(ScopedModelView):
    allowed_roles = (AUDITOR, CITY_OFFICIAL)
    can_create = False
    can_edit = False
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("id", "created_at", "actor_name", "actor_role", "ip", "object_type",
                   "object_id", "action", "changes", "comment")
    column_filters = ("actor_name", "object_type", "action", "created_at")
    column_searchable_list = ("actor_name",)
    column_labels = {"id": _l("序号"), "created_at": _l("时间"), "actor_name": _l("操作人"),
                     "actor_role": _l("角色"), "ip": "IP", "object_type": _l("对象类型"),
                     "object_id": _l("对象编号"), "action": _l("操作"), "changes": _l("变更内容"),
                     "comment": _l("说明"), "region_code": _l("区划"),
                                   "prev_hash": _l("前一条哈希"),
                     "row_hash": _l("本条哈希")}

    column_formatters = {
        "object_type": lambda v, c, m, n: audit_labels.type_label(m.object_type),
        "action": lambda v, c, m, n: audit_labels.action_label(m.action),
        "actor_role": lambda v, c, m, n: audit_labels.value_text(None, "role", m.actor_role),
        "changes": lambda v, c, m, n: "；".join(
            audit_labels.change_lines(m.object_type, m.action, m.changes)),
    }
    column_formatters_export = column_formatters

    def on_model_change(self, form, model, is_created):
        raise ValidationError(_("审计日志只读，不能修改"))


def init_admin(app, area_views) -> None:
    """The back office: the kernel's views (users, regions, the audit log), then each area's."""
    admin = Admin(
        app,
        name=_l("南充社会治理·后台"),
        theme=Bootstrap4Theme(swatch="default", fluid=True),
        index_view=HomeView(name=_l("首页"), url="/admin"),
        csp_nonce_generator=csp_nonce,
    )
    app.jinja_env.globals["admin_menu_html"] = admin_menu.menu_html
    app.jinja_env.globals["admin_static_url"] = admin_menu.static_url
    admin.add_view(UserView(User, name=_l("用户"), category=_l("系统")))
    admin.add_view(RoleView(User, name=_l("角色授权"), category=_l("系统"),
                   endpoint="admin_user_roles",
                            url="/admin/user-roles"))
    admin.add_view(RegionView(Region, name=_l("行政区划"), category=_l("系统")))
    admin.add_view(AuditEntryView(AuditEntry, name=_l("审计日志"), category=_l("系统")))
    for view in area_views:
        admin.add_view(view)
