"""Social organizations (社会组织): the registration record; areas add their own tables here."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db

__all__ = ["ORG_TYPES", "ORG_STATUSES", "GRADES", "PARTY_ORG_STATUSES", "Organization"]

ORG_TYPES = {
    "social_group": "社会团体",
    "social_service": "社会服务机构",
    "foundation": "基金会",
    "community": "社区社会组织",
}
ORG_STATUSES = {
    "draft": "草稿",
    "submitted": "已提交待审",
    "returned": "退回修改",
    "approved": "已登记",
    "rejected": "不予登记",
    "deregistered": "已注销",
}
GRADES = ("5A", "4A", "3A", "2A", "1A")
PARTY_ORG_STATUSES = {"single": "单独组建", "joint": "联合组建", "none": "未建"}


class Organization(db.Model):
    """A social organization: its application while under review, its record once approved."""

    __masked_fields__ = {"contact_phone": "phone"}
    __table_args__ = (
        Index("ix_organization_status_region", "status", "region_code", "id"),
        Index("ix_organization_region_id", "region_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    org_type: Mapped[str] = mapped_column(String(20), index=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(50), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    registration_authority: Mapped[str] = mapped_column(String(100), default="")
    supervisory_unit: Mapped[str] = mapped_column(String(100), default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    registered_capital_fen: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(11), default="")
    founded_on: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default="draft")
    grade: Mapped[str | None] = mapped_column(String(2))
    grade_valid_until: Mapped[date | None]
    is_hub: Mapped[bool] = mapped_column(default=False, index=True)
    hub_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    is_volunteer_org: Mapped[bool] = mapped_column(default=False)
    party_org_status: Mapped[str] = mapped_column(String(10), default="none")
    party_member_count: Mapped[int] = mapped_column(default=0)
    party_instructor: Mapped[str] = mapped_column(String(50), default="")
    abnormal_listed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_at: Mapped[datetime | None]

    region = relationship("Region")
    hub: Mapped["Organization | None"] = relationship(remote_side=[id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.id == (user.organization_id or -1)

    def __str__(self) -> str:
        return self.name
