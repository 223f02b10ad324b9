"""The purchasing area's tables: the guidance directory (政府购买服务指导性目录) as yearly
editions of a tree of items. A published edition is frozen: its rows are never changed, and
corrections go into the next edition."""

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.organizations.models import Organization
from registry.volunteers.models import Station

EDITION_STATUSES = {"draft": _l("草稿"), "published": _l("已发布")}
MAX_DIRECTORY_LEVEL = 4


class DirectoryEdition(db.Model):
    """One year's directory. region_code is the city's: drafts are the city's business
    (scoping), published editions are public."""

    __label__ = _l("政府购买服务目录版本")
    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("directory_edition.id"))
    published_at: Mapped[datetime | None]
    published_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What the codes are (migration 0015dir), e.g. "positional, not official": shown with them.
    code_note: Mapped[str] = mapped_column(String(300), default="", server_default="")

    items: Mapped[list["DirectoryItem"]] = relationship(back_populates="edition",
                                                        lazy="raise_on_sql")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @property
    def status_label(self) -> str:
        return EDITION_STATUSES.get(self.status, self.status)


class DirectoryItem(db.Model):
    """An item of an edition: a category (levels 1–3) or a concrete service (the deepest
    level, up to MAX_DIRECTORY_LEVEL). code is unique within its edition; the same code in
    two editions is the same item (which is how editions are compared)."""

    __label__ = _l("政府购买服务目录条目")
    __table_args__ = (
        UniqueConstraint("edition_id", "code", name="uq_directory_item_edition_code"),
        Index("ix_directory_item_edition_parent", "edition_id", "parent_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("directory_edition.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("directory_item.id"))
    code: Mapped[str] = mapped_column(String(20))
    level: Mapped[int]
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    purchasing_department: Mapped[str] = mapped_column(String(200), default="")
    requirements: Mapped[str] = mapped_column(Text, default="")

    edition: Mapped[DirectoryEdition] = relationship(back_populates="items")


# --- purchased-service projects, payments, 绩效评价 (engineer B) ----------------------------
# Money is integer fen in BIGINT columns (an INTEGER stops at ¥21 million). A project's
# paid_fen is the running sum of its payments, kept by one guarded UPDATE (projects.py) and
# backed by a CHECK, so that the sum never passes the contract even under concurrent payments.

PROJECT_STATUSES = {
    "initiated": _l("立项"), "procurement": _l("采购"), "signed": _l("签约"),
    "performing": _l("履约"), "accepted": _l("验收"), "evaluating": _l("绩效评价"),
    "closed": _l("结项"),
}
PROCUREMENT_METHODS = {
    "open_tender": _l("公开招标"), "invited_tender": _l("邀请招标"),
    "competitive_negotiation": _l("竞争性谈判"), "competitive_consultation": _l("竞争性磋商"),
    "single_source": _l("单一来源"), "inquiry": _l("询价"),
    "framework_agreement": _l("框架协议"),
}
EVALUATION_GRADES = {"excellent": _l("优"), "good": _l("良"), "fair": _l("中"), "poor": _l("差")}
FEN = BigInteger().with_variant(db.Integer, "sqlite")


class PurchasedServiceProject(db.Model):
    """A purchased-service project: a directory item of the edition in force, the purchasing
    department, the provider organization, the contract and its payments. region_code is the
    recording official's (the county's or the city's): jurisdiction."""

    __label__ = _l("政府购买服务项目")
    __value_labels__ = {"status": PROJECT_STATUSES, "procurement_method": PROCUREMENT_METHODS,
                        "evaluation_grade": EVALUATION_GRADES}
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="project_amount_positive"),
        CheckConstraint("paid_fen >= 0 AND paid_fen <= amount_fen", name="project_paid_within"),
        Index("ix_project_region_id", "region_code", "id"),
        Index("ix_project_spending", "year", "county_code", "category_code", "provider_id"),
        Index("ix_project_provider_id", "provider_id", "id"),
        Index("ix_project_item_code", "item_code", "provider_id"),
        Index("ix_project_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    # The county of region_code ('511300' for the city's own): the spending table's key.
    county_code: Mapped[str] = mapped_column(String(9))
    edition_id: Mapped[int] = mapped_column(ForeignKey("directory_edition.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("directory_item.id"))
    # Copied from the (frozen) item: codes and names a project was recorded under never change.
    item_code: Mapped[str] = mapped_column(String(20))
    item_name: Mapped[str] = mapped_column(String(200))
    category_code: Mapped[str] = mapped_column(String(20))
    category_name: Mapped[str] = mapped_column(String(200))
    purchaser: Mapped[str] = mapped_column(String(200))
    provider_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    procurement_method: Mapped[str] = mapped_column(String(30))
    contract_no: Mapped[str] = mapped_column(String(60), default="")
    amount_fen: Mapped[int] = mapped_column(FEN)
    paid_fen: Mapped[int] = mapped_column(FEN, default=0)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    term_reason: Mapped[str] = mapped_column(Text, default="")
    deliverables: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="initiated")
    evaluation_grade: Mapped[str | None] = mapped_column(String(12))
    evaluation_tenths: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider: Mapped[Organization] = relationship("Organization")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user):
        """An organization's representative reads its own projects."""
        return cls.provider_id == (user.organization_id or -1)

    @property
    def status_label(self) -> str:
        return PROJECT_STATUSES.get(self.status, self.status)

    @property
    def method_label(self) -> str:
        return PROCUREMENT_METHODS.get(self.procurement_method, self.procurement_method)

    @property
    def grade_label(self) -> str:
        return EVALUATION_GRADES.get(self.evaluation_grade or "", "")

    def __str__(self) -> str:
        return self.title


class _ProjectChild:
    """Rows of one project, scoped by its region (copied here: the one scoping helper)."""

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code


class ProjectMilestone(_ProjectChild, db.Model):
    """A milestone of a project: name, due date, done (and when)."""

    __label__ = _l("项目里程碑")
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("purchased_service_project.id"),
                                            index=True)
    region_code: Mapped[str] = mapped_column(String(9))
    name: Mapped[str] = mapped_column(String(200))
    due_on: Mapped[date]
    done_on: Mapped[date | None]


