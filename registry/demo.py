"""Demo data for trying the app: accounts in two counties, then each area's own demo rows."""

from flask import current_app
from sqlalchemy import select

from registry import accounts
from registry.extensions import db
from registry.models import User

DEMO_PASSWORD = "Nanchong#2026"
DEMO_USERS = (
    # username, role, region, display name
    ("sysadmin", "system_admin", "511300", "系统管理员"),
    ("secadmin", "security_admin", "511300", "安全管理员"),
    ("auditor", "auditor", "511300", "安全审计员"),
    ("city", "city_official", "511300", "市民政局 王科长"),
    ("shunqing", "county_official", "511302", "顺庆区民政局 李干事"),
    ("gaoping", "county_official", "511303", "高坪区民政局 赵干事"),
    ("zhongcheng", "station_admin", "511302001", "中城街道志愿服务站 陈站长"),
    ("beicheng", "station_admin", "511302002", "北城街道志愿服务站 刘站长"),
    ("baita", "station_admin", "511303001", "白塔街道志愿服务站 周站长"),
)


def seed_demo() -> list[tuple[str, str, str]]:
    """Create what is missing (a second run changes nothing); returns the demo logins."""
    users = {}
    for username, role, region, name in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user, _ = accounts.create_user(username, DEMO_PASSWORD, role, region, name)
        users[username] = user
    logins = [(u, DEMO_PASSWORD, accounts.ROLE_LABELS[r]) for u, r, _, _ in DEMO_USERS]
    # Each area's demo seed, in the order of registry/areas.py (create_app puts them here).
    for seed in current_app.extensions["registry_demo_seeds"]:
        logins += seed(users) or []
    db.session.flush()
    return logins

