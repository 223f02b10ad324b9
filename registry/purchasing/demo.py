"""Demo data for the purchasing area (idempotent)."""

import csv
import io
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select

from registry import accounts, audit
from registry.clock import today_local
from registry.demo import DEMO_PASSWORD
from registry.extensions import db
from registry.models import User
from registry.organizations import records
from registry.organizations.models import AnnualReport, Organization
from registry.purchasing import (
    award_applications,
    awards,
    directory,
    directory_tree,
    payments,
    projects,
)
from registry.purchasing.models import (
    AwardRound,
    DirectoryEdition,
    DirectoryItem,
    PurchasedServiceProject,
)
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


def _local(providers: list, user) -> list:
    """The providers of the recorder's own county when it has any (a county usually buys
    from its own organizations), else all."""
    return [p for p in providers if p.region_code.startswith(user.region_code)] or providers


def seed_projects(users: dict) -> None:
    if db.session.scalar(select(PurchasedServiceProject.id).limit(1)):
        return
    providers = projects.eligible_providers(limit=200)
    if not providers or directory.current_edition() is None:
        return
    for number, (who, title, code, year, fen, status, scores) in enumerate(DEMO_PROJECTS):
        user = users.get(who)
        if user is None:
            continue
        audit.set_actor(user)
        row = projects.create_project(user, {
            "title": title, "item_code": code, "year": year, "purchaser": stored("民政局"),
            "provider_id": _local(providers, user)[number % len(_local(providers, user))].id,
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


# --- 以奖代补 awards (engineer C) -------------------------------------------------------------
# One published round open today and next year's draft; applications in every state, through
# the same operations as the pages (four eyes: a second city official, 市民政局 财务, scores the
# city-level organizations and records payments). The organizations' demo has no reviewed
# report of last year for those used here, so a passed one is filed for them (eligibility).
AWARD_CRITERIA = (
    {"name": "规范化建设", "weight": 20, "description": "等级评估、年报、财务制度"},
    {"name": "服务成效", "weight": 40, "description": "服务人次、受益人数、服务对象满意度"},
    {"name": "志愿服务时长", "weight": 20, "description": "全国志愿服务信息系统记录的时长"},
    {"name": "群众评价", "weight": 20, "description": "回访抽查"},
)
AWARD_TIERS = ({"min_score": 90, "max_score": 100, "amount_fen": 5_000_000},
               {"min_score": 80, "max_score": 89, "amount_fen": 3_000_000},
               {"min_score": 70, "max_score": 79, "amount_fen": 1_000_000})
EVIDENCE = b"%PDF-1.4\n% demo evidence\n"
# applicant (organization name or station login), title, scores, steps
DEMO_APPLICATIONS = (
    ("南充市社会组织联合会", "全市社会组织负责人培训 6 期", (95, 92, 90, 94), "paid"),
    ("南充市慈善基金会", "“慈善助学”项目资助困难学生 210 名", (88, 90, 85, 86), "publicized"),
    ("南充市志愿服务联合会", "志愿服务骨干培训与应急志愿队建设", (80, 84, 90, 82), "objected"),
    ("中城街道和谐邻里互助会", "邻里互助“爱心餐桌”服务独居老人 3,600 人次", (92, 95, 88, 90),
     "approved"),
    ("zhongcheng", "中城街道志愿服务站建设（重复申报）", (), "rejected"),
    ("zhongcheng", "中城街道“周末志愿服务日”全年 48 场", (85, 80, 92, 78), "scored"),
    ("beicheng", "北城街道文明实践志愿服务", (75, 70, 80, 72), "returned"),
    ("baita", "白塔街道防汛志愿服务队建设", (), "applied"),
)


def _award_users(users: dict) -> dict:
    """The demo's second city official (finance) and the mutual-aid group's representative."""
    found = {}
    for username, role, region, name in (
            ("cityfinance", "city_official", "511300", "市民政局 财务 孙会计"),
            ("orgaward", "org_admin", "511302001", "和谐邻里互助会 张会长")):
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user, _ = accounts.create_user(username, DEMO_PASSWORD, role, region, name)
        found[username] = user
    return found


def _eligible(org: Organization, official) -> None:
    year = today_local().year - 1
    if db.session.scalar(select(AnnualReport.id).where(
            AnnualReport.organization_id == org.id, AnnualReport.year == year)) is None:
        report = records.file_annual_report(official, org, {
            "year": year, "income_fen": 8_000_000, "expenditure_fen": 7_600_000,
            "net_assets_fen": 2_000_000, "staff_count": 4,
            "activities": f"{year} 年开展公益服务活动 30 次"})
        records.review_annual_report(official, report, "pass")


def _take(user, application, steps: str, scores, people: dict) -> None:
    """Move a fresh application to its demo state by the people who would do each step."""
    city, finance, county = people["city"], people["cityfinance"], people["county"]
    scorer = finance if county is None else county
    if steps == "applied":
        return
    if steps == "rejected":
        audit.set_actor(scorer)
        award_applications.reject(scorer, application, "与本批次另一份申请内容重复")
        return
    audit.set_actor(scorer)
    award_applications.score(scorer, application, dict(zip(
        [c.id for c in application.round.criteria], scores, strict=True)), "材料齐全，现场核实")
    if steps == "scored":
        return
    audit.set_actor(city)
    if steps == "returned":
        award_applications.return_for_rescoring(city, application, "志愿服务时长缺少系统记录截图")
        return
    award_applications.approve(city, application, "同意")
    if steps == "approved":
        return
    award_applications.publicize(city, application)
    if steps == "objected":
        award_applications.object_to(application.id, "培训人数与签到表不符，请核实")
    elif steps == "paid":
        # The demo's 公示 ended a week ago (dates only; the rule is the same).
        application.publicized_at -= timedelta(days=14)
        application.publicized_until -= timedelta(days=14)
        audit.set_actor(finance)
        award_applications.pay(finance, application, {
            "amount_fen": application.amount_fen, "paid_on": today_local(),
            "voucher_no": "南民财〔2026〕以奖代补第001号"})


def seed_awards(users: dict) -> list:
    city = users.get("city")
    if city is None:
        return []
    extra = _award_users(users)
    logins = [(name, DEMO_PASSWORD, label) for name, label in (
        ("cityfinance", "市级民政干部（财务）"), ("orgaward", "社会组织代表（以奖代补）"))]
    if db.session.scalar(select(AwardRound.id).limit(1)):
        return logins
    today = today_local()
    audit.set_actor(city)
    body = {"title": f"{today.year}年度社会组织和志愿服务站以奖代补", "year": today.year,
            "description": "对已开展的社区服务、志愿服务按评分标准给予奖励，不预先拨付补助。",
            "opens_on": today - timedelta(days=30), "closes_on": today + timedelta(days=30),
            "criteria": [dict(c) for c in AWARD_CRITERIA], "tiers": [dict(t) for t in AWARD_TIERS]}
    row = awards.save_round(city, body)
    awards.publish_round(city, row)
    awards.save_round(city, {**body, "title": f"{today.year + 1}年度以奖代补（草稿）",
                             "year": today.year + 1, "opens_on": today + timedelta(days=300),
                             "closes_on": today + timedelta(days=360)})
    org_of = extra["orgaward"]
    for name, title, scores, steps in DEMO_APPLICATIONS:
        org = db.session.scalar(select(Organization).where(Organization.name == name))
        applicant = users.get(name) or extra["orgaward"]
        if org is not None:
            county = users["shunqing"] if org.region_code.startswith("511302") else None
            audit.set_actor(county or city)
            _eligible(org, county or city)
            if org_of.organization_id is None and name == "中城街道和谐邻里互助会":
                org_of.organization_id = org.id
            applicant = _applicant_for(org, org_of)
        else:
            county = users["shunqing"] if users[name].region_code.startswith("511302") \
                else users["gaoping"]
        audit.set_actor(applicant)
        application = award_applications.apply(applicant, row.id, {
            "title": title, "description": f"{title}。附活动照片、签到表和服务对象回访记录。",
            "work_from": today - timedelta(days=300), "work_to": today - timedelta(days=20)},
            [(io.BytesIO(EVIDENCE), "活动证明.pdf")])
        _take(applicant, application, steps, scores,
              {"city": city, "cityfinance": extra["cityfinance"], "county": county})
    audit.set_actor(None)
    db.session.flush()
    return logins


def _applicant_for(org: Organization, representative: User) -> User:
    """The organization's representative: the demo one, or a quiet account per organization."""
    if representative.organization_id == org.id:
        return representative
    username = f"rep{org.id:04d}"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user, _ = accounts.create_user(username, None, "org_admin", org.region_code,
                                       f"{org.name[:20]}代表")
    user.organization_id = org.id
    return user


# --- end of 以奖代补 ----------------------------------------------------------------------------


def seed(users: dict) -> list:
    seed_directory(users)
    seed_projects(users)
    return seed_awards(users)
