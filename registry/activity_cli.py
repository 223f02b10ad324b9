"""Command-line tasks for activities and the points ledger: `flask ledger-check`,
`flask seed-ledger` (a large synthetic ledger for benchmarks) and `seed_activities` (used by
`flask seed-bulk --activities N`)."""

import random
import secrets
import sys
import time
from collections import Counter
from datetime import date, timedelta

import click
from sqlalchemy import func, insert, select

from registry.extensions import db

BENCH_VOLUNTEER = "bench-volunteer"
BENCH_PASSWORD = "Bench#Passw0rd"
TITLES = ("敬老院陪伴与助餐", "垃圾分类入户宣传", "嘉陵江岸线清洁", "社区义诊", "儿童课业辅导",
          "文明交通劝导", "消防安全宣传", "图书馆整理图书", "防诈骗宣传", "独居老人探访")
CATEGORIES = ("elderly", "civility", "environment", "health", "education", "civility",
              "emergency", "education", "legal", "elderly")
BATCH = 5000


def seed_activities(count: int, seed: int = 20261124) -> str:
    """Add count synthetic activities spread over the existing stations (batched inserts)."""
    from registry import township_stats
    from registry.activity_models import Activity
    from registry.clock import to_local, utcnow
    from registry.models import Station

    stations = db.session.execute(select(Station.id, Station.township_code)).all()
    if not stations:
        return "没有志愿服务站，未生成活动"
    rng = random.Random(seed)
    started = time.monotonic()
    now = utcnow()
    counted: Counter = Counter()
    rows = []
    for n in range(count):
        station_id, township = stations[rng.randrange(len(stations))]
        kind = rng.randrange(len(TITLES))
        starts = (now + timedelta(days=rng.randint(-365, 60), hours=rng.randint(0, 10))).replace(
            minute=0, second=0, microsecond=0)
        ends = starts + timedelta(hours=rng.randint(1, 4))
        status = "closed" if ends < now else "published"
        if rng.random() < 0.03:
            status = "draft"
        rows.append({"station_id": station_id, "township_code": township,
                     "title": f"{TITLES[kind]}（第{n + 1}期）", "content": "批量生成的演示活动",
                     "address": "服务站", "category": CATEGORIES[kind], "starts_at": starts,
                     "ends_at": ends, "capacity": rng.randint(5, 50),
                     "points_per_hour": rng.choice((0, 5, 10, 12, 20)), "status": status,
                     "created_at": now})
        if status != "draft":
            counted[township, to_local(starts).year] += 1
        if len(rows) >= BATCH:
            db.session.execute(insert(Activity), rows)
            rows = []
    if rows:
        db.session.execute(insert(Activity), rows)
    for (township, year), number in counted.items():
        township_stats.bump(township, year, activities=number)
    seconds = time.monotonic() - started
    return f"新增 {count:,} 个活动，用时 {seconds:.1f} 秒"


def _bench_volunteer():
    """The bench volunteer and their login (created if missing)."""
    from stdnum.cn import ric

    from registry import accounts
    from registry.crypto import encrypt, lookup_hash
    from registry.masking import mask_id_number
    from registry.models import Station, User, Volunteer

    user = db.session.scalar(select(User).where(User.username == BENCH_VOLUNTEER))
    township = db.session.scalar(select(Station.township_code).order_by(Station.id).limit(1))
    township = township or "511302001"
    if user is None:
        user, _ = accounts.create_user(BENCH_VOLUNTEER, BENCH_PASSWORD, "volunteer", township,
                                       "压测志愿者")
    volunteer = db.session.scalar(select(Volunteer).where(Volunteer.user_id == user.id))
    if volunteer is None:
        body = "51130219900101" + "998"
        number = body + ric.calc_check_digit(body + "0")
        volunteer = Volunteer(
            user_id=user.id, volunteer_no="BENCH0000001", name="压测志愿者",
            id_number_encrypted=encrypt(number), id_number_hash=lookup_hash(number),
            id_number_masked=mask_id_number(number), gender="M", birth_date=date(1990, 1, 1),
            phone="19900000000", township_code=township, status="active")
        db.session.add(volunteer)
        db.session.flush()
    return volunteer


def _bulk_entries(volunteer_id: int, township: str, count: int, start_balance: int,
                  tag: str) -> tuple[int, int]:
    """Insert count earn entries for one volunteer; returns (balance, earned added)."""
    from registry.clock import utcnow
    from registry.ledger import PointsLedgerEntry

    balance, earned, rows = start_balance, 0, []
    now = utcnow()
    for n in range(count):
        points = 5 + n % 20
        balance += points
        earned += points
        rows.append({"volunteer_id": volunteer_id, "township_code": township, "kind": "earn",
                     "points": points, "balance_after": balance, "memo": "批量生成的服务积分",
                     "ref": f"bench:{tag}:{volunteer_id}:{n}", "created_at": now})
        if len(rows) >= BATCH:
            db.session.execute(insert(PointsLedgerEntry), rows)
            rows = []
    if rows:
        db.session.execute(insert(PointsLedgerEntry), rows)
    return balance, earned


