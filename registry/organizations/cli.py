"""Command-line tasks for organizations: `flask seed-orgs --count N` bulk-inserts realistic
synthetic organizations (for benchmarks and load tests) in batches, bypassing the ORM."""

import random
import time
from datetime import date, timedelta

import click
from sqlalchemy import func, insert, select

from registry import audit
from registry.clock import utcnow
from registry.extensions import db
from registry.models import Region
from registry.organizations.demo import make_uscc
from registry.organizations.models import Organization
from registry.organizations.records import rating_opens

PREFIXES = ("阳光", "春晖", "和美", "同心", "启航", "暖阳", "嘉和", "仁爱", "德润", "善行",
            "微光", "众益", "乐龄", "惠民", "晨曦", "安康")
THEMES = (  # (name ending, type, category)
    ("社会工作服务中心", "social_service", "social_service"),
    ("养老服务中心", "social_service", "social_service"),
    ("青少年成长服务中心", "social_service", "education"),
    ("残疾人康复服务中心", "social_service", "health"),
    ("志愿者协会", "social_group", "social_service"),
    ("老年人协会", "social_group", "social_service"),
    ("书法家协会", "social_group", "culture"),
    ("摄影家协会", "social_group", "culture"),
    ("体育舞蹈协会", "social_group", "sports"),
    ("农村专业技术协会", "social_group", "agriculture"),
    ("餐饮行业商会", "social_group", "business"),
    ("慈善基金会", "foundation", "charity"),
    ("教育发展基金会", "foundation", "education"),
)
COMMUNITY_THEMES = (("邻里互助会", "community_service"), ("文艺队", "culture"),
                    ("巡逻队", "community_service"), ("读书会", "culture"),
                    ("志愿服务队", "social_service"))
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林"
GIVEN = ("建国", "秀英", "志强", "芳", "明", "丽", "伟", "敏", "静", "军", "洋", "勇", "艳", "杰")
STATUS_WEIGHTS = (("approved", 80), ("submitted", 8), ("returned", 4), ("draft", 4),
                  ("rejected", 2), ("deregistered", 2))
PARTY_WEIGHTS = (("single", 25), ("joint", 35), ("none", 40))
GRADE_WEIGHTS = ((None, 70), ("5A", 2), ("4A", 6), ("3A", 12), ("2A", 6), ("1A", 4))


def _pick(rng: random.Random, weighted):
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def synthetic_rows(count: int, start: int, regions: list[Region], seed: int = 1) -> list[dict]:
    """count organization rows (dicts for a Core insert), spread over the counties and
    townships, every status, valid and unique USCCs."""
    rng = random.Random(seed + start)
    counties = [r for r in regions if r.level in ("city", "county")]
    townships = [r for r in regions if r.level == "township"]
    names = {r.code: r.name for r in regions}
    now, today = utcnow(), date.today()
    rows = []
    for i in range(count):
        serial = start + i
        community = rng.random() < 0.15
        if community:
            region = rng.choice(townships)
            theme, category = rng.choice(COMMUNITY_THEMES)
            org_type = "community"
            name = f"{region.name}{rng.choice(PREFIXES)}{theme}{serial}号"
            authority = region.county_code
        else:
            region = rng.choice(counties)
            theme, org_type, category = rng.choice(THEMES)
            place = "南充市" if region.level == "city" else (
                region.name if region.name.endswith("市") else f"南充市{region.name}")
            name = f"{place}{rng.choice(PREFIXES)}{theme}（{serial}）"
            authority = region.code
        status = _pick(rng, STATUS_WEIGHTS)
        registered = status in ("approved", "deregistered")
        issued = today - timedelta(days=rng.randint(30, 3650)) if registered else None
        grade = _pick(rng, GRADE_WEIGHTS) if status == "approved" else None
        rated = today - timedelta(days=rng.randint(0, 1500)) if grade else None
        if grade and (community or rated < rating_opens(issued)):  # as records.rate allows
            grade = rated = None
        party = _pick(rng, PARTY_WEIGHTS)
        rows.append({
            "name": name[:100], "org_type": org_type, "category": category,
            "registration_kind": "filing" if community else "registration",
            "uscc": make_uscc(org_type, region.code, serial) if registered and not community
            else None,
            "legal_representative": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "region_code": region.code, "authority_code": authority,
            "registration_authority": f"{names[authority]}民政局",
            "supervisory_unit": "", "business_scope": f"{theme}章程规定的公益服务和交流活动",
            "registered_capital_fen": 200_000_000 if org_type == "foundation"
            else rng.randint(30, 500) * 100_000,
            "address": f"{region.name}人民路 {rng.randint(1, 300)} 号",
            "contact_name": rng.choice(SURNAMES) + rng.choice(GIVEN),
            "contact_phone": f"13{rng.randint(0, 9)}{rng.randint(0, 99_999_999):08d}",
            "founded_on": issued, "certificate_date": issued, "status": status,
            "grade": grade, "grade_valid_until": rated.replace(year=rated.year + 5)
            if rated and not (rated.month == 2 and rated.day == 29) else None,
            "is_hub": False, "hub_id": None, "is_volunteer_org": rng.random() < 0.1,
            "party_org_status": party,
            "party_member_count": rng.randint(3, 30) if party == "single"
            else rng.randint(0, 2) if party == "joint" else 0,
            "party_instructor": rng.choice(SURNAMES) + rng.choice(GIVEN)
            if party == "none" and rng.random() < 0.5 else "",
            "abnormal_listed": status == "approved" and rng.random() < 0.03,
            "created_by_id": None, "created_at": now, "updated_at": now,
            "submitted_at": None if status == "draft" else now,
            "approved_at": now if registered else None,
            "deregistered_at": now if status == "deregistered" else None,
        })
    return rows


def seed_orgs(count: int, batch: int = 2000) -> int:
    """Insert count synthetic organizations; returns how many were inserted."""
    regions = list(db.session.scalars(select(Region)))
    if not regions:
        raise click.ClickException("请先运行 flask load-regions 加载行政区划")
    start = 200_000 + (db.session.scalar(select(func.max(Organization.id))) or 0)
    if start + count > 999_999:
        raise click.ClickException("合成组织编号超出范围（最多约 80 万个）")
    done = 0
    while done < count:
        size = min(batch, count - done)
        db.session.execute(insert(Organization), synthetic_rows(size, start + done, regions))
        done += size
    audit.record("seed", object_type="Organization", comment=f"批量生成合成组织 {count} 个")
    return done


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("seed-orgs")
    @click.option("--count", default=10_000, show_default=True, type=click.IntRange(1, 500_000),
                  help="how many synthetic organizations to insert")
    def seed_orgs_command(count):
        """Bulk-insert realistic synthetic organizations (benchmarks, load tests)."""
        began = time.perf_counter()
        inserted = seed_orgs(count)
        db.session.commit()
        seconds = time.perf_counter() - began
        click.echo(f"已生成合成社会组织 {inserted} 个，用时 {seconds:.1f} 秒")
