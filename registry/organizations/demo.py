"""Demo organizations: all types and 社区社会组织 in several counties, in every status, hubs with
members, grades, annual reports, the abnormal list and party building (idempotent)."""

import io
from datetime import date

from sqlalchemy import select
from stdnum.cn import uscc as stdnum_uscc

from registry import accounts, audit
from registry.demo import DEMO_PASSWORD
from registry.extensions import db
from registry.models import ORG_ADMIN, User
from registry.organizations import documents, party_and_hubs, records
from registry.organizations import operations as orgs
from registry.organizations.models import Organization

TYPE_DIGIT = {"social_group": "1", "social_service": "2", "foundation": "3", "community": "9"}
_ORG_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def org_code(body: str) -> str:
    """The 9-character GB 11714 organization code for an 8-character body (with its check)."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w
                for c, w in zip(body, _ORG_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def make_uscc(org_type: str, region_code: str, serial: int) -> str:
    """A synthetic but valid civil-affairs USCC (GB 32100 and GB 11714 checks both pass)."""
    body = "5" + TYPE_DIGIT[org_type] + region_code[:6] + org_code(f"MJ{serial:06d}")
    return body + stdnum_uscc.calc_check_digit(body)


def sample_data(**overrides) -> dict:
    """A complete, valid application (顺庆区 社会服务机构); overrides replace fields."""
    data = {
        "name": "南充市顺庆区阳光社会工作服务中心",
        "org_type": "social_service",
        "category": "social_service",
        "uscc": "",
        "legal_representative": "张明",
        "region_code": "511302",
        "supervisory_unit": "",
        "business_scope": "为社区老人、儿童和困难群众提供社会工作专业服务",
        "registered_capital_fen": 3_000_000,
        "address": "南充市顺庆区人民中路 100 号",
        "contact_name": "李红",
        "contact_phone": "13800000000",
        "founded_on": None,
        "is_volunteer_org": False,
        "party_org_status": "none",
        "party_member_count": 0,
        "party_instructor": "",
    }
    data.update(overrides)
    return data


# name, type, category, region, final status, certificate date, extras
DEMO_ORGS = (
    ("南充市社会组织联合会", "social_group", "other", "511300", "approved", date(2018, 6, 1),
     {"hub": True, "grade": "5A", "party": ("single", 25, "")}),
    ("南充市慈善基金会", "foundation", "charity", "511300", "approved", date(2016, 3, 15),
     {"grade": "4A", "party": ("joint", 4, ""), "capital": 200_000_000}),
    ("南充市志愿服务联合会", "social_group", "social_service", "511300", "approved",
     date(2019, 12, 5), {"hub": True, "volunteer": True, "party": ("single", 8, "")}),
    ("南充市顺庆区阳光社会工作服务中心", "social_service", "social_service", "511302", "approved",
     date(2020, 8, 18), {"member_of": "南充市社会组织联合会", "grade": "3A",
                         "reports": ((2024, "pass"), (2025, None)),
                         "party": ("joint", 2, "")}),
    ("南充市顺庆区老年人协会", "social_group", "social_service", "511302", "approved",
     date(2017, 9, 9), {"abnormal": "missed_report", "party": ("none", 1, "王平"),
                        "reports": ((2023, "basic"),)}),
    ("中城街道和谐邻里互助会", "community", "community_service", "511302001", "approved",
     date(2022, 4, 20), {"member_of": "南充市志愿服务联合会", "volunteer": True}),
    ("南充市顺庆区青少年成长服务中心", "social_service", "education", "511302", "submitted",
     None, {}),
    ("南充市顺庆区书法家协会", "social_group", "culture", "511302", "returned", None,
     {"comment": "章程草案缺少会员大会议事规则，请补充后重新提交", "login": "orgdemo"}),
    ("南充市顺庆区健康养老服务中心", "social_service", "health", "511302", "draft", None, {}),
    ("南充市顺庆区棋牌娱乐协会", "social_group", "sports", "511302", "rejected", None,
     {"comment": "业务范围含经营性娱乐活动，不符合社会团体登记条件"}),
    ("南充市高坪区农村专业技术协会", "social_group", "agriculture", "511303", "approved",
     date(2015, 11, 2), {"member_of": "南充市社会组织联合会", "grade": "2A",
                         "reports": ((2024, "fail"),), "party": ("single", 5, "")}),
    ("南充市高坪区乐龄社会工作服务中心", "social_service", "social_service", "511303",
     "submitted", None, {}),
    ("白塔街道邻里守望服务队", "community", "community_service", "511303001", "submitted",
     None, {}),
    ("南充市高坪区龙舟运动协会", "social_group", "sports", "511303", "deregistered",
     date(2014, 5, 30), {"comment": "会员大会决议解散，清算完毕"}),
    ("阆中市古城文化保护协会", "social_group", "culture", "511381", "approved",
     date(2019, 3, 1), {"grade": "2A", "member_of": "南充市社会组织联合会"}),
    ("南部县社区公益服务中心", "social_service", "charity", "511321", "approved",
     date(2021, 7, 7), {"party": ("none", 0, "刘强")}),
    ("保宁街道古城社区文艺队", "community", "culture", "511381001", "approved",
     date(2023, 2, 2), {}),
)
COUNTY_LOGINS = {"511302": "shunqing", "511303": "gaoping"}


def _official_for(region_code: str, users: dict) -> User:
    login = COUNTY_LOGINS.get(region_code[:6])
    return users[login] if login in users else users["city"]


def _create(row, serial: int, users: dict) -> Organization:
    name, org_type, category, region, status, issued, extra = row
    official = _official_for(region, users)
    party = extra.get("party", ("none", 0, ""))
    capital = extra.get("capital", 3_000_000 if org_type == "social_group" else 500_000)
    data = sample_data(
        name=name, org_type=org_type, category=category, region_code=region,
        legal_representative=("王建国", "李秀英", "陈志强", "刘芳")[serial % 4],
        business_scope=f"{name}章程规定的公益服务、行业交流和能力建设活动",
        address=f"{name[:6]}人民路 {10 + serial} 号", contact_name="赵敏",
        contact_phone=f"1380000{serial:04d}", registered_capital_fen=capital,
        founded_on=issued, is_volunteer_org=extra.get("volunteer", False),
        party_org_status=party[0], party_member_count=party[1], party_instructor=party[2],
    )
    actor = official
    if extra.get("login"):
        actor = _org_admin(extra["login"], users)
    audit.set_actor(actor)
    org = orgs.create_application(actor, data, submit=status != "draft")
    if status == "draft":
        return org
    audit.set_actor(official)
    if status in ("approved", "deregistered"):
        hand_in_documents(official, org)
    if status == "returned":
        orgs.return_application(official, org, extra["comment"])
    elif status == "rejected":
        orgs.reject(official, org, extra["comment"])
    elif status in ("approved", "deregistered"):
        code = make_uscc(org_type, region, 900 + serial) if org_type != "community" else None
        orgs.approve(official, org, "材料齐全，符合登记条件", uscc=code, certificate_date=issued)
        if status == "deregistered":
            orgs.deregister(official, org, extra["comment"])
    return org


# A one-page placeholder PDF for the demo's application documents.
DEMO_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
            b"trailer<</Root 1 0 R>>\n%%EOF\n")


def hand_in_documents(user: User, org: Organization) -> None:
    """Upload a placeholder for each document on the organization's checklist."""
    for item in documents.checklist(org):
        if not item["uploaded"]:
            documents.save_document(user, org, io.BytesIO(DEMO_PDF), f"{item['label']}.pdf",
                                    item["kind"])


