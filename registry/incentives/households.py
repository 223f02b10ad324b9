"""Household accounts (户积分): a household's members (户主 and others, all of one township,
one current household per person), members' transfers into the pool, the pool's ledger.

Decisions: the township's station admin (or an official over it) registers a household, adds
and removes members; a member leaves by themselves too; the 户主 cannot leave (the station
first names another 户主). Any current member may move their own points into the pool and
redeem from it (the redemption records who). Points in the pool stay with the household when
a member leaves. Joining and leaving are rows of household_member (kept, audited); the pool's
points move only through points/ledger.py (pool_credit, pool_debit, transfer_to_pool)."""

import secrets
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from registry.clock import utcnow
from registry.errors import Conflict, FieldErrors, NotAllowed, NotFound, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.incentives.models import Household, HouseholdMember
from registry.incentives.store import whole_number
from registry.models import STAFF_ROLES, VOLUNTEER
from registry.points import ledger
from registry.points.models import MAX_POINTS, HouseholdBalance, HouseholdPointsEntry
from registry.scoping import region_visible
from registry.texts import stored
from registry.validators import check_text
from registry.volunteers.models import Volunteer


def household_of(volunteer: Volunteer) -> Household | None:
    """The household the volunteer currently belongs to, if any."""
    return db.session.scalar(
        select(Household).join(HouseholdMember, HouseholdMember.household_id == Household.id)
        .where(HouseholdMember.volunteer_id == volunteer.id, HouseholdMember.left_at.is_(None)))


def members(household: Household) -> list[HouseholdMember]:
    """Current members, 户主 first (a household is a handful of people)."""
    return list(db.session.scalars(
        select(HouseholdMember).where(HouseholdMember.household_id == household.id,
                                      HouseholdMember.left_at.is_(None))
        .order_by(HouseholdMember.is_head.desc(), HouseholdMember.id)))


def _check_manager(user: Any, township_code: str) -> None:
    if user is None or user.role not in STAFF_ROLES or not region_visible(user, township_code):
        raise NotAllowed(_("只有本乡镇（街道）的志愿服务站管理员或上级主管可以管理家庭户"))


def _check_person(volunteer: Volunteer, township_code: str, field: str) -> None:
    if volunteer.township_code != township_code:
        raise ValidationFailed(_("家庭户成员须是本乡镇（街道）的居民或志愿者"), field)
    if volunteer.status != "active":
        raise ValidationFailed(_(
            "%(name)s的志愿者登记尚未通过审核或已暂停", name=volunteer.name), field)
    if household_of(volunteer) is not None:
        raise Conflict(_(
            "%(name)s已是另一户的成员：一人只能加入一户，请先退出原户", name=volunteer.name), field)


def _join(household: Household, volunteer: Volunteer, *, head: bool, field: str) -> None:
    member = HouseholdMember(household_id=household.id, volunteer_id=volunteer.id,
                             township_code=household.township_code, is_head=head)
    try:
        with db.session.begin_nested():
            db.session.add(member)
            db.session.flush()
    except IntegrityError:  # the unique index on current memberships: a concurrent join
        raise Conflict(_(
            "%(name)s已是另一户的成员：一人只能加入一户", name=volunteer.name), field) from None


def create_household(user: Any, head: Volunteer, name: str | None = None) -> Household:
    """Register a household with its 户主 (of the user's jurisdiction, in no household yet)."""
    _check_manager(user, head.township_code)
    name = check_text(name, "name", _(
        "户名"), required=False, max_length=50) or _("%(name)s户", name=head.name)
    _check_person(head, head.township_code, "head_volunteer_id")
    household = Household(township_code=head.township_code, name=name,
                          head_volunteer_id=head.id, created_by=user.id)
    db.session.add(household)
    db.session.flush()
    _join(household, head, head=True, field="head_volunteer_id")
    return household


