"""How audit rows read to people: object types, actions and changes by their Chinese names.

Each model names itself once (its `__label__`, and `__value_labels__` for the columns that hold
a code, e.g. a status); field names read as the back office labels them, else as FIELD_LABELS
below. A row's changes (JSON) become lines "字段: 旧值 → 新值", never raw JSON.
"""

import json
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import DateTime

from registry.accounts import ROLE_LABELS
from registry.clock import to_local
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l

# Every action an audit row can carry: the ORM's writes and each explicit audit.record(...).
# tests/test_audit_labels.py fails when code records an action that is not named here.
ACTION_LABELS = {
    "create": _l("新建"),
    "update": _l("修改"),
    "delete": _l("删除"),
    "transition": _l("流程办理"),
    "view_unmasked": _l("查看未脱敏信息"),
    "view_id_number": _l("查看完整身份证号码"),
    "login": _l("登录"),
    "login_failed": _l("登录失败"),
    "logout": _l("退出登录"),
    "lock": _l("锁定账号"),
    "password_change": _l("修改密码"),
    "password_change_failed": _l("修改密码失败"),
    "password_reset": _l("重置密码"),
    "reset_password": _l("重置为临时密码"),
    "open_account": _l("开通账号"),
    "grant_role": _l("授予角色"),
    "create_login": _l("开通登录账号"),
    "appoint_admin": _l("任命站点管理员"),
    "signup": _l("自助注册"),
    "register": _l("志愿者注册"),
    "star_level": _l("星级变化"),
    "correct": _l("更正服务记录"),
    "export": _l("导出"),
    "import": _l("导入"),
    "verify_chain": _l("核对审计链"),
    "seed": _l("生成演示数据"),
    "seed_bulk": _l("批量生成演示数据"),
    "seed_ledger": _l("批量生成积分流水"),
    "expire_points": _l("积分过期"),
    "seed_store_bench": _l("生成积分超市压测数据"),
    "view_contact": _l("查看联系方式"),  # a reporter's or a poster's: the comment says whose
    "download": _l("下载"),
    "copy": _l("复制目录版本"),
}
# Field names many models share; a view's own column label wins over these.
FIELD_LABELS = {
    "id": _l("编号"), "name": _l("名称"), "title": _l("标题"), "status": _l("状态"),
    "created_at": _l("创建时间"), "updated_at": _l("更新时间"), "region_code": _l("所属区划"),
    "township_code": _l("乡镇（街道）"), "county_code": _l("县级区划"), "phone": _l("手机号"),
    "contact_phone": _l("联系电话"), "contact_name": _l("联系人"), "comment": _l("说明"),
    "reason": _l("原因"), "note": _l("备注"), "user_id": _l("用户"),
    "volunteer_id": _l("志愿者"), "organization_id": _l("社会组织"), "activity_id": _l("活动"),
    "station_id": _l("志愿服务站"), "minutes": _l("服务时长（分钟）"), "points": _l("积分"),
    "rows": _l("行数"), "q": _l("查询"), "role": _l("角色"), "username": _l("用户名"),
    "display_name": _l("姓名"), "active": _l("启用"), "password_hash": _l("密码"),
    "must_change_password": _l("须改密码"), "failed_logins": _l("密码错误次数"),
    "failed_window_start": _l("计数开始时间"), "locked_until": _l("锁定至"),
    "session_version": _l("会话版本"), "password_changed_at": _l("密码修改时间"),
    "star_level": _l("星级"), "volunteer_nos": _l("志愿者编号"), "level": _l("级别"),
    "kind": _l("类型"), "grade": _l("等级"), "year": _l("年度"), "code": _l("代码"),
    "city_code": _l("市级区划"), "parent_code": _l("上级区划"), "source": _l("来源"),
    "id_number_encrypted": _l("身份证号码（加密）"), "id_number_hash": _l("身份证号码（查找用）"),
    "expires_at": _l("过期时间"), "revoked_at": _l("作废时间"), "token_hash": _l("令牌"),
    # the columns of the areas' audited models (tests/test_audit_log_page.py checks each has one)
    "listed_by_id": _l("列入人"), "removal_note": _l("移出说明"), "removed_by_id": _l("移出人"),
    "created_by": _l("创建人"), "created_by_id": _l("创建人"), "income_fen": _l("收入（分）"),
    "expenditure_fen": _l("支出（分）"), "net_assets_fen": _l("净资产（分）"),
    "staff_count": _l("工作人员数"), "activities": _l("活动"), "submitted_by_id": _l("提交人"),
    "submitted_by": _l("提交人"), "submitted_at": _l("提交时间"), "result_comment": _l("结论说明"),
    "reviewed_by_id": _l("审核人"), "reviewed_at": _l("审核时间"), "description": _l("描述"),
    "work_from": _l("工作开始日期"), "work_to": _l("工作结束日期"), "scored_by": _l("评分人"),
    "scored_at": _l("评分时间"), "approved_by": _l("批准人"), "approved_at": _l("批准时间"),
    "publicized_at": _l("公示开始时间"), "publicized_until": _l("公示截止时间"),
    "paid_fen": _l("已付金额（分）"), "paid_by": _l("付款登记人"), "round_id": _l("评选批次"),
    "position": _l("排序"), "weight": _l("权重"), "application_id": _l("申请"),
    "original_name": _l("原文件名"), "stored_name": _l("存储文件名"),
    "content_type": _l("文件类型"), "size": _l("文件大小（字节）"),
    "sha256": _l("文件校验值（SHA-256）"), "uploaded_by": _l("上传人"),
    "uploaded_by_id": _l("上传人"), "criterion_id": _l("评分项"), "score": _l("得分"),
    "min_score": _l("最低分"), "max_score": _l("最高分"), "amount_fen": _l("金额（分）"),
    "details": _l("详情"), "provider_user_id": _l("提供单位账号"), "confirmed_by": _l("确认人"),
    "rule_id": _l("善行条目"), "photo_name": _l("照片文件名"), "photo_type": _l("照片类型"),
    "recorded_by": _l("登记人"), "credited_at": _l("记分时间"), "deed_id": _l("善行记录"),
    "copied_from_id": _l("复制自版本"), "published_by": _l("发布人"), "parent_id": _l("上级条目"),
    "paid_at": _l("付款时间"), "head_volunteer_id": _l("户主"), "ref": _l("来源"),
    "plan": _l("培育计划"), "applied_at": _l("申请时间"), "score_comment": _l("评分说明"),
    "agreement_no": _l("协议编号"), "mid_comment": _l("中期评估说明"),
    "outcome_comment": _l("结果说明"), "incubation_id": _l("孵化项目"),
    "due_on": _l("计划完成日期"), "done_on": _l("完成日期"), "removed_at": _l("删除时间"),
    "rated_by_id": _l("评定人"), "category": _l("类别"), "authority_code": _l("登记管理机关代码"),
    "supervisory_unit": _l("业务主管单位"), "business_scope": _l("业务范围"),
    "registered_capital_fen": _l("注册资金（分）"), "address": _l("地址"),
    "founded_on": _l("成立日期"), "grade_valid_until": _l("等级有效期至"),
    "hub_id": _l("枢纽组织"), "is_volunteer_org": _l("志愿服务组织"),
    "party_member_count": _l("党员人数"), "party_instructor": _l("党建指导员"),
    "deregistered_at": _l("注销时间"), "project_id": _l("项目"), "scores": _l("各项得分"),
    "total_tenths": _l("总分（0.1 分）"), "evaluated_on": _l("评价日期"),
    "evaluated_by_id": _l("评价人"), "paid_on": _l("付款日期"), "voucher_no": _l("凭证号"),
    "paid_after_fen": _l("累计已付（分）"), "edition_id": _l("目录版本"),
    "item_id": _l("目录条目"), "item_name": _l("目录条目名称"),
    "category_code": _l("目录类别代码"), "category_name": _l("目录类别"),
    "purchaser": _l("购买主体"), "provider_id": _l("承接主体"),
    "procurement_method": _l("采购方式"), "contract_no": _l("合同编号"),
    "starts_on": _l("开始日期"), "ends_on": _l("结束日期"), "term_reason": _l("多年期理由"),
    "deliverables": _l("服务内容"), "evaluation_tenths": _l("绩效得分（0.1 分）"),
    "household_id": _l("家庭户"), "store_id": _l("积分超市"), "unit_price": _l("单价（积分）"),
    "balance_after": _l("变动后余额"), "fulfilled_at": _l("兑付时间"),
    "fulfilled_by": _l("兑付人"), "cancelled_at": _l("取消时间"), "cancelled_by": _l("取消人"),
    "cancel_reason": _l("取消原因"), "tracking_code": _l("查询码"),
    "reported_organization_id": _l("被举报组织"), "contact_encrypted": _l("联系方式（加密）"),
    "contact_masked": _l("联系方式（脱敏）"), "reporter_user_id": _l("举报人账号"),
    "reward_note": _l("奖励说明"), "claimant_user_id": _l("领奖人账号"),
    "decided_by": _l("办理人"), "issued_at": _l("出具时间"), "started_at": _l("开始时间"),
    "default_minutes": _l("默认时长（分钟）"), "delta_minutes": _l("调整时长（分钟）"),
    "requested_at": _l("申请时间"), "decided_at": _l("决定时间"), "queued_at": _l("候补时间"),
    "volunteers": _l("志愿者人数"), "service_minutes": _l("服务时长（分钟）"),
    "points_issued": _l("发放积分"), "points_redeemed": _l("兑换积分"),
    "review_reason": _l("审核意见"), "emergency_contact_name": _l("紧急联系人"),
    "emergency_contact_phone": _l("紧急联系电话"),
}
EMPTY = _l("（空）")
MAX_LINES = 12  # lines of changes shown per row on the page (the export has them all)
MAX_VALUE = 80  # characters of one value shown