def _org_admin(username: str, users: dict) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user, _ = accounts.create_user(username, DEMO_PASSWORD, ORG_ADMIN, "511300",
                                       "书法家协会 筹备组 孙老师", phone="13900000001")
    users[username] = user
    return user


def _records(org: Organization, row, users: dict) -> None:
    extra = row[6]
    official = _official_for(org.region_code, users)
    audit.set_actor(official)
    if extra.get("grade"):
        records.rate(official, org, extra["grade"], date(2023, 10, 1), "年度等级评估")
    for year, result in extra.get("reports", ()):
        report = records.file_annual_report(official, org, {
            "year": year, "income_fen": 12_345_600, "expenditure_fen": 11_000_000,
            "net_assets_fen": 5_000_000, "staff_count": 6,
            "activities": f"{year} 年开展公益服务活动 24 次，服务群众 1,200 人次"})
        if result:
            records.review_annual_report(official, report, result,
                                      "财务报表不完整" if result == "fail" else "")
    if extra.get("abnormal"):
        records.list_abnormal(official, org, extra["abnormal"], "未按期报送 2024 年度工作报告",
                           date(2025, 7, 1))


def seed(users: dict) -> list:
    """Create the demo organizations that are missing; returns the extra demo logins."""
    by_name = {}
    for serial, row in enumerate(DEMO_ORGS, start=1):
        org = db.session.scalar(select(Organization).where(Organization.name == row[0]))
        if org is None:
            org = _create(row, serial, users)
            if org.status == "approved":
                _records(org, row, users)
        by_name[row[0]] = org
    city = users["city"]
    audit.set_actor(city)
    for row in DEMO_ORGS:
        org, extra = by_name[row[0]], row[6]
        if extra.get("hub") and not org.is_hub:
            party_and_hubs.set_hub(city, org, True)
    for row in DEMO_ORGS:
        org, extra = by_name[row[0]], row[6]
        hub = by_name.get(extra.get("member_of", ""))
        if hub is not None and org.hub_id is None and org.status == "approved":
            party_and_hubs.add_hub_member(city, hub, org)
    audit.set_actor(None)
    db.session.flush()
    return [("orgdemo", DEMO_PASSWORD, "社会组织代表")]