class ProjectPayment(_ProjectChild, db.Model):
    """One payment to the provider, in fen, on a date. Never changed or deleted."""

    __label__ = _l("项目付款")
    __append_only__ = True
    __table_args__ = (CheckConstraint("amount_fen > 0", name="payment_amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("purchased_service_project.id"),
                                            index=True)
    region_code: Mapped[str] = mapped_column(String(9))
    amount_fen: Mapped[int] = mapped_column(FEN)
    paid_on: Mapped[date]
    voucher_no: Mapped[str] = mapped_column(String(100), default="")
    paid_after_fen: Mapped[int] = mapped_column(FEN)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectEvaluation(_ProjectChild, db.Model):
    """A 绩效评价: the indicators as configured then (name, weight, scale) with their scores,
    the weighted total in tenths of a point and the grade. Never changed (a new one corrects)."""

    __label__ = _l("绩效评价")
    __append_only__ = True
    __value_labels__ = {"grade": EVALUATION_GRADES}
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("purchased_service_project.id"),
                                            index=True)
    region_code: Mapped[str] = mapped_column(String(9))
    kind: Mapped[str] = mapped_column(String(20), default="department")
    scores: Mapped[list] = mapped_column(JSON)
    total_tenths: Mapped[int]
    grade: Mapped[str] = mapped_column(String(12))
    comment: Mapped[str] = mapped_column(Text, default="")
    evaluated_on: Mapped[date]
    evaluated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def grade_label(self) -> str:
        return EVALUATION_GRADES.get(self.grade, self.grade)

    @property
    def total_text(self) -> str:
        return f"{self.total_tenths // 10}.{self.total_tenths % 10}"


# --- end of purchased-service projects ------------------------------------------------------


# --- 以奖代补 awards (engineer C) -------------------------------------------------------------
# A round published by the city (criteria with weights summing to 100, score bands of amounts,
# an application window); applications by an organization or a township station, scored per
# criterion by the county, approved by the city, 公示, objections, payment. Rules in
# registry/purchasing/awards.py and award_applications.py.

ROUND_STATUSES = {"draft": _l("草稿"), "published": _l("已发布")}
AWARD_STATUSES = {
    "applied": _l("已申请，待评分"),
    "scored": _l("已评分，待审批"),
    "returned": _l("退回重新评分"),
    "approved": _l("已批准，待公示"),
    "publicized": _l("公示中"),
    "objected": _l("有异议，复核中"),
    "paid": _l("已拨付"),
    "rejected": _l("不予奖励"),
}
APPLICANT_KINDS = {"organization": _l("社会组织"), "station": _l("志愿服务站")}


