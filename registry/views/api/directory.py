"""The guidance directory in the API (additions to API.md): the public tree
`GET /api/v1/public/directory` (?year=, ?q=) and its comparison of two years, and the city
officials' editions, items, publish, import and diff under /api/v1/directory. Rules in
registry/purchasing/directory.py (city officials edit; county officials read; a published
edition is frozen: 409)."""

import base64
import binascii
import io
import json

import marshmallow as ma
from flask import Response, request
from marshmallow.validate import Length, Range

from registry.clock import isoformat
from registry.errors import NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.pagination import paginate_query
from registry.purchasing import directory, directory_tree, directory_xlsx
from registry.purchasing.directory_diff import diff as compare
from registry.purchasing.models import DirectoryEdition, DirectoryItem
from registry.purchasing.providers import all_providers, provider_counts_json
from registry.views.api import auth_required, blp, current_api_user, page_body
from registry.views.api.schemas import ErrorSchema, JsonBody, PageArgs, PageSchema, QueryArgs

TEXT = ma.fields.String
FROZEN = _l("已发布的版本已冻结，不能修改（409）；或条目还有下级、状态不允许该操作")
_tree_json: dict[tuple, str] = {}  # (frozen edition key, q) -> its items as JSON text
YEAR = Range(directory.EARLIEST_YEAR, directory.LATEST_YEAR,
             error=_l(
                 "年度应在 %(EARLIEST_YEAR)s 到 %(LATEST_YEAR)s 之间",
                     EARLIEST_YEAR=directory.EARLIEST_YEAR, LATEST_YEAR=directory.LATEST_YEAR))


def _int(**kwargs):
    return ma.fields.Integer(strict=True, **kwargs)


# --- schemas -------------------------------------------------------------------------------

class DirectoryEditionOut(ma.Schema):
    id, year, title, status, code_note = _int(), _int(), TEXT(), TEXT(), TEXT()
    published_at = TEXT(allow_none=True)
    copied_from_id = _int(allow_none=True)


class DirectoryNode(ma.Schema):
    code, level, name = TEXT(), _int(), TEXT()
    parent_code = TEXT(allow_none=True)
    description, purchasing_department, requirements = TEXT(), TEXT(), TEXT()
    children = ma.fields.List(ma.fields.Nested(lambda: DirectoryNode()))


class ProviderOut(ma.Schema):
    id, name = _int(), TEXT()
    evaluation_grade = TEXT(allow_none=True, metadata={"description": "excellent/good/fair/poor"})
    grade = TEXT(metadata={"description": _l("绩效评价等级（优、良、中、差）")})


class PublicDirectoryOut(ma.Schema):
    edition = ma.fields.Nested(DirectoryEditionOut)
    in_force = ma.fields.Boolean(metadata={"description": _l("是否为现行版本")})
    years = ma.fields.List(_int(), metadata={"description": _l("已发布的各年度")})
    items = ma.fields.List(ma.fields.Nested(DirectoryNode))
    provider_counts = ma.fields.Dict(keys=TEXT(), values=_int(), metadata={"description": _l(
        "按条目编码：承接过该服务（已验收）的已登记组织数；名单见 /public/directory/providers")})


class ProvidersArgs(QueryArgs):
    code = TEXT(required=True, validate=Length(min=1, max=20))


class ProvidersOut(ma.Schema):
    code = TEXT()
    providers = ma.fields.List(ma.fields.Nested(ProviderOut), metadata={"description": _l(
        "承接过该服务（已验收）的已登记组织及其最近一次绩效评价等级，评价好的在前")})


class PublicDirectoryArgs(QueryArgs):
    year = ma.fields.Integer(load_default=None, validate=YEAR)
    q = TEXT(load_default="", validate=Length(max=50))


class DirectoryItemOut(ma.Schema):
    id, edition_id, code, level, position, name = _int(), _int(), TEXT(), _int(), _int(), TEXT()
    parent_code = TEXT(allow_none=True)
    description, purchasing_department, requirements = TEXT(), TEXT(), TEXT()


