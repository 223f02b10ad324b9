"""The guidance directory's rules: copy, the tree's rules, the edition in force, the freeze
(in the operations and below them, at flush), who edits, and the comparison of editions."""

import pytest
from sqlalchemy import select

from registry.clock import today_local
from registry.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.models import AuditEntry
from registry.purchasing import directory
from registry.purchasing.directory_diff import diff
from registry.purchasing.models import DirectoryItem
from tests.test_purchasing_dir_helpers import count, dirworld, edition, item, snapshot, user

pytestmark = pytest.mark.usefixtures("dirworld")
assert dirworld


def test_copy_keeps_every_item_and_the_tree(ctx):
    source, copy = edition(2025), edition(2026)
    assert copy.status == "draft" and copy.copied_from_id == source.id
    assert copy.code_note == source.code_note
    assert [row[:7] for row in snapshot(2026)[:-1]] == [row[:7] for row in snapshot(2025)[:-1]]
    for code in ("A01", "A0101", "A010101", "B01"):
        copied = item(2026, code)
        parent = db.session.get(DirectoryItem, copied.parent_id)
        assert parent.edition_id == copy.id  # the copy's parents are its own rows
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "copy"))  # fixture



def test_copy_defaults_to_the_edition_in_force_and_the_next_year(ctx):
    city = user("dircity")
    directory.publish(city, edition(2026))
    copy = directory.copy_edition(city)
    expected = directory.current_edition()
    assert copy.copied_from_id == expected.id and copy.year == expected.year + 1
    with pytest.raises(ValidationFailed, match="已存在"):
        directory.copy_edition(city, edition(2025), 2026)
    with pytest.raises(ValidationFailed):
        directory.copy_edition(city, edition(2025), 99999)


def test_the_edition_in_force_is_the_newest_published_one_not_after_this_year(ctx):
    city = user("dircity")
    this_year = today_local().year
    assert directory.current_edition().year == 2025  # 2026 is a draft
    future = directory.copy_edition(city, edition(2025), this_year + 1)
    directory.publish(city, future)
    assert directory.current_edition().year <= this_year
    assert directory.current_edition(this_year + 1).year == this_year + 1


def test_a_published_editions_tree_is_kept_and_a_search_leaves_it_whole(ctx):
    from registry.purchasing import directory_tree

    published, draft = edition(2025), edition(2026)
    whole = directory_tree.tree(published)
    assert directory_tree.tree(published) is whole  # frozen: read once per process
    assert directory_tree.tree(draft) is not directory_tree.tree(draft)  # drafts change
    found = list(directory_tree.flatten(directory_tree.tree(published, "A010101")))
    assert [node.item.code for node in found if node.matched] == ["A010101"]
    kept = list(directory_tree.flatten(directory_tree.tree(published)))
    assert len(kept) == count(2025) and not any(node.matched for node in kept)


@pytest.mark.parametrize("data,field,message", [
    ({"code": "C", "level": 1, "parent_code": "A", "name": "x"}, "parent_code", "一级条目不能"),
    ({"code": "C", "level": 2, "parent_code": "", "name": "x"}, "parent_code", "须填写上级"),
    ({"code": "C", "level": 2, "parent_code": "ZZ", "name": "x"}, "parent_code", "不存在"),
    ({"code": "C", "level": 3, "parent_code": "A", "name": "x"}, "parent_code", "应为 2 级"),
    ({"code": "A01", "level": 2, "parent_code": "A", "name": "x"}, "code", "已被使用"),
    ({"code": "C", "level": 5, "parent_code": "A010101", "name": "x"}, "level", "1 到 4"),
    ({"code": "C", "level": "", "parent_code": "", "name": "x"}, "level", "请填写层级"),
    ({"code": "C D", "level": 1, "parent_code": "", "name": "x"}, "code", "编码只能"),
    ({"code": "", "level": 1, "parent_code": "", "name": "x"}, "code", "请填写编码"),
    ({"code": "C", "level": 1, "parent_code": "", "name": ""}, "name", "请填写名称"),
    ({"code": "C", "level": 1, "parent_code": "", "name": "x" * 201}, "name", "200"),
    ({"code": "C", "level": 1, "parent_code": "", "name": "a\x00b"}, "name", "无法识别"),
])
def test_item_rules_name_the_field_and_save_nothing(ctx, data, field, message):
    before = snapshot(2026)
    with pytest.raises(ValidationFailed) as error:
        directory.save_item(user("dircity"), edition(2026), data)
    assert any(message in m for m in error.value.fields[field])
    db.session.rollback()
    assert snapshot(2026) == before


def test_rename_and_move_within_a_draft(ctx):
    city, draft = user("dircity"), edition(2026)
    moved = item(2026, "A02")
    directory.save_item(city, draft, {"code": "A02", "level": 2, "parent_code": "B",
                                      "name": "社会救助服务"}, moved)
    assert db.session.get(DirectoryItem, moved.parent_id).code == "B"
    assert moved.name == "社会救助服务"
    with pytest.raises(ValidationFailed, match="不能改变层级"):
        directory.save_item(city, draft, {"code": "A01", "level": 1, "parent_code": "",
                                          "name": "养老服务"}, item(2026, "A01"))
    with pytest.raises(ValidationFailed, match="自身"):
        directory.save_item(city, draft, {"code": "A01", "level": 2, "parent_code": "A01",
                                          "name": "养老服务"}, item(2026, "A01"))


