"""Command-line tasks for the points ledger: `flask ledger-check` (every balance equals the sum
of its entries) and `flask seed-ledger` (a large synthetic ledger for benchmarks)."""

import secrets
import sys
import time

import click
from sqlalchemy import func, select

from registry.extensions import db
from registry.points.bulk import (
    BENCH_PASSWORD,
    BENCH_VOLUNTEER,
    bench_volunteer,
    bulk_entries,
    set_balance,
)
from registry.points.models import PointsBalance, PointsLedgerEntry
from registry.points.operations import mismatches
from registry.volunteers.models import Volunteer


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("ledger-check")
    @click.option("--limit", default=50, show_default=True, help="最多列出多少个不一致的账户")
    def ledger_check_command(limit: int):
        """Prove every points balance equals the sum of its ledger entries; exit 1 if not."""
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

    @app.cli.command("seed-ledger")
    @click.option("--entries", type=click.IntRange(0, 10_000_000), default=100_000,
                  show_default=True, help="压测志愿者（bench-volunteer）自己的流水条数")
    @click.option("--others", type=click.IntRange(0, 50_000_000), default=1_000_000,
                  show_default=True, help="分给其他已有志愿者的流水总条数")
    def seed_ledger_command(entries: int, others: int):
        """A large synthetic points ledger for benchmarks (balances kept equal to the sums)."""
        def current_sum(volunteer_id: int) -> int:
            return int(db.session.scalar(select(func.coalesce(func.sum(
                PointsLedgerEntry.points), 0)).where(
                PointsLedgerEntry.volunteer_id == volunteer_id)) or 0)

        started = time.monotonic()
        volunteer = bench_volunteer()
        tag = secrets.token_hex(4)
        new_balance, earned = bulk_entries(volunteer.id, volunteer.township_code, entries,
                                            current_sum(volunteer.id), tag)
        set_balance(volunteer.id, new_balance, earned)
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
                new_balance, earned = bulk_entries(vid, township, count, current_sum(vid), tag)
                set_balance(vid, new_balance, earned)
                done += count
                if done % 100_000 < count:
                    db.session.commit()
                    click.echo(f"  … {done:,} / {others:,}")
        db.session.commit()
        seconds = time.monotonic() - started
        click.echo(f"积分流水：{BENCH_VOLUNTEER} 新增 {entries:,} 条，其他 {len(ids):,} 名志愿者"
                   f"共 {done:,} 条，用时 {seconds:.1f} 秒。登录：{BENCH_VOLUNTEER} / "
                   f"{BENCH_PASSWORD}")