class DirectoryEditionDetail(DirectoryEditionOut):
    items = ma.fields.List(ma.fields.Nested(DirectoryItemOut))


class DirectoryEditionPage(PageSchema):
    items = ma.fields.List(ma.fields.Nested(DirectoryEditionOut))


class EditionArgs(QueryArgs):
    q = TEXT(load_default="", validate=Length(max=50))


class EditionBody(JsonBody):
    year = _int(load_default=None, allow_none=True, validate=YEAR)
    title = TEXT(load_default="")
    copy_from_id = _int(load_default=None, allow_none=True, metadata={
        "description": _l("复制哪个版本（默认现行版本）")})
    blank = ma.fields.Boolean(load_default=False, metadata={"description": _l("新建空白版本")})


class ItemBody(JsonBody):
    code = TEXT(required=True)
    level = _int(required=True)
    parent_code = TEXT(load_default="", allow_none=True)
    name = TEXT(required=True)
    description = TEXT(load_default="")
    purchasing_department = TEXT(load_default="")
    requirements = TEXT(load_default="")


class ItemPatchBody(JsonBody):
    code, level, parent_code, name = TEXT(), _int(), TEXT(allow_none=True), TEXT()
    description, purchasing_department, requirements = TEXT(), TEXT(), TEXT()


class ImportBody(JsonBody):
    content_base64 = TEXT(required=True, metadata={
        "description": _l("按导入模板填写的 .xlsx 文件内容（base64）")})


class ImportOut(ma.Schema):
    added, changed, deleted, unchanged = _int(), _int(), _int(), _int()


class DiffArgs(QueryArgs):
    old = ma.fields.Integer(required=True, metadata={"description": _l("原版本 id")})
    new = ma.fields.Integer(required=True, metadata={"description": _l("新版本 id")})


class PublicDiffArgs(QueryArgs):
    old_year = ma.fields.Integer(required=True, validate=YEAR)
    new_year = ma.fields.Integer(required=True, validate=YEAR)


class DiffEdition(ma.Schema):
    id, year, status = _int(), _int(), TEXT()


class DiffRow(ma.Schema):
    code, level, name = TEXT(), _int(), TEXT()
    parent_code = TEXT(allow_none=True)
    description, purchasing_department, requirements = TEXT(), TEXT(), TEXT()


class DiffField(ma.Schema):
    field, label = TEXT(), TEXT()
    old = ma.fields.Raw(allow_none=True)
    new = ma.fields.Raw(allow_none=True)


class DiffChange(ma.Schema):
    code, name = TEXT(), TEXT()
    fields = ma.fields.List(ma.fields.Nested(DiffField))


class DirectoryDiffOut(ma.Schema):
    old, new = ma.fields.Nested(DiffEdition), ma.fields.Nested(DiffEdition)
    added = ma.fields.List(ma.fields.Nested(DiffRow))
    removed = ma.fields.List(ma.fields.Nested(DiffRow))
    changed = ma.fields.List(ma.fields.Nested(DiffChange))
    unchanged = _int()


# --- dumps ---------------------------------------------------------------------------------

def dump_edition(row: DirectoryEdition) -> dict:
    return {"id": row.id, "year": row.year, "title": row.title, "status": row.status,
            "code_note": row.code_note, "published_at": isoformat(row.published_at),
            "copied_from_id": row.copied_from_id}


def dump_item(item, parent_code: str | None, edition_id: int) -> dict:
    """An item (a DirectoryItem or a directory_tree.Row) with its parent's code."""
    return {"id": item.id, "edition_id": edition_id, "code": item.code,
            "level": item.level, "position": item.position, "name": item.name,
            "parent_code": parent_code or None, "description": item.description,
            "purchasing_department": item.purchasing_department,
            "requirements": item.requirements}


def _parent_code(item: DirectoryItem) -> str:
    parent = db.session.get(DirectoryItem, item.parent_id) if item.parent_id else None
    return parent.code if parent else ""


# --- public --------------------------------------------------------------------------------

