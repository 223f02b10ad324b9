"""Command-line tasks for activities and the points ledger: `flask ledger-check`."""

import sys

import click
from sqlalchemy import func, select

from registry.extensions import db


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
