"""Social organizations (社会组织): the registration record, its documents, annual reports,
ratings and abnormal-list entries (DOMAIN.md §3)."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.models import Region

ORG_TYPES = {
    "social_group": _l("社会团体"),
    "social_service": _l("社会服务机构"),
    "foundation": _l("基金会"),
    "community": _l("社区社会组织"),
}
ORG_STATUSES = {
    "draft": _l("草稿"),
    "submitted": _l("已提交待审"),
    "returned": _l("退回修改"),
    "approved": _l("已登记"),
    "rejected": _l("不予登记"),
    "deregistered": _l("已注销"),
}
GRADES = ("5A", "4A", "3A", "2A", "1A")
PARTY_ORG_STATUSES = {"single": _l("单独组建"), "joint": _l("联合组建"), "none": _l("未建")}
# 民政部 social-organization sector classification (行业分类), used as the public "category".
ORG_CATEGORIES = {
    "science": _l("科技研究"),
    "ecology": _l("生态环境"),
    "education": _l("教育"),
    "health": _l("卫生健康"),
    "social_service": _l("社会服务"),
    "culture": _l("文化"),
    "sports": _l("体育"),
    "law": _l("法律"),
    "business": _l("工商服务业"),
    "agriculture": _l("农业及农村发展"),
    "profession": _l("职业及从业者组织"),
    "community_service": _l("城乡社区服务"),
    "charity": _l("公益慈善"),
    "other": _l("其他"),
}
# 登记 at a city/county bureau; 备案 of a 社区社会组织 at a township (decided by the county).
REGISTRATION_KINDS = {"registration": _l("登记"), "filing": _l("备案")}
DOCUMENT_KINDS = {
    "application": _l("登记申请书"),
    "charter": _l("章程草案"),
    "representative_id": _l("法定代表人身份证明"),
    "premises": _l("住所使用证明"),
    "capital": _l("资金证明"),
    "members": _l("会员名册"),
    "directors": _l("理事名单及身份证明"),
    "supervisor_approval": _l("业务主管单位批准文件"),
    "annual_report": _l("年度工作报告"),
    "other": _l("其他材料"),
}
REPORT_RESULTS = {"pass": _l("合格"), "basic": _l("基本合格"), "fail": _l("不合格")}
ABNORMAL_REASONS = {
    "missed_report": _l("未按规定报送年度工作报告"),
    "unreachable": _l("通过登记的住所无法取得联系"),
    "other": _l("其他情形"),
}


class Organization(db.Model):
    """A social organization: its application while under review, its record once approved."""

    __label__ = _l("社会组织")
    __value_labels__ = {"status": ORG_STATUSES, "org_type": ORG_TYPES, "category": ORG_CATEGORIES,
                      "registration_kind": REGISTRATION_KINDS,
                      "party_org_status": PARTY_ORG_STATUSES}

    __masked_fields__ = {"contact_phone": "phone"}
    __table_args__ = (
        Index("ix_organization_status_region", "status", "region_code", "id"),
        Index("ix_organization_region_id", "region_code", "id"),
        Index("ix_organization_status_id", "status", "id"),
        Index("ix_organization_authority_name", "authority_code", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), index=True)
    org_type: Mapped[str] = mapped_column(String(20), index=True)
    category: Mapped[str] = mapped_column(String(20), default="other")
    registration_kind: Mapped[str] = mapped_column(String(12), default="registration")
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    legal_representative: Mapped[str] = mapped_column(String(50), default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    # The bureau that decides: 511300 (city) or a county code; township filings go to the county.
    authority_code: Mapped[str] = mapped_column(String(9), default="")
    registration_authority: Mapped[str] = mapped_column(String(100), default="")
    supervisory_unit: Mapped[str] = mapped_column(String(100), default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    registered_capital_fen: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(String(200), default="")
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
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
    certificate_date: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    deregistered_at: Mapped[datetime | None]

    region: Mapped["Region"] = relationship("Region")
    hub: Mapped["Organization | None"] = relationship(remote_side=[id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.id == (user.organization_id or -1)

    @property
    def type_label(self) -> str:
        return ORG_TYPES.get(self.org_type, self.org_type)

    @property
    def status_label(self) -> str:
        return ORG_STATUSES.get(self.status, self.status)

    @property
    def category_label(self) -> str:
        return ORG_CATEGORIES.get(self.category, self.category)

    @property
    def party_label(self) -> str:
        return PARTY_ORG_STATUSES.get(self.party_org_status, self.party_org_status)

    def current_grade(self, today: date) -> str | None:
        """The grade while it is valid (a rating lasts five years), else None."""
        if self.grade and self.grade_valid_until and self.grade_valid_until >= today:
            return self.grade
        return None

    def __str__(self) -> str:
        return self.name


class _OrgChild:
    """Rows that belong to one organization: scoped by the organization's region (copied here
    so the one scoping helper can use an indexed column) and owned by its representative."""

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.organization_id == (user.organization_id or -1)


class OrgDocument(_OrgChild, db.Model):
    """An uploaded file (PDF/JPG/PNG) of an organization, stored outside static/."""

    __label__ = _l("组织材料")
    __value_labels__ = {"kind": DOCUMENT_KINDS}

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    kind: Mapped[str] = mapped_column(String(30), default="other")
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()

    @property
    def kind_label(self) -> str:
        return DOCUMENT_KINDS.get(self.kind, self.kind)


class AnnualReport(_OrgChild, db.Model):
    """An organization's 年度工作报告 for one year and, once reviewed, its result."""

    __label__ = _l("年度报告")
    __value_labels__ = {"result": REPORT_RESULTS}

    __table_args__ = (UniqueConstraint("organization_id", "year"),
                      Index("ix_annual_report_year_region", "year", "region_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    year: Mapped[int]
    income_fen: Mapped[int] = mapped_column(default=0)
    expenditure_fen: Mapped[int] = mapped_column(default=0)
    net_assets_fen: Mapped[int] = mapped_column(default=0)
    staff_count: Mapped[int] = mapped_column(default=0)
    activities: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    result: Mapped[str | None] = mapped_column(String(10))
    result_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()

    @property
    def result_label(self) -> str:
        return REPORT_RESULTS.get(self.result or "", _("待审查"))


class OrgRating(_OrgChild, db.Model):
    """One 等级评估 result (5A–1A), valid five years; the latest is copied to the organization."""

    __label__ = _l("等级评估")

    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    grade: Mapped[str] = mapped_column(String(2))
    rated_on: Mapped[date]
    valid_until: Mapped[date]
    comment: Mapped[str] = mapped_column(Text, default="")
    rated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship()


class AbnormalListing(_OrgChild, db.Model):
    """A listing on the 活动异常名录 and, once fixed, its removal."""

    __label__ = _l("活动异常名录")
    __value_labels__ = {"reason": ABNORMAL_REASONS}

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    listed_on: Mapped[date]
    listed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    removed_on: Mapped[date | None]
    removal_note: Mapped[str] = mapped_column(Text, default="")
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    organization: Mapped[Organization] = relationship()

    @property
    def reason_label(self) -> str:
        return ABNORMAL_REASONS.get(self.reason, self.reason)