@blp.route("/public/directory", methods=["GET"])
@blp.arguments(PublicDirectoryArgs, location="query")
@blp.response(200, PublicDirectoryOut)
def public_directory(args):
    """The guidance directory in force as a tree of items (?year= a past published edition;
    ?q= only matching items, with their ancestors). Codes are the edition's own (see
    code_note: the demo's are positional, not official)."""
    year = args["year"]
    shown = directory.public_editions(year)
    edition = shown.edition
    if edition is None:
        raise NotFound(_(
            "%(year)s 年度没有已发布的目录", year=year) if year else _("目前还没有已发布的目录"))
    head = {"edition": dump_edition(edition),
            "in_force": shown.current is not None and shown.current.id == edition.id,
            "years": shown.years}
    # A published edition never changes: its items' JSON is made once per process and kept
    # (the tree of 2,000 items costs ~0.3 s to build and dump; the kept text nothing).
    key = (directory_tree.frozen_key(edition), args["q"])
    items = _tree_json.get(key)
    if items is None:
        items = directory_tree.remember(_tree_json, key, json.dumps(
            [directory_tree.node_dict(n) for n in directory_tree.tree(edition, args["q"])],
            ensure_ascii=False, separators=(",", ":")))
    # Who delivered each item changes with the projects: kept a minute at most.
    body = json.dumps(head, ensure_ascii=False, separators=(",", ":"))[:-1] + \
        ',"provider_counts":' + provider_counts_json() + ',"items":' + items + "}"
    return Response(body, mimetype="application/json")


@blp.route("/public/directory/providers", methods=["GET"])
@blp.arguments(ProvidersArgs, location="query")
@blp.response(200, ProvidersOut)
def public_directory_providers(args):
    """Who delivered the item of this code (any edition): approved organizations whose
    project for it passed 验收, each with its latest 绩效评价 grade, best first."""
    return {"code": args["code"], "providers": all_providers().get(args["code"], [])}


@blp.route("/public/directory/diff", methods=["GET"])
@blp.arguments(PublicDiffArgs, location="query")
@blp.response(200, DirectoryDiffOut)
def public_directory_diff(args):
    """Two published editions compared by year: items added, removed, changed field by field
    (matched by code)."""
    old = directory.published_edition(args["old_year"])
    new = directory.published_edition(args["new_year"])
    if old is None or new is None:
        raise NotFound(_("所选年度没有已发布的目录"))
    return compare(old, new).as_dict()


# --- officials -----------------------------------------------------------------------------

@blp.route("/directory/editions", methods=["GET"])
@auth_required(*directory.READERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, DirectoryEditionPage)
def directory_editions(args):
    """Editions: published ones, and drafts for the city (drafts are the city's business)."""
    stmt = (db.select(DirectoryEdition)
            .where(directory.edition_condition(current_api_user()))
            .order_by(DirectoryEdition.id.desc()))
    return page_body(paginate_query(stmt, DirectoryEdition.id, request.args), dump_edition)


@blp.route("/directory/editions", methods=["POST"])
@auth_required(*directory.EDITORS)
@blp.arguments(EditionBody)
@blp.response(201, DirectoryEditionOut)
def create_directory_edition(body):
    """Next year's draft: a copy of copy_from_id (default: the edition in force), or a blank
    one with blank=true. year defaults to the source's next year."""
    user = current_api_user()
    if body["blank"]:
        if body["year"] is None:
            raise ValidationFailed(_("请填写年度"), "year")
        edition = directory.create_edition(user, body["year"], body["title"])
    else:
        source = (directory.get_edition(user, body["copy_from_id"])
                  if body["copy_from_id"] else None)
        edition = directory.copy_edition(user, source, body["year"], body["title"])
    db.session.commit()
    return dump_edition(edition)


@blp.route("/directory/editions/<int:edition_id>", methods=["GET"])
@auth_required(*directory.READERS)
@blp.arguments(EditionArgs, location="query")
@blp.response(200, DirectoryEditionDetail)
def directory_edition(args, edition_id):
    """An edition with its items in tree order (flat, with ids and parent codes; ?q=)."""
    edition = directory.get_edition(current_api_user(), edition_id)
    nodes = directory_tree.flatten(directory_tree.tree(edition, args["q"]))
    return {**dump_edition(edition),
            "items": [dump_item(node.item, node.parent_code, edition.id) for node in nodes]}