def test_remove_only_leaves(ctx):
    city = user("dircity")
    with pytest.raises(Conflict, match="下级"):
        directory.remove_item(city, item(2026, "A0101"))
    directory.remove_item(city, item(2026, "A010101"))
    directory.remove_item(city, item(2026, "A0101"))
    assert count(2026) == count(2025) - 2


def test_a_published_edition_is_frozen_in_every_operation(ctx):
    city, published = user("dircity"), edition(2025)
    before = snapshot(2025)
    attempts = [
        lambda: directory.save_item(city, published, {"code": "Z", "level": 1, "name": "新"}),
        lambda: directory.save_item(city, published, {"code": "A", "level": 1, "name": "改"},
                                    item(2025, "A")),
        lambda: directory.remove_item(city, item(2025, "B01")),
        lambda: directory.publish(city, published),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            attempt()
        db.session.rollback()
    assert snapshot(2025) == before


@pytest.mark.parametrize("change", ["item_name", "item_new", "item_delete", "edition_title",
                                    "edition_status"])
def test_the_flush_guard_refuses_any_orm_change_to_a_published_edition(ctx, change):
    """Whatever route forgets the operations (a back-office form, a command), the flush refuses."""
    user("dircity")
    before = snapshot(2025)
    if change == "item_name":
        item(2025, "A01").name = "偷改"
    elif change == "item_new":
        db.session.add(DirectoryItem(edition_id=edition(2025).id, code="Q", level=1, name="偷加",
                                     position=9))
    elif change == "item_delete":
        db.session.delete(item(2025, "A010101"))
    elif change == "edition_title":
        edition(2025).title = "偷改"
    else:
        edition(2025).status = "draft"
    with pytest.raises(Conflict):
        db.session.flush()
    db.session.rollback()
    assert snapshot(2025) == before


def test_only_city_officials_edit_and_county_officials_read_published_editions(ctx):
    county = user("dircounty")
    with pytest.raises(NotAllowed):
        directory.save_item(county, edition(2026), {"code": "Z", "level": 1, "name": "新"})
    with pytest.raises(NotAllowed):
        directory.copy_edition(county)
    with pytest.raises(NotAllowed):
        directory.publish(county, edition(2026))
    assert directory.get_edition(county, edition(2025).id).year == 2025
    with pytest.raises(NotFound):
        directory.get_edition(county, edition(2026).id)  # drafts are the city's business
    with pytest.raises(NotFound):
        directory.get_item(county, item(2026, "A").id)
    with pytest.raises(NotFound):
        directory.get_edition(None, edition(2026).id)


def test_publish_is_an_audited_move_and_an_empty_draft_cannot_be_published(ctx):
    city = user("dircity")
    directory.publish(city, edition(2026))
    db.session.commit()  # audit rows are written at commit
    city = user("dircity")
    move = db.session.scalar(select(AuditEntry).where(
        AuditEntry.object_type == "DirectoryEdition", AuditEntry.action == "transition",
        AuditEntry.object_id == str(edition(2026).id)))
    assert move is not None and edition(2026).published_by == city.id
    empty = directory.create_edition(city, 2030)
    with pytest.raises(ValidationFailed, match="还没有条目"):
        directory.publish(city, empty)


def test_diff_finds_added_removed_and_changed_fields_by_code(ctx):
    city, draft = user("dircity"), edition(2026)
    directory.remove_item(city, item(2026, "B01"))
    directory.save_item(city, draft, {"code": "B02", "level": 2, "parent_code": "B",
                                      "name": "评估服务"})
    directory.save_item(city, draft, {"code": "A02", "level": 2, "parent_code": "B",
                                      "name": "社会救助服务", "description": "新说明",
                                      "purchasing_department": "市财政局"}, item(2026, "A02"))
    result = diff(edition(2025), draft)
    assert [row["code"] for row in result.added] == ["B02"]
    assert [row["code"] for row in result.removed] == ["B01"]
    assert [c.code for c in result.changed] == ["A02"]
    fields = {f: (old, new) for f, _label, old, new in result.changed[0].fields}
    assert fields == {"name": ("社会救助", "社会救助服务"),
                      "parent_code": ("A", "B"),
                      "description": ("社会救助的说明", "新说明"),
                      "purchasing_department": ("", "市财政局")}
    assert result.unchanged == len(TREE_CODES) - 2
    back = diff(draft, edition(2025))
    assert [r["code"] for r in back.added] == ["B01"] and [r["code"] for r in back.removed] == [
        "B02"]
    assert diff(edition(2025), edition(2025)).changed == []


TREE_CODES = ("A", "A01", "A0101", "A010101", "A02", "B", "B01")
