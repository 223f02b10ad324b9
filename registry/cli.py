"""The kernel's command-line tasks: regions, users, demo data, the audit chain, idempotency keys;
each area adds its own from its cli.py (registered from registry/areas.py)."""

import sys

import click
from flask import Flask, current_app
from sqlalchemy import func, select

from registry import accounts, audit_chain, lockout
from registry.demo import DEMO_PASSWORD, DEMO_USERS, seed_demo
from registry.errors import RegistryError
from registry.extensions import db
from registry.idempotency import purge
from registry.models import User
from registry.regions import load_regions


def fail(message: str) -> None:
    click.echo(f"错误：{message}", err=True)
    sys.exit(1)


def register_cli(app: Flask) -> None:
    @app.cli.command("load-regions")
    def load_regions_command():
        """Load Nanchong's city, counties and townships (idempotent)."""
        added, updated = load_regions()
        db.session.commit()
        click.echo(f"行政区划：新增 {added} 条，更新 {updated} 条")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--password", required=True)
    @click.option("--role", required=True)
    @click.option("--region", "region_code", required=True)
    @click.option("--display-name", required=True)
    def create_user_command(username, password, role, region_code, display_name):
        """Create an account with a final password."""
        try:
            user, _ = accounts.create_user(username, password, role, region_code, display_name)
            db.session.commit()
        except RegistryError as error:
            db.session.rollback()
            fail(error.message)
        click.echo(f"已创建用户 {user.username}（{accounts.ROLE_LABELS[user.role]}）")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Load demo data if missing (a second run changes nothing) and print the logins."""
        if current_app.config["ENV_NAME"] == "production":
            fail("生产配置不加载演示数据")
        load_regions()
        logins = seed_demo()
        db.session.commit()
        print_logins(logins)

    @app.cli.command("demo-logins")
    def demo_logins_command():
        """Print the demo logins."""
        print_logins([(u, DEMO_PASSWORD, accounts.ROLE_LABELS[r]) for u, r, _, _ in DEMO_USERS])

    @app.cli.command("audit-verify")
    @click.option("--batch", type=click.IntRange(100, 100_000), default=5000, show_default=True)
    def audit_verify_command(batch: int):
        """Check the audit log's keyed hash chain in id order; exit 1 at the first bad row."""
        report = audit_chain.verify(batch)
        db.session.rollback()
        if not report.ok:
            click.echo(f"✗ {report.problem}", err=True)
            fail(f"审计日志校验失败：第一处问题在第 {report.bad_id} 条"
                 f"（之前已核对 {report.rows} 条）")
        click.echo(f"审计日志完整：共 {report.rows} 条，哈希链无断点；"
                   f"链尾第 {report.last_id} 条，哈希 {report.last_hash}")

    @app.cli.command("audit-rekey")
    @click.option("--old-key", envvar="REGISTRY_OLD_AUDIT_KEY", default=None,
                  help="The previous AUDIT_KEY (rotation); without it, rows made before the "
                       "chain was keyed (plain SHA-256) are re-keyed.")
    def audit_rekey_command(old_key: str | None):
        """Re-hash the whole chain with the current AUDIT_KEY after checking the old chain."""
        try:
            count = audit_chain.rekey(old_key.encode() if old_key else None)
            db.session.commit()
        except ValueError as error:
            db.session.rollback()
            fail(str(error))
        click.echo(f"已用当前审计密钥重新计算 {count} 条记录的哈希链")

    @app.cli.command("is-empty")
    def is_empty_command():
        """Exit 0 if the database has no users yet (make run then loads the demo)."""
        sys.exit(0 if db.session.scalar(select(func.count()).select_from(User)) == 0 else 1)

    @app.cli.command("idempotency-purge")
    @click.option("--days", type=click.IntRange(1, 3650), default=7, show_default=True)
    def idempotency_purge_command(days: int):
        """Delete Idempotency-Key records older than --days."""
        removed = purge(days)
        db.session.commit()
        click.echo(f"已删除 {removed} 条 {days} 天前的 Idempotency-Key 记录")

    @app.cli.command("login-failures-purge")
    def login_failures_purge_command():
        """Forget the failure counters of unknown login names once their window and lock end."""
        removed = lockout.purge_unknown_names()
        db.session.commit()
        click.echo(f"已删除 {removed} 条过期的未知登录名失败计数")


def print_logins(logins) -> None:
    click.echo("")
    click.echo("演示账号（demo logins）:")
    for login, password, label in logins:
        # Volunteers sign in with their mobile number; their username never holds it.
        kind = "手机号" if login.isdigit() else "用户名"
        click.echo(f"  {str(label):<12}  {kind} {login:<16} 密码 {password}")
    click.echo("")