def add_member(user: Any, household: Household, volunteer: Volunteer) -> HouseholdMember:
    _check_manager(user, household.township_code)
    _check_person(volunteer, household.township_code, "volunteer_id")
    _join(household, volunteer, head=False, field="volunteer_id")
    return current_membership(household, volunteer)


def current_membership(household: Household, volunteer: Volunteer) -> HouseholdMember:
    member = db.session.scalar(select(HouseholdMember).where(
        HouseholdMember.household_id == household.id,
        HouseholdMember.volunteer_id == volunteer.id, HouseholdMember.left_at.is_(None)))
    if member is None:
        raise NotFound(_("%(name)s不是该户的成员", name=volunteer.name))
    return member


def leave(user: Any, household: Household, volunteer: Volunteer) -> HouseholdMember:
    """A member leaves (by themselves, or removed by the station); the 户主 cannot."""
    own = user is not None and user.role == VOLUNTEER and volunteer.user_id == user.id
    if not own:
        _check_manager(user, household.township_code)
    member = current_membership(household, volunteer)
    if member.is_head:
        raise Conflict(_("户主不能退出本户：请先由志愿服务站变更户主"))
    # Guarded: two concurrent removals end the membership once.
    done = db.session.execute(update(HouseholdMember).where(
        HouseholdMember.id == member.id, HouseholdMember.left_at.is_(None))
        .values(left_at=utcnow())).rowcount
    if not done:
        raise Conflict(_("%(name)s已退出该户", name=volunteer.name))
    db.session.refresh(member)
    return member


def change_head(user: Any, household: Household, volunteer: Volunteer) -> Household:
    """Name another current member the 户主."""
    _check_manager(user, household.township_code)
    new = current_membership(household, volunteer)
    for member in members(household):
        member.is_head = member.id == new.id
    household.head_volunteer_id = volunteer.id
    db.session.flush()
    return household


def transfer_in(user: Any, volunteer: Volunteer, points: Any) -> HouseholdPointsEntry:
    """A member moves some of their own points into their household's pool."""
    if user is None or volunteer.user_id != user.id:
        raise NotAllowed(_("只能转入自己的积分"))
    household = household_of(volunteer)
    if household is None:
        raise Conflict(_("您还没有加入家庭户，不能转入户积分"))
    errors = FieldErrors()
    points = errors.check(whole_number, points, "points", _("转入积分"), 1, MAX_POINTS)
    errors.raise_if_any()
    ref = f"tf:{volunteer.id}:{secrets.token_hex(8)}"
    into = ledger.transfer_to_pool(volunteer, household.id, household.township_code, points,
                                   ref, by=user, memo=stored(f"转入{household.name}"))[1]
    return into


def pool_entries_stmt(household: Household):
    """The pool's entries, newest first (paginate on HouseholdPointsEntry.id)."""
    e = HouseholdPointsEntry
    return (select(e).where(e.household_id.between(household.id, household.id))
            .order_by(e.household_id.desc(), e.id.desc()))


def households_stmt(q: str | None = None):
    """Households, newest first (the caller narrows them to its jurisdiction); with q, those
    whose name or whose 户主's name starts with it."""
    stmt = select(Household).order_by(Household.id.desc())
    q = check_text(q, "q", _("户名或户主姓名"), required=False, max_length=30)
    if q:
        heads = select(Volunteer.id).where(Volunteer.name.startswith(q, autoescape=True))
        stmt = stmt.where(Household.name.startswith(q, autoescape=True)
                          | Household.head_volunteer_id.in_(heads))
    return stmt


def pool_balances(ids) -> dict[int, int]:
    """The pool balances of a page of households, in one query."""
    ids = list(ids)
    if not ids:
        return {}
    return dict(db.session.execute(select(HouseholdBalance.household_id,
                                          HouseholdBalance.balance)
                                   .where(HouseholdBalance.household_id.in_(ids))).all())


def member_names(ids) -> dict[int, str]:
    """Names of the members a page of pool entries mentions (past members included)."""
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.session.execute(select(Volunteer.id, Volunteer.name)
                                   .where(Volunteer.id.in_(ids))).all())
