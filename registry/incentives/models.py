"""The incentives' tables."""

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.extensions import db
from registry.models import Region, User
from registry.volunteers.models import Volunteer

# ---------------------------------------------------------------------------------------------
# issue 11 (i11-reports): 举报奖励, 道德银行, 公益反哺 — Report, MoralRule, Deed, DeedObjection,
# Benefit, BenefitClaim. Rules in reports.py, deeds.py, benefits.py.
# ---------------------------------------------------------------------------------------------

REPORT_CATEGORIES = {
    "illegal_organization": "非法社会组织",
    "safety_hazard": "安全隐患",
    "public_order": "治安秩序",
    "environment": "环境卫生",
    "other": "其他",
}
REPORT_STATUSES = {
    "submitted": "已受理",
    "investigating": "调查中",
    "upheld": "属实",
    "rejected": "不属实",
    "duplicate": "重复举报",
}
REWARD_STATUSES = {
    "": "—",
    "none": "无奖励",
    "unclaimed": "待认领",  # an anonymous reporter claims it with the tracking code
    "credited": "积分已发放",
    "approved": "奖金已核准，待线下发放",
    "paid": "奖金已线下发放",
    "excluded": "不予奖励",
}


class Report(db.Model):
    """A report (举报); the reporter's account and contact are personal data, kept apart."""

    # The reporter's account and contact never show in an audit row, even masked.
    __masked_fields__ = {"contact_encrypted": "secret", "contact_masked": "secret",
                         "reporter_user_id": "secret", "claimant_user_id": "secret"}
    __table_args__ = (
        Index("ix_report_township_id", "township_code", "id"),
        Index("ix_report_status_township", "status", "township_code", "id"),
        Index("ix_report_category_township", "category", "township_code", "id"),
        CheckConstraint("reward_points >= 0 AND reward_fen >= 0", name="reward_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    category: Mapped[str] = mapped_column(String(30))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    description: Mapped[str] = mapped_column(Text)
    reported_party: Mapped[str] = mapped_column(String(200), default="")
    reported_organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"))
    photo_name: Mapped[str] = mapped_column(String(64), default="")
    photo_type: Mapped[str] = mapped_column(String(30), default="")
    contact_encrypted: Mapped[str] = mapped_column(Text, default="")
    contact_masked: Mapped[str] = mapped_column(String(40), default="")
    reporter_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("report.id"))
    outcome_comment: Mapped[str] = mapped_column(Text, default="")
    reward_points: Mapped[int] = mapped_column(default=0)
    reward_fen: Mapped[int] = mapped_column(default=0)
    reward_status: Mapped[str] = mapped_column(String(20), default="")
    reward_note: Mapped[str] = mapped_column(String(200), default="")
    claimant_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    township: Mapped[Region] = relationship(Region)
    duplicate_of: Mapped["Report | None"] = relationship(remote_side=[id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @property
    def category_label(self) -> str:
        return REPORT_CATEGORIES.get(self.category, self.category)

    @property
    def status_label(self) -> str:
        return REPORT_STATUSES.get(self.status, self.status)

    @property
    def reward_status_label(self) -> str:
        return REWARD_STATUSES.get(self.reward_status, self.reward_status)


DEED_CATEGORIES = ("孝老爱亲", "环境卫生", "邻里互助", "移风易俗", "见义勇为", "其他")
DEED_STATUSES = {
    "pending": "待审核",
    "publicized": "公示中",
    "objected": "有异议，复核中",
    "credited": "已记分",
    "rejected": "未通过",
}


class MoralRule(db.Model):
    """One line of a county's 道德银行 rules table: a deed and its points for a period."""

    __table_args__ = (
        Index("ix_moral_rule_county_category", "county_code", "category", "id"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    category: Mapped[str] = mapped_column(String(20))
    deed: Mapped[str] = mapped_column(String(100))
    points: Mapped[int]
    effective_from: Mapped[date]
    effective_to: Mapped[date | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    county: Mapped[Region] = relationship(Region)

    @classmethod
    def jurisdiction_column(cls):
        return cls.county_code

    def __str__(self) -> str:
        return f"{self.category}·{self.deed}（{self.points} 分）"


class Deed(db.Model):
    """A good deed recorded for a resident: four eyes, then 公示, then the points."""

    __table_args__ = (
        Index("ix_deed_township_id", "township_code", "id"),
        Index("ix_deed_status_until", "status", "publicized_until"),
        Index("ix_deed_volunteer_date", "volunteer_id", "deed_date"),
        CheckConstraint("points > 0", name="points_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("moral_rule.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    category: Mapped[str] = mapped_column(String(20))  # copied from the rule when recorded
    points: Mapped[int]  # copied from the rule: a later change of the table changes no deed
    deed_date: Mapped[date]
    description: Mapped[str] = mapped_column(Text)
    photo_name: Mapped[str] = mapped_column(String(64), default="")
    photo_type: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending")
    recorded_by: Mapped[int] = mapped_column(ForeignKey("user.id"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    publicized_until: Mapped[datetime | None]
    credited_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    rule: Mapped[MoralRule] = relationship(MoralRule)
    volunteer: Mapped[Volunteer] = relationship(Volunteer)
    township: Mapped[Region] = relationship(Region)
    recorder: Mapped[User] = relationship(User, foreign_keys=[recorded_by])

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def status_label(self) -> str:
        return DEED_STATUSES.get(self.status, self.status)


class DeedObjection(db.Model):
    """An objection to a deed during its 公示 (anyone may raise one, with a reason)."""

    __append_only__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    deed_id: Mapped[int] = mapped_column(ForeignKey("deed.id"), index=True)
    township_code: Mapped[str] = mapped_column(String(9))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code


class Benefit(db.Model):
    """A benefit the city publishes for volunteers (公益反哺), with a quota of claims."""

    __table_args__ = (
        Index("ix_benefit_city_id", "city_code", "id"),
        CheckConstraint("claimed >= 0 AND claimed <= quota", name="claimed_within_quota"),
        CheckConstraint("min_star >= 0 AND min_star <= 5 AND min_hours >= 0",
                        name="levels_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    provider: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(100))
    details: Mapped[str] = mapped_column(Text, default="")
    min_star: Mapped[int] = mapped_column(default=0)
    min_hours: Mapped[int] = mapped_column(default=0)
    quota: Mapped[int]
    claimed: Mapped[int] = mapped_column(default=0)
    valid_from: Mapped[date]
    valid_to: Mapped[date]
    # The provider's staff: the account that confirms use with the claim code.
    provider_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    provider_user: Mapped[User | None] = relationship(User, foreign_keys=[provider_user_id])

    @classmethod
    def jurisdiction_column(cls):
        return cls.city_code


class BenefitClaim(db.Model):
    """A volunteer's claim of a benefit: a claim code, used once at the provider."""

    __table_args__ = (
        UniqueConstraint("benefit_id", "volunteer_id", name="uq_benefit_claim_once"),
        Index("ix_benefit_claim_volunteer_id", "volunteer_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    benefit_id: Mapped[int] = mapped_column(ForeignKey("benefit.id"))
    volunteer_id: Mapped[int] = mapped_column(ForeignKey("volunteer.id"))
    township_code: Mapped[str] = mapped_column(String(9))
    code: Mapped[str] = mapped_column(String(12), unique=True)
    status: Mapped[str] = mapped_column(String(10), default="claimed")  # claimed | used
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    benefit: Mapped[Benefit] = relationship(Benefit)
    volunteer: Mapped[Volunteer] = relationship(Volunteer)

    @classmethod
    def jurisdiction_column(cls):
        return cls.township_code

    @classmethod
    def owner_condition(cls, user):
        return cls.volunteer_id.in_(select(Volunteer.id).where(Volunteer.user_id == user.id))

    @property
    def status_label(self) -> str:
        return {"claimed": "已领取，待使用", "used": "已使用"}.get(self.status, self.status)