def audited_models() -> dict[str, type]:
    """Every model whose writes are audited, by class name (the rows' object_type)."""
    return {mapper.class_.__name__: mapper.class_ for mapper in db.Model.registry.mappers
            if not getattr(mapper.class_, "__audit_skip__", False)}


def model_named(object_type: str) -> type | None:
    """The model an audit row's object_type names (audited or not: explicit rows name any)."""
    if object_type not in _MODELS_BY_NAME:  # a model imported since, or no model: look again
        _MODELS_BY_NAME.update((mapper.class_.__name__, mapper.class_)
                               for mapper in db.Model.registry.mappers)
        _MODELS_BY_NAME.setdefault(object_type, None)
    return _MODELS_BY_NAME[object_type]


_MODELS_BY_NAME: dict[str, type | None] = {}


def type_label(object_type: str) -> str:
    model = model_named(object_type)
    label = getattr(model, "__label__", None)
    return str(label) if label else object_type


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label else action


def type_choices() -> list[tuple[str, str]]:
    """(object type, label) for the filter, by label."""
    return _per_locale("type_choices", lambda: sorted(
        ((name, type_label(name))
         for name in [*audited_models(), "AuditEntry"]),  # the log's own export and check
        key=lambda pair: pair[1]))


def action_choices() -> list[tuple[str, str]]:
    return _per_locale("action_choices", lambda: [
        (action, str(label)) for action, label in ACTION_LABELS.items()])


