"""Command-line tasks for the points ledger: `flask ledger-check` (every balance equals the sum
of its entries) and `flask seed-ledger` (a large synthetic ledger for benchmarks)."""

import secrets
import sys
import time

import click
from sqlalchemy import func, select

from registry import audit
from registry.extensions import db
from registry.points import earned_months, month_stats
from registry.points.bulk import (
    BENCH_PASSWORD,
    BENCH_VOLUNTEER,
    add_to_balances,
    add_to_month_stats,
    bench_volunteer,
    counted_by_month,
    current_sums,
    entry_rows,
    insert_plan_postgresql,
    write_entries,
)
from registry.points.ledger import HOUSEHOLDS, VOLUNTEERS, earning_kinds
from registry.points.operations import mismatches
from registry.volunteers.models import Volunteer


def register(app) -> None:
    """Add the area's commands to app.cli."""

    @app.cli.command("ledger-check")
    @click.option("--limit", default=50, show_default=True, help="最多列出多少个不一致的账户")
    def ledger_check_command(limit: int):
        """Prove every points balance (volunteers' and households' pools) equals the sum of its
        ledger entries, and the monthly summary the entries of each month; exit 1 if not."""
        bad = 0
        for book, who in ((VOLUNTEERS, "志愿者"), (HOUSEHOLDS, "家庭户")):
            for owner_id, stored, summed in mismatches(book=book):
                bad += 1
                if bad <= limit:
                    names = ("余额", "累计获得", "已使用", "已过期")
                    shown = "无余额记录" if stored is None else "，".join(
                        f"{n} {v}" for n, v in zip(names, stored, strict=True))
                    sums = "，".join(f"{n} {v}" for n, v in zip(names, summed, strict=True))
                    click.echo(f"✗ {who} {owner_id}：余额表（{shown}）≠ 流水合计（{sums}）",
                               err=True)
        for township, month, stored, summed in month_stats.mismatches():
            bad += 1
            if bad <= limit:
                click.echo(f"✗ 月度汇总 {township} {month}：汇总表（发放、兑换、过期）{stored} ≠ "
                           f"流水合计 {summed}", err=True)
        for owner_id, month, stored, summed in earned_months.mismatches(
                earning_kinds(VOLUNTEERS)):
            bad += 1
            if bad <= limit:
                click.echo(f"✗ 志愿者 {owner_id} {month} 月获得积分：汇总表 {stored} ≠ "
                           f"流水合计 {summed}", err=True)
        accounts = sum(db.session.scalar(select(func.count()).select_from(book.balance))
                       for book in (VOLUNTEERS, HOUSEHOLDS))
        entries = sum(db.session.scalar(select(func.count()).select_from(book.entry))
                      for book in (VOLUNTEERS, HOUSEHOLDS))
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
        """A large synthetic points ledger for benchmarks (balances kept equal to the sums):
        one INSERT … SELECT on PostgreSQL, then every touched balance updated in batches."""
        started = time.monotonic()
        volunteer = bench_volunteer()
        ids = db.session.execute(select(Volunteer.id, Volunteer.township_code)
                                 .where(Volunteer.id != volunteer.id)
                                 .order_by(Volunteer.id).limit(max(others // 100, 1))).all()
        plan = [(volunteer.id, volunteer.township_code, entries)] if entries else []
        if ids and others:
            per, extra = divmod(others, len(ids))
            plan += [(vid, township, per + (1 if n < extra else 0))
                     for n, (vid, township) in enumerate(ids) if per or n < extra]
        totals: dict[int, int] = {}
        sums = current_sums([vid for vid, _, _ in plan])
        tag = secrets.token_hex(4)
        if db.session.get_bind().dialect.name == "postgresql":
            written = insert_plan_postgresql(plan, sums, tag, totals)
        else:
            tally: dict = {}
            written = write_entries(counted_by_month(entry_rows(plan, sums, tag, totals), tally),
                                    sum(count for _, _, count in plan))
            add_to_month_stats(tally)
            earned_months.rebuild(earning_kinds(VOLUNTEERS))  # SQLite: small loads
        add_to_balances(totals)
        audit.record("seed_ledger", object_type="PointsLedgerEntry",
                     comment=f"批量生成积分流水 {written} 条")
        db.session.commit()
        seconds = time.monotonic() - started
        others_count = len(plan) - bool(entries)
        click.echo(f"积分流水：{BENCH_VOLUNTEER} 新增 {entries:,} 条，其他 {others_count:,} 名"
                   f"志愿者共 {written - entries:,} 条，用时 {seconds:.1f} 秒"
                   f"（{written / max(seconds, 1e-9):,.0f} 行/秒）。登录：{BENCH_VOLUNTEER} / "
                   f"{BENCH_PASSWORD}")
