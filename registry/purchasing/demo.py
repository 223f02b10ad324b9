"""Demo data for the purchasing area (idempotent)."""

import csv
from datetime import date
from pathlib import Path

from sqlalchemy import select

from registry import audit
from registry.clock import today_local
from registry.extensions import db
from registry.purchasing import directory, directory_tree, payments, projects
from registry.purchasing.models import DirectoryEdition, DirectoryItem, PurchasedServiceProject
from registry.texts import stored

# --- the guidance directory (engineer A) ---------------------------------------------------
# Two published editions and next year's draft, all from the sample directory (Lanzhou's 2014
# "7大类52项"; its codes are positional, made for the sample, not official), with a few changes
# between editions so that the comparison shows something.
SAMPLE = Path(__file__).resolve().parent / "data" / "directory_sample.csv"
CODE_NOTE = ("示例数据：条目取自兰州市2014年政府向社会力量购买服务目录（7大类52项），"
             "编码按原文顺序编排，非官方代码")
DETAILS = {
    # code: (description, purchasing department, requirements)
    "LZ0105": ("居家和社区养老上门服务、老年人能力评估、养老机构运营辅助", "市民政局",
               "依法登记的社会组织，年检合格，具有养老服务经验"),
    "LZ0103": ("困难群众走访核查、临时救助对象评估、救助政策宣传", "市民政局",
               "依法登记满一年，未列入活动异常名录"),
    "LZ0203": ("困境儿童、留守老人、残疾人等群体的专业社会工作服务", "市民政局",
               "持证社会工作者不少于 3 名"),
    "LZ0207": ("矛盾纠纷排查、人民调解员培训", "市司法局", "具有人民调解工作经验"),
}
CHANGES_2026 = {
    "remove": ("LZ0107",),
    "add": (("LZ0119", 2, "LZ01", "社区治理服务", "城乡社区协商议事、居民自治能力建设",
             "市民政局", "依法登记的社区社会组织或社会工作服务机构"),),
    "edit": {"LZ0105": {"description": "居家和社区养老上门服务、老年人能力评估、"
                                       "养老机构运营辅助、失能老人照护培训"},
             "LZ0206": {"name": "公益慈善服务"}},
}
CHANGES_2027 = {
    "remove": ("LZ0501",),
    "add": (("LZ020101", 3, "LZ0201", "社区社会组织培育孵化", "孵化基地运营、能力建设培训",
             "市民政局", "具有孵化基地运营经验的枢纽型社会组织"),),
    "edit": {"LZ0203": {"name": "社会工作服务", "requirements": "持证社会工作者不少于 5 名"}},
}


def _load_sample(user, edition) -> None:
    with SAMPLE.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            description, department, requirements = DETAILS.get(row["code"], ("", "", ""))
            directory.save_item(user, edition, {
                "code": row["code"], "level": row["level"], "parent_code": row["parent_code"],
                "name": row["name"], "description": description,
                "purchasing_department": department, "requirements": requirements})


def _change(user, edition, changes: dict) -> None:
    for code in changes["remove"]:
        item = db.session.scalar(select(DirectoryItem).where(
            DirectoryItem.edition_id == edition.id, DirectoryItem.code == code))
        directory.remove_item(user, item)
    for code, level, parent, name, description, department, requirements in changes["add"]:
        directory.save_item(user, edition, {
            "code": code, "level": level, "parent_code": parent, "name": name,
            "description": description, "purchasing_department": department,
            "requirements": requirements})
    for code, fields in changes["edit"].items():
        for node in directory_tree.flatten(directory_tree.tree(edition)):
            if node.item.code == code:
                data = {name: getattr(node.item, name) for name in directory.ITEM_FIELDS
                        if name != "parent_code"}
                directory.save_item(user, edition, {**data, "parent_code": node.parent_code,
                                                    **fields},
                                    db.session.get(DirectoryItem, node.item.id))


