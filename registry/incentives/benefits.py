"""公益反哺: benefits the city publishes for volunteers, claims within the quota, and the
provider's confirmation of use with the claim code.

The provider's staff are one account linked to the benefit (`provider_user_id`, named by the
city official who publishes it): any account, typically one the system administrator opened for
the partner (an unassigned account sees nothing else). That account confirms use by the claim
code; nobody else can.
"""

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from registry import audit, notifications
from registry.clock import today_local, utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.i18n import lazy_gettext as _l
from registry.incentives.models import Benefit, BenefitClaim
from registry.incentives.reports import clean_code, new_code
from registry.models import CITY_OFFICIAL, User
from registry.scoping import visible_select
from registry.validators import check_date_range, check_text
from registry.volunteers.models import STAR_LABELS, Volunteer
from registry.volunteers.operations import star_level

MAX_QUOTA = 1_000_000
EXPIRING = notifications.kind(
    "benefit_expiring", _l("您领取的公益反哺“%(title)s”（%(provider)s）将于 %(until)s 到期，"
                           "请在到期前使用"))


def _int(data: Mapping, key: str, label: str, errors: FieldErrors, low: int, high: int) -> int:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        errors.add(key, _(
            "%(label)s应为 %(low)s 到 %(high)s 之间的整数", label=label, low=low, high=high))
        return 0
    return value


def publish(user: User, data: Mapping) -> Benefit:
    """A city official publishes a benefit (provider, what it gives, level, quota, validity)."""
    if user.role != CITY_OFFICIAL:
        raise NotAllowed(_("只有市级民政部门可以发布公益反哺项目"))
    errors = FieldErrors()
    provider = errors.check(check_text, data.get("provider"), "provider", _("提供单位"),
                            max_length=100)
    title = errors.check(check_text, data.get("title"), "title", _("反哺内容"), max_length=100)
    details = errors.check(check_text, data.get("details"), "details", _("说明"), required=False,
                           max_length=2000)
    min_star = _int(data, "min_star", _("最低星级"), errors, 0, 5)
    min_hours = _int(data, "min_hours", _("最低服务时长（小时）"), errors, 0, 100_000)
    quota = _int(data, "quota", _("名额"), errors, 1, MAX_QUOTA)
    start = errors.check(check_date_range, data.get("valid_from"), "valid_from", _("开始日期"))
    end = errors.check(check_date_range, data.get("valid_to"), "valid_to", _("截止日期"))
    for key, value, label in (("valid_from", start, _(
        "开始日期")), ("valid_to", end, _("截止日期"))):
        if value is None and key not in errors.fields:
            errors.add(key, _("请填写%(label)s", label=label))
    if start and end and end < start:
        errors.add("valid_to", _("截止日期不能早于开始日期"))
    provider_user = None
    login = data.get("provider_login")
    if isinstance(login, str) and login.strip():
        provider_user = db.session.scalar(select(User).where(User.username == login.strip()))
        if provider_user is None or not provider_user.active:
            errors.add("provider_login", _("找不到该账号（须为已开通的账号用户名）"))
    errors.raise_if_any()
    benefit = Benefit(city_code=user.region_code, provider=provider, title=title,
                      details=details or "", min_star=min_star, min_hours=min_hours,
                      quota=quota, claimed=0, valid_from=start, valid_to=end,
                      provider_user_id=provider_user.id if provider_user else None,
                      created_by=user.id)
    db.session.add(benefit)
    db.session.flush()
    return benefit


def is_open(benefit: Benefit) -> bool:
    today = today_local()
    return benefit.valid_from <= today <= benefit.valid_to


