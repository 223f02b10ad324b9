"""Payments of purchased-service projects, in fen: the sum never passes the contract.

The guard is one `UPDATE … SET paid_fen = paid_fen + :n WHERE paid_fen + :n <= amount_fen
RETURNING paid_fen` in the caller's transaction, backed by CHECK (paid_fen <= amount_fen).
On PostgreSQL the UPDATE takes the row lock and re-evaluates its condition on the newest row
version, so two concurrent payments queue and only what fits passes; on SQLite a writing
transaction holds the database's write lock until it commits (as points/ledger.py)."""

from typing import Any

from sqlalchemy import select, update

from registry.clock import today_local
from registry.errors import Conflict, FieldErrors, ValidationFailed
from registry.extensions import db
from registry.i18n import gettext as _
from registry.purchasing import spending_summary
from registry.purchasing.models import ProjectPayment, PurchasedServiceProject
from registry.purchasing.projects import PAYABLE, amount_of, require_recorder
from registry.validators import check_text, parse_date

PSP = PurchasedServiceProject  # short: the queries below name it often


def _yuan(fen: int) -> str:
    return f"{fen // 100:,}.{fen % 100:02d}"


def add_payment(user: Any, project: PurchasedServiceProject, data: dict) -> ProjectPayment:
    """Pay the provider amount (fen, or yuan from a page) on a date; never above what is left
    of the contract; only once signed and until 结项."""
    require_recorder(user, project)
    if project.status not in PAYABLE:
        raise Conflict(_("当前状态为“%(status)s”，签约后、结项前才能付款",
                         status=project.status_label))
    errors = FieldErrors()
    amount = amount_of(data, errors)
    paid_on = errors.check(parse_date, str(data.get("paid_on") or ""), "paid_on",
                           _("付款日期"))
    if paid_on is None and "paid_on" not in errors.fields:
        errors.add("paid_on", _("请填写付款日期"))
    elif paid_on is not None and paid_on > today_local():
        errors.add("paid_on", _("付款日期不能晚于今天"))
    voucher = errors.check(check_text, data.get("voucher_no"), "voucher_no", _("付款凭证号"),
                           required=False, max_length=100)
    errors.raise_if_any()
    paid_after = db.session.execute(
        update(PSP).where(PSP.id == project.id, PSP.paid_fen + amount <= PSP.amount_fen)
        .values(paid_fen=PSP.paid_fen + amount).returning(PSP.paid_fen)
        .execution_options(synchronize_session=False)).scalar()
    if paid_after is None:
        db.session.refresh(project, ["paid_fen"])
        field = "amount_yuan" if "amount_yuan" in data else "amount_fen"
        left = project.amount_fen - project.paid_fen
        raise ValidationFailed(_(
            "付款后累计金额将超过合同金额：合同 ¥%(total)s，已付 ¥%(paid)s，最多还能付 ¥%(left)s",
            total=_yuan(project.amount_fen), paid=_yuan(project.paid_fen), left=_yuan(left)),
            field)
    db.session.refresh(project, ["paid_fen"])
    spending_summary.bump(project, paid_fen=amount)
    payment = ProjectPayment(project_id=project.id, region_code=project.region_code,
                             amount_fen=amount, paid_on=paid_on, voucher_no=voucher or "",
                             paid_after_fen=paid_after, created_by_id=user.id)
    db.session.add(payment)
    db.session.flush()
    return payment


def payments_of(project: PurchasedServiceProject) -> list[ProjectPayment]:
    return list(db.session.scalars(select(ProjectPayment).where(
        ProjectPayment.project_id == project.id).order_by(ProjectPayment.id)))