def seed_directory(users: dict) -> None:
    city = users.get("city")
    if city is None or db.session.scalar(select(DirectoryEdition.id).limit(1)):
        return
    audit.set_actor(city)
    first = directory.create_edition(city, 2025, code_note=CODE_NOTE)
    _load_sample(city, first)
    directory.publish(city, first)
    second = directory.copy_edition(city, first, 2026)
    _change(city, second, CHANGES_2026)
    directory.publish(city, second)
    draft = directory.copy_edition(city, second, 2027)
    _change(city, draft, CHANGES_2027)
    audit.set_actor(None)
    db.session.flush()


# --- end of the guidance directory ---------------------------------------------------------


# --- purchased-service projects (engineer B) ------------------------------------------------
# Projects of 顺庆区, 高坪区 and the city in every status, paid in instalments, the later ones
# evaluated (one per grade band), with approved providers of the organizations' demo.
DEMO_PROJECTS = (
    # recorder, title, item, year, amount fen, status, scores (决策, 过程, 产出, 效益) or None
    ("shunqing", "顺庆区居家养老上门服务", "LZ0105", 2025, 48_000_000, "closed", (95, 92, 94, 90)),
    ("shunqing", "顺庆区困境儿童社会工作服务", "LZ0203", 2025, 26_000_000, "evaluating",
     (85, 80, 82, 84)),
    ("shunqing", "顺庆区临时救助对象评估", "LZ0103", 2026, 12_000_000, "accepted", None),
    ("shunqing", "顺庆区矛盾纠纷排查调解", "LZ0207", 2026, 8_500_000, "performing", None),
    ("gaoping", "高坪区社区养老服务站运营", "LZ0105", 2026, 36_000_000, "closed",
     (70, 65, 72, 60)),
    ("gaoping", "高坪区救助政策宣传", "LZ0103", 2026, 3_000_000, "signed", None),
    ("gaoping", "高坪区社区治理协商议事", "LZ0119", 2026, 5_000_000, "procurement", None),
    ("city", "南充市社会工作人才培训", "LZ0203", 2026, 15_000_000, "closed", (50, 60, 55, 58)),
    ("city", "南充市人民调解员培训", "LZ0207", 2026, 6_000_000, "initiated", None),
)
METHODS = ("open_tender", "competitive_consultation", "inquiry", "single_source")
STEPS = ("procure", "sign", "perform", "accept", "evaluate", "close")


def seed_projects(users: dict) -> None:
    if db.session.scalar(select(PurchasedServiceProject.id).limit(1)):
        return
    providers = projects.eligible_providers(limit=20)
    if not providers or directory.current_edition() is None:
        return
    for number, (who, title, code, year, fen, status, scores) in enumerate(DEMO_PROJECTS):
        user = users.get(who)
        if user is None:
            continue
        audit.set_actor(user)
        row = projects.create_project(user, {
            "title": title, "item_code": code, "year": year, "purchaser": stored("民政局"),
            "provider_id": providers[number % len(providers)].id,
            "procurement_method": METHODS[number % len(METHODS)],
            "contract_no": f"NC-{year}-{number + 1:03d}", "amount_fen": fen,
            "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31",
            "deliverables": stored("按合同约定提供服务并提交季度报告"),
            "milestones": [{"name": stored("中期检查"), "due_on": f"{year}-06-30"},
                           {"name": stored("年终验收"), "due_on": f"{year}-12-20"}]})
        for step in STEPS:
            if row.status == status:
                break
            if step == "close":
                projects.evaluate(user, row, {"scores": dict(zip(
                    ("decision", "process", "output", "effect"), scores, strict=True))})
            projects.move(user, row, step)
            if row.status == "signed":
                payments.add_payment(user, row, {"amount_fen": fen * 4 // 10,
                                                 "paid_on": f"{year}-02-01"})
            if row.status == "accepted":
                last = min(date(year, 11, 20), today_local()).isoformat()
                payments.add_payment(user, row, {"amount_fen": fen - row.paid_fen,
                                                 "paid_on": last})
        if status == "evaluating" and scores:
            projects.evaluate(user, row, {"scores": dict(zip(
                ("decision", "process", "output", "effect"), scores, strict=True))})
    audit.set_actor(None)
    db.session.flush()


# --- end of purchased-service projects ----------------------------------------------------


def seed(users: dict) -> list:
    seed_directory(users)
    seed_projects(users)
    return []
