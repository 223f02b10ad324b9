"""Accounts: creating users, passwords, login with lockout, API tokens, ending sessions."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from registry import audit
from registry.clock import utcnow
from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.models import (
    ROLE_REGION_LEVEL,
    ROLES,
    STAFF_ROLES,
    VOLUNTEER,
    ApiToken,
    Region,
    User,
)
from registry.validators import check_password, check_text


def N_(text: str) -> str:  # noqa: N802 - the usual gettext marker name
    """Mark a text for extraction; it is translated where it is shown."""
    return text


ROLE_LABELS = {
    "system_admin": N_("系统管理员"),
    "auditor": N_("审计员"),
    "city_official": N_("市级民政干部"),
    "county_official": N_("县级民政干部"),
    "station_admin": N_("志愿服务站管理员"),
    "org_admin": N_("社会组织代表"),
    "volunteer": N_("志愿者"),
}
# A dummy hash so an unknown login costs the same time as a wrong password.
_DUMMY_HASH = None


class LoginFailed(ValidationFailed):
    """Wrong login or password, or a locked or disabled account."""

    status = 401
    code = "unauthorized"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Give user a new password (checked against the policy) and end their other sessions."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Invalidate every web session and API token the user holds."""
    user.session_version = (user.session_version or 1) + 1
    if user.id:
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


def check_region_for_role(role: str, region_code: str, field: str = "region_code") -> Region:
    """The region must exist and sit at the level the role works at."""
    if role not in ROLES:
        raise ValidationFailed(f"未知角色：{role}（可选：{', '.join(ROLES)}）", "role")
    region = db.session.get(Region, (region_code or "").strip())
    if region is None:
        raise ValidationFailed(f"行政区划代码不存在：{region_code}", field)
    level = ROLE_REGION_LEVEL.get(role)
    if level and region.level != level:
        labels = {"city": "市", "county": "县（市、区）", "township": "乡镇（街道）"}
        raise ValidationFailed(f"{ROLE_LABELS[role]}的所属区划必须是{labels[level]}级", field)
    return region


def create_user(username: str, password: str | None, role: str, region_code: str,
                display_name: str, *, phone: str | None = None,
                temporary: bool = False) -> tuple[User, str]:
    """Create an account; without a password a temporary one is made. Returns (user, password)."""
    username = check_text(username, "username", "用户名", max_length=64)
    if not all(c.isalnum() or c in "._-" for c in username) or not username.isascii():
        raise ValidationFailed("用户名只能包含字母、数字和 . _ -", "username")
    display_name = check_text(display_name, "display_name", "姓名", max_length=64)
    check_region_for_role(role, region_code)
    check_username_free(username)
    if password is None:
        password = temporary_password()
        temporary = True
    user = User(username=username, role=role, region_code=region_code, display_name=display_name,
                phone=phone)
    check_password(password, username)
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    db.session.add(user)
    db.session.flush()
    return user, password


def check_username_free(username: str, own_id: int | None = None) -> None:
    """A username belongs to one account."""
    stmt = select(User.id).where(User.username == username)
    if own_id:
        stmt = stmt.where(User.id != own_id)
    if db.session.scalar(stmt):
        raise ValidationFailed(f"用户名 {username} 已被使用", "username")


def temporary_password() -> str:
    """A random password that meets the policy, for a first login."""
    return "Tmp-" + secrets.token_urlsafe(9) + "7a"


def find_by_login(login: str) -> User | None:
    """The user whose username, or whose mobile number for a volunteer, is login."""
    login = (login or "").strip()
    if not login or len(login) > 64:
        return None
    stmt = select(User).where(
        or_(User.username == login, (User.phone == login) & (User.role == VOLUNTEER))
    )
    return db.session.execute(stmt.limit(1)).scalar_one_or_none()


def authenticate(login: str, password: str) -> User:
    """The user for these credentials, counting failures toward the lockout."""
    config = current_app.config
    user = find_by_login(login)
    now = utcnow()
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        raise LoginFailed("用户名或密码错误")
    if user.locked_until and user.locked_until > now:
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise LoginFailed(f"登录失败次数过多，账号已锁定，请 {minutes} 分钟后再试")
    if not check_password_hash(user.password_hash, password or ""):
        if not user.failed_window_start or now - user.failed_window_start > config[
            "LOCKOUT_WINDOW"
        ]:
            user.failed_window_start = now
            user.failed_logins = 0
        user.failed_logins += 1
        if user.failed_logins >= config["LOCKOUT_FAILURES"]:
            user.locked_until = now + config["LOCKOUT_DURATION"]
            user.failed_logins = 0
            user.failed_window_start = None
            end_sessions(user)
            audit.record("lock", user, comment="连续登录失败，账号锁定")
            db.session.commit()
            raise LoginFailed("登录失败次数过多，账号已锁定 30 分钟")
        audit.record("login_failed", user)
        db.session.commit()
        left = config["LOCKOUT_FAILURES"] - user.failed_logins
        raise LoginFailed(f"用户名或密码错误（再错 {left} 次将锁定账号）")
    if not user.active:
        raise LoginFailed("账号已停用，请联系管理员")
    user.failed_logins = 0
    user.failed_window_start = None
    user.locked_until = None
    return user


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def password_expired(user: User) -> bool:
    """Staff passwords expire after PASSWORD_MAX_AGE_DAYS days."""
    if user.role not in STAFF_ROLES:
        return False
    max_age = timedelta(days=current_app.config["PASSWORD_MAX_AGE_DAYS"])
    return utcnow() - user.password_changed_at > max_age


def change_own_password(user: User, current: str, new: str, confirm: str) -> None:
    """A user changes their own password after proving the current one."""
    if not check_password_hash(user.password_hash, current or ""):
        raise ValidationFailed("当前密码不正确", "current_password")
    if new != confirm:
        raise ValidationFailed("两次输入的新密码不一致", "confirm")
    if check_password_hash(user.password_hash, new or ""):
        raise ValidationFailed("新密码不能与当前密码相同", "new_password")
    set_password(user, new)
    audit.record("password_change", user)


def issue_token(user: User) -> tuple[str, ApiToken]:
    """A new random API token; only its hash is stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        token_hash=token_hash(raw),
        session_version=user.session_version,
        expires_at=utcnow() + current_app.config["API_TOKEN_LIFETIME"],
    )
    db.session.add(token)
    return raw, token


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The user holding a live token, or None."""
    if not raw or len(raw) > 200:
        return None
    token = db.session.execute(
        select(ApiToken).where(ApiToken.token_hash == token_hash(raw))
    ).scalar_one_or_none()
    if token is None or token.revoked_at or token.expires_at <= utcnow():
        return None
    user = token.user
    if not user.active or token.session_version != user.session_version:
        return None
    if user.locked_until and user.locked_until > utcnow():
        return None
    return user, token


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise NotAllowed("没有权限执行此操作")
