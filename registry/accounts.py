"""Accounts: creating users, login names, passwords, login with lockout, API tokens, ending
sessions, and who may open accounts and grant roles (三员分立: the system administrator opens,
disables and unlocks accounts; only the security administrator grants roles and regions; the
auditor reads the log)."""

import hashlib
import re
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from registry import audit, lockout, privacy, scoping
from registry.clock import utcnow
from registry.errors import NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import (
    AUDITOR,
    COUNTY_OFFICIAL,
    ROLE_REGION_LEVEL,
    ROLES,
    SECURITY_ADMIN,
    STAFF_ROLES,
    STATION_ADMIN,
    SYSTEM_ADMIN,
    UNASSIGNED,
    VOLUNTEER,
    ApiToken,
    Region,
    User,
)
from registry.validators import check_password, check_text, normalize_phone

ROLE_LABELS = {
    "system_admin": _l("系统管理员"),
    "security_admin": _l("安全管理员"),
    "auditor": _l("审计员"),
    "city_official": _l("市级民政干部"),
    "county_official": _l("县级民政干部"),
    "station_admin": _l("志愿服务站管理员"),
    "org_admin": _l("社会组织代表"),
    "volunteer": _l("志愿者"),
    "unassigned": _l("未授权"),
}
# The roles the security administrator grants. Volunteers' and representatives' accounts come
# from their own flows (registration, sign-up) and are tied to their records there.
GRANTABLE_ROLES = (*STAFF_ROLES, UNASSIGNED)
# The shape of a volunteer number (volunteers/operations.py: V + township code + 8 digits):
# reserved for volunteers' usernames, which are their numbers.
VOLUNTEER_NO = re.compile(r"[Vv]\d{17}")
# An 18-character resident ID number (17 digits and a digit or X), whatever its birth date.
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
# Whose password each administrator may reset (he is shown it, so can log in as them): the
# system administrator neither the administrators' nor volunteers' and representatives' (they
# reach citizens' records; their own flows reset them); the security administrator resets the
# administrators' (never his own).
RESET_BY = {SYSTEM_ADMIN: frozenset(STAFF_ROLES) - {SYSTEM_ADMIN, SECURITY_ADMIN, AUDITOR}
            | {UNASSIGNED}, SECURITY_ADMIN: frozenset({SYSTEM_ADMIN, AUDITOR, SECURITY_ADMIN})}
# Whose password regional staff reset, only within their jurisdiction (there is no SMS here:
# a volunteer who forgot theirs goes to their station): a station admin the volunteers of the
# township; a county official the volunteers and station admins of the county. Never an
# official's or an administrator's (the system or security administrator does those, 三员分立),
# never their own; a city official resets none (the county and the township are nearer).
RESET_IN_REGION = {STATION_ADMIN: frozenset({VOLUNTEER}),
                   COUNTY_OFFICIAL: frozenset({VOLUNTEER, STATION_ADMIN})}
# A dummy hash so an unknown login costs the same time as a wrong password.
_DUMMY_HASH = None


class PasswordChangeRequired(NotAllowed):
    """The account must change its password before anything else (API answer 403)."""

    code = "password_change_required"


class LoginFailed(ValidationFailed):
    """Wrong login or password, or a locked or disabled account."""

    status = 401
    code = "unauthorized"


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def set_password(user: User, password: str, *, temporary: bool = False,
                 keep: ApiToken | None = None) -> None:
    """Give user a new password (checked against the policy) and end their other sessions."""
    check_password(password, user.username)
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    user.must_change_password = temporary
    end_sessions(user, keep)


def end_sessions(user: User, keep: ApiToken | None = None) -> None:
    """Invalidate every web session and API token the user holds (except the token `keep`,
    the one a change was made with, which moves on to the new session version)."""
    user.session_version = (user.session_version or 1) + 1
    if user.id:
        stmt = update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        if keep is not None:
            stmt = stmt.where(ApiToken.id != keep.id)
        db.session.execute(stmt.values(revoked_at=utcnow()))
    if keep is not None:
        keep.session_version = user.session_version