@blp.route("/directory/editions/<int:edition_id>/items", methods=["POST"])
@auth_required(*directory.EDITORS)
@blp.arguments(ItemBody)
@blp.response(201, DirectoryItemOut)
@blp.alt_response(409, schema=ErrorSchema, description=FROZEN)
def add_directory_item(body, edition_id):
    """Add an item to a draft (levels 1–4, the parent one level up, codes unique)."""
    user = current_api_user()
    edition = directory.get_edition(user, edition_id)
    item = directory.save_item(user, edition, body)
    db.session.commit()
    return dump_item(item, body.get("parent_code"), edition.id)


@blp.route("/directory/items/<int:item_id>", methods=["PATCH"])
@auth_required(*directory.EDITORS)
@blp.arguments(ItemPatchBody)
@blp.response(200, DirectoryItemOut)
@blp.alt_response(409, schema=ErrorSchema, description=FROZEN)
def edit_directory_item(body, item_id):
    """Rename, move (a new parent_code) or change any field of a draft's item."""
    user = current_api_user()
    item = directory.get_item(user, item_id)
    edition = directory.get_edition(user, item.edition_id)
    data = {**dump_item(item, _parent_code(item), edition.id), **body}
    item = directory.save_item(user, edition, data, item)
    db.session.commit()
    return dump_item(item, data.get("parent_code"), edition.id)


@blp.route("/directory/items/<int:item_id>", methods=["DELETE"])
@auth_required(*directory.EDITORS)
@blp.response(204)
@blp.alt_response(409, schema=ErrorSchema, description=FROZEN)
def remove_directory_item(item_id):
    """Remove an item without sub-items from a draft."""
    user = current_api_user()
    directory.remove_item(user, directory.get_item(user, item_id))
    db.session.commit()
    return ""


@blp.route("/directory/editions/<int:edition_id>/publish", methods=["POST"])
@auth_required(*directory.EDITORS)
@blp.response(200, DirectoryEditionOut)
@blp.alt_response(409, schema=ErrorSchema, description=FROZEN)
def publish_directory_edition(edition_id):
    """Publish a draft; from then on it is frozen."""
    user = current_api_user()
    edition = directory.publish(user, directory.get_edition(user, edition_id))
    db.session.commit()
    return dump_edition(edition)


@blp.route("/directory/editions/<int:edition_id>/import", methods=["POST"])
@auth_required(*directory.EDITORS)
@blp.arguments(ImportBody)
@blp.response(200, ImportOut)
@blp.alt_response(409, schema=ErrorSchema, description=FROZEN)
def import_directory_changes(body, edition_id):
    """Import changes into a draft from an .xlsx in the template (GET /directory/
    import-template.xlsx), base64 in JSON. All rows or none: a bad file is a 422 whose fields
    name each bad row (`row_5`: ["编码：…"])."""
    user = current_api_user()
    edition = directory.get_edition(user, edition_id)
    try:
        content = base64.b64decode(body["content_base64"], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed(_("content_base64 不是有效的 base64 内容"),
                               "content_base64") from None
    try:
        counts = directory_xlsx.import_changes(user, edition, io.BytesIO(content))
    except directory_xlsx.ImportFailed as error:
        fields = {"file": [error.message]}
        for row, column, reason in error.problems[:500]:
            fields.setdefault(f"row_{row}", []).append(f"{column}：{reason}")
        raise ValidationFailed(error.message, fields=fields) from None
    db.session.commit()
    return counts


@blp.route("/directory/diff", methods=["GET"])
@auth_required(*directory.READERS)
@blp.arguments(DiffArgs, location="query")
@blp.response(200, DirectoryDiffOut)
def directory_diff(args):
    """Any two editions the caller may read compared (a draft against the edition in force)."""
    user = current_api_user()
    return compare(directory.get_edition(user, args["old"]),
                   directory.get_edition(user, args["new"])).as_dict()