def _per_locale(name: str, build):
    """A list of labels built once per app and language (every audit page shows the same)."""
    cache = current_app.extensions.setdefault("audit_label_lists", {})
    key = (name, str(get_locale()))
    if key not in cache:
        cache[key] = build()
    return cache[key]


def _view_labels(model: type | None) -> dict:
    """The back office's column labels of the model (the names people see on its list)."""
    if model is None:
        return {}
    cache = current_app.extensions.setdefault("audit_view_labels", {})
    if model not in cache:
        labels: dict = {}
        for admin in current_app.extensions.get("admin", []):
            for view in getattr(admin, "_views", []):
                if getattr(view, "model", None) is model and view.column_labels:
                    labels = {**view.column_labels, **labels}
        cache[model] = labels  # lazy labels: each reads in the language of its request
    return cache[model]


def field_label(model: type | None, key: str, view_labels: dict | None = None) -> str:
    labels = _view_labels(model) if view_labels is None else view_labels
    label = (getattr(model, "__field_labels__", {}).get(key) or labels.get(key)
             or FIELD_LABELS.get(key))
    if label is None and key.endswith("_id"):
        label = labels.get(key[:-3]) or FIELD_LABELS.get(key[:-3])
    return str(label) if label else key


def _column_type(model: type | None, key: str):
    column = getattr(model, "__table__", None) is not None and model.__table__.columns.get(key)
    return column.type if column is not None and column is not False else None


def value_text(model: type | None, key: str, value: Any) -> str:
    """One stored value as people read it: codes by their label, times in Beijing time."""
    if value is None or value == "":
        return str(EMPTY)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, list):
        return "、".join(value_text(model, key, item) for item in value)
    if isinstance(value, dict):
        return "；".join(f"{field_label(model, k)}: {value_text(model, k, v)}"
                        for k, v in value.items())
    labels = getattr(model, "__value_labels__", {}).get(key)
    if key == "role" or key == "actor_role":
        labels = ROLE_LABELS
    if labels and isinstance(value, str) and value in labels:
        return _(str(labels[value]))
    text = str(value)
    if isinstance(_column_type(model, key), DateTime):
        try:
            text = f"{to_local(datetime.fromisoformat(text)):%Y-%m-%d %H:%M:%S}"
        except (ValueError, TypeError):
            pass
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE] + "…"


def change_lines(object_type: str, action: str, changes: str) -> list[str]:
    """An audit row's changes as lines "字段: 旧值 → 新值" (an update, a workflow move) or
    "字段: 值" (what was created, an export's filters)."""
    try:
        data = json.loads(changes or "{}")
    except ValueError:
        return [changes]
    if not isinstance(data, dict):
        return [value_text(None, "", data)]
    model = model_named(object_type)
    labels = _view_labels(model)
    pairs = action not in ("create", "delete", "export", "import")
    lines = []
    for key, value in data.items():
        label = field_label(model, key, labels)
        if pairs and isinstance(value, list) and len(value) == 2:
            old, new = (value_text(model, key, item) for item in value)
            lines.append(f"{label}: {old} → {new}")
        else:
            lines.append(f"{label}: {value_text(model, key, value)}")
    return lines


def shown_lines(entry) -> tuple[list[str], int]:
    """The first MAX_LINES lines of a row's changes, and how many more there are."""
    lines = change_lines(entry.object_type, entry.action, entry.changes)
    return lines[:MAX_LINES], max(0, len(lines) - MAX_LINES)


def shown_rows(entries) -> list[dict]:
    """Each row as the log page shows it (its table and its phone list read the same)."""
    rows = []
    for entry in entries:
        lines, more = shown_lines(entry)
        rows.append({"entry": entry, "lines": lines, "more": more,
                     "action": action_label(entry.action),
                     "type": type_label(entry.object_type),
                     "role": str(ROLE_LABELS.get(entry.actor_role, entry.actor_role or ""))})
    return rows