def check_region_for_role(role: str, region_code: str, field: str = "region_code") -> Region:
    """The region must exist and sit at the level the role works at."""
    if role not in ROLES:
        raise ValidationFailed(_("未知角色：%(role)s（可选：%(value3)s）",
                                 role=role,
                                 value3=', '.join(ROLES)), "role")
    region = db.session.get(Region, (region_code or "").strip())
    if region is None:
        raise ValidationFailed(_("行政区划代码不存在：%(region_code)s",
                                 region_code=region_code), field)
    level = ROLE_REGION_LEVEL.get(role)
    if level and region.level != level:
        labels = {"city": _("市"), "county": _("县（市、区）"), "township": _("乡镇（街道）")}
        raise ValidationFailed(_("%(value0)s的所属区划必须是%(value2)s级",
                                 value0=ROLE_LABELS[role],
                                 value2=labels[level]), field)
    return region


def create_user(username: str, password: str | None, role: str, region_code: str,
                display_name: str, *, phone: str | None = None,
                temporary: bool = False) -> tuple[User, str]:
    """Create an account; without a password a temporary one is made. Returns (user, password)."""
    username = check_username(username, role=role)
    display_name = check_text(display_name, "display_name", _("姓名"), max_length=64)
    check_region_for_role(role, region_code)
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


def check_username(username: str, own_id: int | None = None, *, role: str | None = None) -> str:
    """A free username of letters, digits and . _ -, holding no mobile number (a volunteer's
    phone login) nor ID number (it shows in the audit log), nor, but for a volunteer, shaped
    like a volunteer number (their login), so every login names one account."""
    username = check_text(username, "username", _("用户名"), max_length=64)
    if not all(c.isalnum() or c in "._-" for c in username) or not username.isascii():
        raise ValidationFailed(_("用户名只能包含字母、数字和 . _ -"), "username")
    if phone_login(username) or ID_NUMBER.search(username) or privacy.looks_personal(username):
        raise ValidationFailed(_("用户名不能是手机号码或身份证号码（也不能包含）"), "username")
    if role != VOLUNTEER and VOLUNTEER_NO.fullmatch(username):
        raise ValidationFailed(_("“V + 17 位数字”格式的用户名保留给志愿者编号"), "username")
    check_username_free(username, own_id)
    return username


def check_username_free(username: str, own_id: int | None = None) -> None:
    """A username belongs to one account."""
    stmt = select(User.id).where(User.username == username)
    if own_id:
        stmt = stmt.where(User.id != own_id)
    if db.session.scalar(stmt):
        raise ValidationFailed(_("用户名 %(username)s 已被使用", username=username), "username")


def temporary_password() -> str:
    """A random password that meets the policy, for a first login."""
    return "Tmp-" + secrets.token_urlsafe(9) + "7a"


def phone_login(login: str) -> str | None:
    """The mobile number a login means, if it looks like one (then it is a volunteer's phone)."""
    try:
        return normalize_phone(login)
    except ValidationFailed:
        return None


def find_by_login(login: str) -> User | None:
    """The one account a login names: a mobile number is a volunteer's phone (unique among
    volunteer accounts), anything else a username (unique, and never shaped like a phone)."""
    login = (login or "").strip()
    if not login or len(login) > 64:
        return None
    phone = phone_login(login)
    if phone:
        stmt = select(User).where(User.phone == phone, User.role == VOLUNTEER)
    else:
        stmt = select(User).where(User.username == login)
    return db.session.execute(stmt).scalar_one_or_none()