def shortfall(volunteer: Volunteer, benefit: Benefit) -> str | None:
    """Why the volunteer does not qualify, or None when they do."""
    if volunteer.status != "active":
        return _("志愿者注册未通过审核或已暂停")
    stars = star_level(volunteer.total_minutes)
    if stars < benefit.min_star:
        return _(
            "需%(value1)s志愿者，您目前为%(value2)s",
            value1=STAR_LABELS[benefit.min_star], value2=STAR_LABELS[stars])
    if volunteer.total_minutes < benefit.min_hours * 60:
        return _(
            "需累计服务 %(min_hours)s 小时，您目前为 %(value1)s 小时",
            min_hours=benefit.min_hours, value1=volunteer.total_minutes // 60)
    return None


def open_stmt():
    """Benefits valid today, newest first (the city's list for volunteers and the public)."""
    today = today_local()
    return (select(Benefit).where(Benefit.valid_from <= today, Benefit.valid_to >= today)
            .order_by(Benefit.id.desc()))


def claim(volunteer: Volunteer | None, benefit: Benefit) -> BenefitClaim:
    """Claim a benefit: qualified, valid today, once per volunteer, within the quota. The quota
    is taken by one guarded UPDATE (claimed < quota), so concurrent claims never over-claim;
    the CHECK constraint claimed <= quota backs it in the schema."""
    if volunteer is None:
        raise NotAllowed(_("只有注册志愿者可以领取"))
    if not is_open(benefit):
        raise Conflict(_("该项目不在有效期内"))
    reason = shortfall(volunteer, benefit)
    if reason:
        raise Conflict(_("不符合领取条件：%(reason)s", reason=reason))
    if db.session.scalar(select(BenefitClaim.id).where(
            BenefitClaim.benefit_id == benefit.id, BenefitClaim.volunteer_id == volunteer.id)):
        raise Conflict(_("您已领取过该项目"))
    taken = db.session.execute(update(Benefit).where(
        Benefit.id == benefit.id, Benefit.claimed < Benefit.quota).values(
            claimed=Benefit.claimed + 1)).rowcount
    if taken != 1:
        raise Conflict(_("名额已领完"))
    row = BenefitClaim(benefit_id=benefit.id, volunteer_id=volunteer.id,
                       township_code=volunteer.township_code, code=new_code(), status="claimed")
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("您已领取过该项目")) from None
    db.session.refresh(benefit)
    return row


def claims_of(volunteer: Volunteer) -> list[BenefitClaim]:
    return list(db.session.scalars(select(BenefitClaim).where(
        BenefitClaim.volunteer_id == volunteer.id).order_by(BenefitClaim.id.desc()).limit(100)))


def confirm_use(user: User, raw_code: Any) -> BenefitClaim:
    """The provider's account confirms a claim's use by its code (once)."""
    code = clean_code(raw_code)
    row = db.session.scalar(select(BenefitClaim).where(BenefitClaim.code == code)) \
        if code else None
    if row is None or row.benefit.provider_user_id != user.id:
        raise ValidationFailed(_("领取码无效，或不是贵单位提供的项目"), "code")
    done = db.session.execute(update(BenefitClaim).where(
        BenefitClaim.id == row.id, BenefitClaim.status == "claimed").values(
            status="used", used_at=utcnow(), confirmed_by=user.id)).rowcount
    if done != 1:
        raise Conflict(_("该领取码已使用过"))
    db.session.refresh(row)
    audit.record("transition", row, changes={"status": ["claimed", "used"]},
                 comment="提供单位确认使用")
    return row


def provided_by(user: User) -> list[Benefit]:
    return list(db.session.scalars(select(Benefit).where(
        Benefit.provider_user_id == user.id).order_by(Benefit.id.desc()).limit(100)))


def manage_stmt(user: User):
    return visible_select(user, Benefit).order_by(Benefit.id.desc())



def warn_expiring(today: date | None = None, limit: int = 5000) -> int:
    """Tell each holder of a claimed, unused benefit whose validity ends within
    BENEFIT_EXPIRY_NOTICE_DAYS (once per claim: notify_once); returns how many were told."""
    days = int(current_app.config.get("BENEFIT_EXPIRY_NOTICE_DAYS", 30))
    if days <= 0:
        return 0
    today = today or today_local()
    rows = db.session.execute(
        select(BenefitClaim.id, Volunteer.user_id, Benefit.title, Benefit.provider,
               Benefit.valid_to)
        .join(Benefit, Benefit.id == BenefitClaim.benefit_id)
        .join(Volunteer, Volunteer.id == BenefitClaim.volunteer_id)
        .where(BenefitClaim.status == "claimed", Volunteer.user_id.is_not(None),
               Benefit.valid_to >= today, Benefit.valid_to <= today + timedelta(days=days))
        .order_by(BenefitClaim.id).limit(limit)).all()
    told = 0
    for claim_id, user_id, title, provider, until in rows:
        if notifications.notify_once(user_id, f"benefit-expiring:{claim_id}", EXPIRING,
                                     {"title": title, "provider": provider,
                                      "until": f"{until:%Y-%m-%d}"}, "/benefits/"):
            told += 1
    db.session.flush()
    return told
