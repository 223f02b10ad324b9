"""The directory in .xlsx: the template, importing changes into a draft (every bad row with
its number and reason, nothing of a bad file saved), and exports that re-import unchanged."""

import io

import pytest
from openpyxl import load_workbook

from registry.errors import Conflict
from registry.extensions import db
from registry.purchasing import directory, directory_xlsx
from registry.purchasing.directory_diff import diff
from tests.test_purchasing_dir_helpers import count, dirworld, edition, item, snapshot, user, xlsx

pytestmark = pytest.mark.usefixtures("dirworld")
assert dirworld


def _import(data: bytes, year: int = 2026):
    return directory_xlsx.import_changes(user("dircity"), edition(year), io.BytesIO(data))


def _problems(data: bytes, year: int = 2026) -> list[tuple[int, str, str]]:
    before = snapshot(year)
    with pytest.raises(directory_xlsx.ImportFailed) as error:
        _import(data, year)
    db.session.rollback()
    assert snapshot(year) == before  # nothing of the file saved
    return error.value.problems or [(0, "", error.value.message)]


def test_the_template_has_the_items_sheet_and_the_instructions(ctx):
    book = load_workbook(io.BytesIO(directory_xlsx.template()))
    assert book.sheetnames == ["目录条目", "填写说明"]
    assert [c.value for c in book["目录条目"][1]] == directory_xlsx.HEADERS
    assert "删除" in " ".join(str(r[0].value) for r in book["填写说明"].iter_rows())


def test_an_import_adds_changes_and_deletes_by_code(ctx):
    counts = _import(xlsx([
        ("C", 1, "", "新增大类", "", "市民政局", "", ""),
        ("C01", 2, "C", "新增二级", "说明", "", "", ""),
        ("A02", 2, "A", "社会救助（改）", "社会救助的说明", "", "", ""),
        ("A", 1, "", "基本公共服务", "基本公共服务的说明", "", "", ""),
        ("A010101", "", "", "", "", "", "", "删除"),
        ("B01", 2, "C", "法律服务", "法律服务的说明", "", "", ""),
    ]))
    db.session.commit()
    assert counts == {"added": 2, "changed": 2, "deleted": 1, "unchanged": 1}
    assert item(2026, "A02").name == "社会救助（改）"
    assert item(2026, "A010101") is None
    assert db.session.get(type(item(2026, "B01")), item(2026, "B01").parent_id).code == "C"
    assert count(2026) == count(2025) + 1


@pytest.mark.parametrize("rows,row,column,reason", [
    ([("C", "", "", "缺层级")], 2, "层级", "请填写层级"),
    ([("C", 7, "", "层级过大")], 2, "层级", "1 到 4"),
    ([("C", 1, "", "一"), ("D", 1, "", "二"), ("C", 1, "", "重复")], 4, "编码", "重复"),
    ([("C01", 2, "NOPE", "无上级")], 2, "上级编码", "不存在"),
    ([("C01", 3, "A", "层级不符")], 2, "上级编码", "应为 2 级"),
    ([("", 1, "", "缺编码")], 2, "编码", "请填写编码"),
    ([("C", 1, "", "")], 2, "名称", "请填写名称"),
    ([("Q", "", "", "", "", "", "", "删除")], 2, "编码", "不存在"),
    ([("A0101", "", "", "", "", "", "", "删除")], 2, "编码", "下级条目“A010101”"),
    ([("A01", 1, "", "改成一级")], 2, "编码", "下级条目“A0101”"),
    ([("C", 1, "", "x", "", "", "", "作废")], 2, "操作", "只能留空"),
])
def test_each_bad_row_is_reported_with_its_number_and_reason(ctx, rows, row, column, reason):
    padded = [tuple(r) + ("",) * (8 - len(r)) for r in rows]
    problems = _problems(xlsx([("OK1", 1, "", "好的一行", "", "", "", "")] + padded))
    assert any(p[0] == row + 1 and p[1] == column and reason in p[2] for p in problems), \
        problems


def test_every_bad_row_is_listed_at_once(ctx):
    problems = _problems(xlsx([("C", "", "", "a"), ("D", 1, "ZZ", "b"), ("E", 2, "ZZ", "c")]))
    assert {p[0] for p in problems} == {2, 3, 4}


@pytest.mark.parametrize("data,message", [
    (b"code,level\nA,1\n", "不是 Excel .xlsx"),
    (b"", "空的"),
    (b"PK\x03\x04 not really a zip", "无法读取"),
    ("WRONG_SHEET", "没有名为“目录条目”的工作表"),
    ("WRONG_HEADER", "表头与模板不一致"),
    ("EMPTY", "没有数据行"),
])
def test_a_wrong_file_is_refused_as_a_whole(ctx, data, message):
    if data == "WRONG_SHEET":
        data = xlsx([("C", 1, "", "x")], sheet="Sheet1")
    elif data == "WRONG_HEADER":
        data = xlsx([("C", 1, "", "x")], header=["代码", "级别", "上级", "名字"])
    elif data == "EMPTY":
        data = xlsx([])
    problems = _problems(data)
    assert message in problems[0][2]


def test_a_published_edition_takes_no_import(ctx):
    before = snapshot(2025)
    with pytest.raises(Conflict):
        _import(xlsx([("C", 1, "", "x")]), 2025)
    db.session.rollback()
    assert snapshot(2025) == before


def test_an_export_reimports_as_it_is_and_is_formula_safe(ctx):
    city = user("dircity")
    directory.save_item(city, edition(2026), {"code": "F", "level": 1, "name": "=1+2 危险"})
    buffer = io.BytesIO()
    written = directory_xlsx.export_xlsx(city, edition(2026), buffer)
    assert written == count(2026)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["目录条目"]
    names = [row[3] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=1+2 危险" in names  # a formula-looking text is written as text
    blank = directory.create_edition(city, 2031)
    counts = directory_xlsx.import_changes(city, blank, io.BytesIO(buffer.getvalue()))
    assert counts["added"] == written
    result = diff(edition(2026), blank)  # the guard's apostrophe is taken off again
    assert (result.added, result.removed, result.changed) == ([], [], [])
