"""Command-line tasks: create-user's checks and seed-demo's idempotency."""

import pytest
from sqlalchemy import func, select

from registry.extensions import db


@pytest.mark.parametrize(
    "args, message",
    [
        (["--role", "mayor", "--region", "511302"], "未知角色"),
        (["--role", "county_official", "--region", "999999"], "行政区划代码不存在"),
        (["--role", "county_official", "--region", "511302001"], "县（市、区）级"),
        (["--role", "county_official", "--region", "511302", "--password", "weak"], "至少 10"),
    ],
)
def test_create_user_refuses_bad_input(app, args, message):
    base = {"--username": "cliuser", "--password": "Strong#Pass2026", "--display-name": "命令行"}
    for i in range(0, len(args), 2):
        base[args[i]] = args[i + 1]
    flat = [item for pair in base.items() for item in pair]
    result = app.test_cli_runner().invoke(args=["create-user", *flat])
    assert result.exit_code == 1 and message in result.output


def test_create_user_and_taken_username(app):
    args = ["create-user", "--username", "cliuser", "--password", "Strong#Pass2026", "--role",
            "county_official", "--region", "511302", "--display-name", "命令行"]
    runner = app.test_cli_runner()
    first = runner.invoke(args=args)
    assert first.exit_code == 0 and "已创建" in first.output
    second = runner.invoke(args=args)
    assert second.exit_code == 1 and "已被使用" in second.output


def _row_counts() -> dict:
    return {name: db.session.scalar(select(func.count()).select_from(table))
            for name, table in db.metadata.tables.items()}


def test_seed_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "shunqing" in first.output and "gaoping" in first.output
    with app.app_context():
        before = _row_counts()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert _row_counts() == before
    assert before["user"] >= 8


def test_demo_logins_work(app, browser):
    app.test_cli_runner().invoke(args=["seed-demo"])
    from registry.demo import DEMO_PASSWORD

    assert browser.login("gaoping", DEMO_PASSWORD).status_code == 302
    assert "高坪区" in browser.get("/").get_data(as_text=True)