def _set_balance(volunteer_id: int, balance: int, earned: int) -> None:
    from registry.clock import utcnow
    from registry.ledger import PointsBalance

    row = db.session.get(PointsBalance, volunteer_id)
    if row is None:
        db.session.execute(insert(PointsBalance).values(
            volunteer_id=volunteer_id, balance=balance, earned=earned, spent=0, expired=0,
            updated_at=utcnow()))
    else:
        db.session.execute(PointsBalance.__table__.update().where(
            PointsBalance.__table__.c.volunteer_id == volunteer_id).values(
            balance=PointsBalance.__table__.c.balance + (balance - row.balance),
            earned=PointsBalance.__table__.c.earned + earned))
        db.session.expire(row)


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("ledger-check")
    @click.option("--limit", default=50, show_default=True, help="最多列出多少个不一致的账户")
    def ledger_check_command(limit: int):
        """Prove every points balance equals the sum of its ledger entries; exit 1 if not."""
        from registry.ledger import PointsBalance, PointsLedgerEntry, mismatches

        bad = 0
        for volunteer_id, stored, summed in mismatches():
            bad += 1
            if bad <= limit:
                names = ("余额", "累计获得", "已使用", "已过期")
                shown = "无余额记录" if stored is None else "，".join(
                    f"{n} {v}" for n, v in zip(names, stored, strict=True))
                sums = "，".join(f"{n} {v}" for n, v in zip(names, summed, strict=True))
                click.echo(f"✗ 志愿者 {volunteer_id}：余额表（{shown}）≠ 流水合计（{sums}）",
                           err=True)
        accounts = db.session.scalar(select(func.count()).select_from(PointsBalance))
        entries = db.session.scalar(select(func.count()).select_from(PointsLedgerEntry))
        if bad:
            click.echo(f"错误：积分账不平：{bad} 个账户不一致（共 {accounts} 个账户，"
                       f"{entries} 条流水）", err=True)
            sys.exit(1)
        click.echo(f"积分账一致：{accounts} 个账户的余额均等于其流水合计（共 {entries} 条流水）")

    @app.cli.command("idempotency-purge")
    @click.option("--days", type=click.IntRange(1, 3650), default=7, show_default=True)
    def idempotency_purge_command(days: int):
        """Delete Idempotency-Key records older than --days."""
        from registry.idempotency import purge

        removed = purge(days)
        db.session.commit()
        click.echo(f"已删除 {removed} 条 {days} 天前的 Idempotency-Key 记录")

    @app.cli.command("seed-ledger")
    @click.option("--entries", type=click.IntRange(0, 10_000_000), default=100_000,
                  show_default=True, help="压测志愿者（bench-volunteer）自己的流水条数")
    @click.option("--others", type=click.IntRange(0, 50_000_000), default=1_000_000,
                  show_default=True, help="分给其他已有志愿者的流水总条数")
    def seed_ledger_command(entries: int, others: int):
        """A large synthetic points ledger for benchmarks (balances kept equal to the sums)."""
        from registry.ledger import PointsLedgerEntry
        from registry.models import Volunteer

        def current_sum(volunteer_id: int) -> int:
            return int(db.session.scalar(select(func.coalesce(func.sum(
                PointsLedgerEntry.points), 0)).where(
                PointsLedgerEntry.volunteer_id == volunteer_id)) or 0)

        started = time.monotonic()
        volunteer = _bench_volunteer()
        tag = secrets.token_hex(4)
        new_balance, earned = _bulk_entries(volunteer.id, volunteer.township_code, entries,
                                            current_sum(volunteer.id), tag)
        _set_balance(volunteer.id, new_balance, earned)
        db.session.commit()
        ids = db.session.execute(select(Volunteer.id, Volunteer.township_code)
                                 .where(Volunteer.id != volunteer.id)
                                 .order_by(Volunteer.id).limit(max(others // 100, 1))).all()
        done = 0
        if ids and others:
            per = max(others // len(ids), 1)
            for vid, township in ids:
                if done >= others:
                    break
                count = min(per, others - done)
                new_balance, earned = _bulk_entries(vid, township, count, current_sum(vid), tag)
                _set_balance(vid, new_balance, earned)
                done += count
                if done % 100_000 < count:
                    db.session.commit()
                    click.echo(f"  … {done:,} / {others:,}")
        db.session.commit()
        seconds = time.monotonic() - started
        click.echo(f"积分流水：{BENCH_VOLUNTEER} 新增 {entries:,} 条，其他 {len(ids):,} 名志愿者"
                   f"共 {done:,} 条，用时 {seconds:.1f} 秒。登录：{BENCH_VOLUNTEER} / "
                   f"{BENCH_PASSWORD}")