def authenticate(login: str, password: str) -> User:
    """The user for these credentials, counting failures toward the lockout. A name no account
    has gets the same answers, the same counting and the same hashing time as a real one."""
    user = find_by_login(login)
    unknown_key = None
    if user is None:
        unknown_key = lockout.name_key(phone_login(login) or (login or "").strip()[:64])
        locked_until = lockout.unknown_name_lock(unknown_key)
    else:
        locked_until = user.locked_until
    now = utcnow()
    if locked_until and locked_until > now:
        raise _locked(locked_until)
    if user is not None and check_password_hash(user.password_hash, password or ""):
        if not user.active:
            raise LoginFailed(_("账号已停用，请联系管理员"))
        if user.failed_logins or user.failed_window_start or user.locked_until:
            user.failed_logins = 0
            user.failed_window_start = None
            user.locked_until = None
        return user
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        failure = lockout.count_unknown_name(unknown_key)
    else:
        failure = count_wrong_password(user)
    db.session.commit()
    if failure.locked_now:
        minutes = int(current_app.config["LOCKOUT_DURATION"].total_seconds() // 60)
        raise LoginFailed(_("登录失败次数过多，账号已锁定 %(minutes)s 分钟",
                            minutes=minutes))
    if failure.locked_until:
        raise _locked(failure.locked_until)
    raise LoginFailed(_("用户名或密码错误（再错 %(left)s 次将锁定账号）",
                        left=failure.left))


def count_wrong_password(user: User, action: str = "login_failed") -> lockout.Failure:
    """Count a wrong password of an account (at login or when changing it) toward the
    lockout; the try that locks ends the account's sessions and tokens."""
    failure = lockout.count_failure(User, User.id == user.id)
    db.session.expire(user, ["failed_logins", "failed_window_start", "locked_until"])
    if failure.locked_now:
        end_sessions(user)
        audit.record("lock", user, comment="连续密码错误，账号锁定")
    elif not failure.locked_until:
        audit.record(action, user)
    return failure


def _locked(until) -> LoginFailed:
    minutes = int((until - utcnow()).total_seconds() // 60) + 1
    return LoginFailed(_("登录失败次数过多，账号已锁定，请 %(minutes)s 分钟后"
                         "再试",
                         minutes=minutes))


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


def must_change_password(user: User) -> bool:
    """A temporary or expired password: the account may only change it (or log out)."""
    return bool(user.must_change_password) or password_expired(user)


def change_own_password(user: User, current: str, new: str, confirm: str,
                        keep: ApiToken | None = None) -> None:
    """A user changes their own password after proving the current one; every other session
    and token ends (an API token the change was made with, `keep`, stays)."""
    if not check_password_hash(user.password_hash, current or ""):
        failure = count_wrong_password(user, "password_change_failed")
        db.session.commit()
        if failure.left and not failure.locked_now and not failure.locked_until:
            raise ValidationFailed(_("当前密码不正确（再错 %(left)s 次将锁定账号）",
                                     left=failure.left),
                                   "current_password")
        raise LoginFailed(_("密码错误次数过多，账号已锁定，请稍后重新登录"))
    if new != confirm:
        raise ValidationFailed(_("两次输入的新密码不一致"), "confirm")
    if check_password_hash(user.password_hash, new or ""):
        raise ValidationFailed(_("新密码不能与当前密码相同"), "new_password")
    try:
        check_password(new, user.username)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, "new_password") from None
    set_password(user, new, keep=keep)
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


TOKEN_AND_USER = (select(ApiToken, User).join(User, User.id == ApiToken.user_id)
                  .where(ApiToken.token_hash == bindparam("hash")))  # built once per process


def user_for_token(raw: str) -> tuple[User, ApiToken] | None:
    """The user holding a live token, or None."""
    if not raw or len(raw) > 200:
        return None
    # The token and its user in one query: every API call starts here.
    found = db.session.execute(TOKEN_AND_USER, {"hash": token_hash(raw)}).one_or_none()
    if found is None:
        return None
    token, user = found
    if token.revoked_at or token.expires_at <= utcnow():
        return None
    if not user.active or token.session_version != user.session_version:
        return None
    if user.locked_until and user.locked_until > utcnow():
        return None
    return user, token


def log_out(user: User, token: ApiToken | None = None, comment: str = "") -> None:
    """Log out, audited: one API token when given, else every session and token of the user."""
    if token is None:
        end_sessions(user)
    else:
        token.revoked_at = utcnow()
    audit.record("logout", user, comment=comment)


def city_code() -> str:
    """The code of the city (Nanchong), where accounts without a role are kept."""
    return db.session.scalar(select(Region.code).where(Region.level == "city").limit(1))


def open_account(actor: User, username: str, display_name: str, phone: str | None
                 ) -> tuple[User, str]:
    """The system administrator opens an account: without a role (and at the city) until the
    security administrator grants one, with a temporary password shown once."""
    require_role(actor, SYSTEM_ADMIN)
    phone = normalize_phone(phone, required=False) or None
    user, password = create_user(username, None, UNASSIGNED, city_code(), display_name,
                                 phone=phone)
    audit.record("open_account", user, comment="系统管理员开通账号，待安全管理员授权")
    return user, password


def update_account(actor: User, user: User, *, username: str, display_name: str,
                   phone: str | None, active: bool, reset_password: bool = False,
                   unlock: bool = False) -> str | None:
    """The system administrator's changes to an account: name, phone, enabled, a temporary
    password, unlocking; never its role or region. Returns a new temporary password, if any."""
    require_role(actor, SYSTEM_ADMIN)
    if (username or "").strip() != user.username:
        user.username = check_username(username, user.id, role=user.role)
    user.display_name = check_text(display_name, "display_name", _("姓名"), max_length=64)
    user.phone = normalize_phone(phone, required=False) or None
    if user.id == actor.id and not active:
        raise NotAllowed(_("不能停用自己的账号"))
    password = reset_temporary_password(actor, user) if reset_password else None
    if user.active and not active:
        end_sessions(user)
    user.active = bool(active)
    if unlock:
        user.locked_until, user.failed_logins, user.failed_window_start = None, 0, None
    return password


def may_reset_password(actor: User, user: User) -> bool:
    """Whether actor may give user a temporary password (RESET_BY; RESET_IN_REGION within
    actor's jurisdiction; never his own)."""
    if user.id == actor.id or not actor.active:
        return False
    if user.role in RESET_BY.get(actor.role, ()):
        return True
    return (user.role in RESET_IN_REGION.get(actor.role, ())
            and scoping.region_visible(actor, user.region_code))


def reset_temporary_password(actor: User, user: User) -> str:
    """A temporary password (to change at the first login) for user; their sessions end and
    the reset is in the audit log (who, whose, when; never the password). Returns the
    password, shown once to actor to hand over in person."""
    if not may_reset_password(actor, user):
        raise NotAllowed(_("您不能重置%(value1)s账号的密码",
                           value1=ROLE_LABELS.get(user.role, user.role)))
    password = temporary_password()
    set_password(user, password, temporary=True)
    audit.record("reset_password", user, comment="重置为临时密码，首次登录须修改")
    return password


def grant_role(actor: User, user: User, role: str, region_code: str) -> bool:
    """The security administrator grants or changes a staff account's role and region; never
    their own. A change ends the user's sessions and tokens and is audited. Returns whether
    anything changed."""
    require_role(actor, SECURITY_ADMIN)
    if user.id == actor.id:
        raise NotAllowed(_("不能修改自己的角色或所属区划"))
    if user.role not in GRANTABLE_ROLES or role not in GRANTABLE_ROLES:
        raise ValidationFailed(_("志愿者和社会组织代表的账号由登记、注册流程开通，不能在此授权"),
                               "role")
    check_region_for_role(role, region_code)
    if (user.role, user.region_code) == (role, region_code):
        return False
    comment = (_("角色 %(role)s → %(role2)s，所属区划 %(region_code)s"
                 " → %(region_code2)s",
                 role=user.role,
                 role2=role,
                 region_code=user.region_code,
                 region_code2=region_code))
    user.role, user.region_code = role, region_code
    end_sessions(user)
    audit.record("grant_role", user, comment=comment)
    return True


def require_role(user: User, *roles: str) -> None:
    if user.role not in roles:
        raise NotAllowed(_("没有权限执行此操作"))
