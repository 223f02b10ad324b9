"""The kernel's tables: regions, users and roles, API tokens and the audit log (each area's tables
are in its own models.py)."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l

# Roles, in the order the back office lists them.
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDITOR = "auditor"
CITY_OFFICIAL = "city_official"
COUNTY_OFFICIAL = "county_official"
STATION_ADMIN = "station_admin"
ORG_ADMIN = "org_admin"
VOLUNTEER = "volunteer"
# An account the system administrator opened and no security administrator has granted a role
# yet: it can log in and change its password, and sees nothing.
UNASSIGNED = "unassigned"
ROLES = (
    SYSTEM_ADMIN,
    SECURITY_ADMIN,
    AUDITOR,
    CITY_OFFICIAL,
    COUNTY_OFFICIAL,
    STATION_ADMIN,
    ORG_ADMIN,
    VOLUNTEER,
    UNASSIGNED,
)
STAFF_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDITOR, CITY_OFFICIAL, COUNTY_OFFICIAL, STATION_ADMIN)
OFFICIAL_ROLES = (CITY_OFFICIAL, COUNTY_OFFICIAL)
# Which region level each role's account must sit at.
ROLE_REGION_LEVEL = {
    CITY_OFFICIAL: "city",
    COUNTY_OFFICIAL: "county",
    STATION_ADMIN: "township",
}

# A region's level as people name it (the back office, the audit log).
REGION_LEVELS = {"city": _l("市"), "county": _l("县（市、区）"), "township": _l("乡镇（街道）")}

BIGINT = BigInteger().with_variant(db.Integer, "sqlite")  # SQLite autoincrements INTEGER only


class Region(db.Model):
    """A city, county-level unit or township, with its county and city for one-query look-ups."""

    __label__ = _l("行政区划")
    __value_labels__ = {"level": REGION_LEVELS}

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(50))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    county_code: Mapped[str | None] = mapped_column(String(9), index=True)
    city_code: Mapped[str] = mapped_column(String(9), index=True)
    effective_year: Mapped[int]

    parent: Mapped["Region | None"] = relationship(remote_side=[code])

    @classmethod
    def jurisdiction_column(cls):
        return cls.code

    def __str__(self) -> str:
        return self.name


class User(UserMixin, db.Model):
    """A person who logs in: staff, an organization's representative or a volunteer."""

    __label__ = _l("用户")

    __masked_fields__ = {"password_hash": "secret", "phone": "phone"}
    __table_args__ = (
        # A volunteer logs in with their mobile number: one volunteer account per number.
        Index("uq_user_volunteer_phone", "phone", unique=True,
              sqlite_where=text("role = 'volunteer'"),
              postgresql_where=text("role = 'volunteer'")),
        # The back office's prefix search (LIKE 'x%') whatever the database's collation.
        Index("ix_user_username_pattern", "username",
              postgresql_ops={"username": "varchar_pattern_ops"}).ddl_if(dialect="postgresql"),
        Index("ix_user_display_name_pattern", "display_name",
              postgresql_ops={"display_name": "varchar_pattern_ops"}).ddl_if(
                  dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(20), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    phone: Mapped[str | None] = mapped_column(String(11), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        ForeignKey("organization.id", use_alter=True), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    password_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    failed_window_start: Mapped[datetime | None]
    locked_until: Mapped[datetime | None]
    session_version: Mapped[int] = mapped_column(default=1)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    region: Mapped[Region] = relationship()

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def get_id(self) -> str:
        # The session version makes a copied cookie useless after logout or a password change.
        return f"{self.id}:{self.session_version}"

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user: "User") -> ColumnElement[bool]:
        return cls.id == user.id

    def __str__(self) -> str:
        return f"{self.display_name}（{self.username}）"


class ApiToken(db.Model):
    """A bearer token for the API, kept only as its SHA-256 hash."""

    __label__ = _l("接口令牌")

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    session_version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """Failed logins of a name no account has, keyed by a keyed hash of the name (it may be a
    phone), so an unknown name is counted and locked exactly like a real account."""

    __label__ = _l("登录失败记录")

    __audit_skip__ = True

    name_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    failed_window_start: Mapped[datetime | None]
    locked_until: Mapped[datetime | None] = mapped_column(index=True)


class AuditEntry(db.Model):
    """One write made through the app; append-only, each row hashed onto the previous one."""

    __label__ = _l("审计日志")

    __audit_skip__ = True
    __table_args__ = (
        Index("ix_audit_entry_object", "object_type", "object_id"),
        Index("ix_audit_entry_actor_created", "actor_id", "created_at"),
        # The audit pages' filters, newest first; actor names also by prefix (LIKE 'x%').
        Index("ix_audit_entry_actor_name_id", "actor_name", "id",
              postgresql_ops={"actor_name": "varchar_pattern_ops"}),
        Index("ix_audit_entry_type_id", "object_type", "id"),
        Index("ix_audit_entry_action_id", "action", "id"),
    )

    id: Mapped[int] = mapped_column(BIGINT, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None]
    actor_name: Mapped[str] = mapped_column(String(64), default="")
    actor_role: Mapped[str] = mapped_column(String(20), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[str] = mapped_column(Text, default="{}")
    comment: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str | None] = mapped_column(String(9), index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64))

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code


class AuditHead(db.Model):
    """The single row holding the chain's last hash; locked while an entry is appended."""

    __label__ = _l("审计链头")

    __audit_skip__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    last_id: Mapped[int] = mapped_column(BIGINT, default=0)


def always(value: bool) -> ColumnElement[bool]:
    """A SQL literal true or false, for scoping rules that are all or nothing."""
    return true() if value else false()