class AwardRound(db.Model):
    """One 以奖代补 round: the city's (region_code 511300: every official of the city reads it;
    drafts are the city's own, published rounds are open to applicants)."""

    __label__ = _l("以奖代补批次")
    __value_labels__ = {"status": ROUND_STATUSES}
    __table_args__ = (Index("ix_award_round_status_year", "status", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="draft")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_at: Mapped[datetime | None]

    criteria: Mapped[list["AwardCriterion"]] = relationship(
        order_by="AwardCriterion.position", lazy="selectin")
    tiers: Mapped[list["AwardTier"]] = relationship(
        order_by="AwardTier.min_score.desc()", lazy="selectin")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @property
    def status_label(self) -> str:
        return ROUND_STATUSES.get(self.status, self.status)


class AwardCriterion(db.Model):
    """A criterion of a round and its weight (a round's weights sum to 100)."""

    __label__ = _l("以奖代补评分标准")
    __table_args__ = (Index("ix_award_criterion_round", "round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_round.id"))
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    weight: Mapped[int]


class AwardTier(db.Model):
    """A score band of a round (whole total scores min_score..max_score, both included) and
    its award in fen. A round's bands never overlap; a score in no band earns nothing."""

    __label__ = _l("以奖代补奖励档次")
    __table_args__ = (Index("ix_award_tier_round", "round_id", "min_score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_round.id"))
    min_score: Mapped[int]
    max_score: Mapped[int]
    amount_fen: Mapped[int]


class AwardApplication(db.Model):
    """An application for work already done, by an organization (its representative) or a
    township station (its admin). region_code is the applicant's region (the organization's,
    or the station's township): the county official of that county scores it."""

    __label__ = _l("以奖代补申请")
    __value_labels__ = {"status": AWARD_STATUSES, "applicant_kind": APPLICANT_KINDS}
    __table_args__ = (
        Index("ix_award_application_region_id", "region_code", "id"),
        Index("ix_award_application_status_id", "status", "id"),
        Index("ix_award_application_round_status", "round_id", "status"),
        Index("ix_award_application_org", "organization_id", "status"),
        Index("ix_award_application_station", "station_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("award_round.id"))
    applicant_kind: Mapped[str] = mapped_column(String(12))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    station_id: Mapped[int | None] = mapped_column(ForeignKey("station.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    work_from: Mapped[date]
    work_to: Mapped[date]
    status: Mapped[str] = mapped_column(String(12), default="applied")
    # The weighted total in hundredths of a point (Σ score × weight: 0..10000), its band's
    # amount in fen; set when scored.
    total_centi: Mapped[int | None]
    amount_fen: Mapped[int | None]
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    scored_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    scored_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    approved_at: Mapped[datetime | None]
    publicized_at: Mapped[datetime | None]
    publicized_until: Mapped[datetime | None]
    paid_fen: Mapped[int | None]
    paid_on: Mapped[date | None]
    voucher_no: Mapped[str] = mapped_column(String(50), default="")
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    round: Mapped[AwardRound] = relationship()
    organization: Mapped[Organization | None] = relationship()
    station: Mapped[Station | None] = relationship()
    scores: Mapped[list["AwardScore"]] = relationship(lazy="selectin")

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @classmethod
    def owner_condition(cls, user) -> ColumnElement[bool]:
        return cls.organization_id == (user.organization_id or -1)

    @property
    def status_label(self) -> str:
        return AWARD_STATUSES.get(self.status, self.status)

    @property
    def applicant_name(self) -> str:
        return self.organization.name if self.organization else (
            self.station.name if self.station else "")

    @property
    def total_text(self) -> str:
        """The weighted total as shown: two decimals (88.50)."""
        if self.total_centi is None:
            return ""
        return f"{self.total_centi // 100}.{self.total_centi % 100:02d}"


class AwardScore(db.Model):
    """The county's score of one criterion of an application (0..100)."""

    __label__ = _l("以奖代补评分")
    __table_args__ = (UniqueConstraint("application_id", "criterion_id",
                                       name="uq_award_score_application_criterion"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("award_application.id"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("award_criterion.id"))
    score: Mapped[int]


class AwardEvidence(db.Model):
    """A file proving the work (PDF, JPG, PNG), stored under a random name."""

    __label__ = _l("以奖代补证明材料")
    __table_args__ = (Index("ix_award_evidence_application", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("award_application.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    original_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(64))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AwardObjection(db.Model):
    """An objection raised by anyone during 公示 (never changed)."""

    __label__ = _l("以奖代补公示异议")
    __append_only__ = True
    __table_args__ = (Index("ix_award_objection_application", "application_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("award_application.id"))
    region_code: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrgPenalty(db.Model):
    """An administrative penalty (行政处罚) on an organization, recorded by an official: it
    excludes the organization from awards for AWARD_PENALTY_YEARS after the decision. Kept
    here until the organizations area records penalties itself (never changed)."""

    __label__ = _l("行政处罚记录")
    __append_only__ = True
    __table_args__ = (Index("ix_org_penalty_org_decided", "organization_id", "decided_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    region_code: Mapped[str] = mapped_column(String(9), index=True)
    decided_on: Mapped[date]
    decision_no: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code


# --- end of 以奖代补 ----------------------------------------------------------------------------

