"""The spending summaries: contract and paid amounts summed per year, county, directory category
(and provider), and per year and provider, kept by spending_summary.py with every project
write; spending.py reads them."""

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from registry.extensions import db
from registry.purchasing.models import FEN


class ProjectSpending(db.Model):
    """Contract and paid amounts summed per (year, county, directory category, provider): the
    spending table's rows, kept by spending_summary.py in the same transaction as every
    project's creation, contract change and payment, so the city's table reads a few
    thousand rows instead of grouping every project."""

    __audit_skip__ = True  # derived from the (audited) projects and payments
    __tablename__ = "project_spending"

    year: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    category_name: Mapped[str] = mapped_column(String(200), default="")
    projects: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(FEN, default=0)
    paid_fen: Mapped[int] = mapped_column(FEN, default=0)


class ProjectSpendingArea(db.Model):
    """The same sums per (year, county, directory category), providers added up: the table by
    county, year or category reads these few hundred rows (ProjectSpending has nearly a row
    per project when providers are many)."""

    __audit_skip__ = True  # derived from the (audited) projects and payments
    __tablename__ = "project_spending_area"

    year: Mapped[int] = mapped_column(primary_key=True)
    county_code: Mapped[str] = mapped_column(String(9), primary_key=True)
    category_code: Mapped[str] = mapped_column(String(20), primary_key=True)
    category_name: Mapped[str] = mapped_column(String(200), default="")
    projects: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(FEN, default=0)
    paid_fen: Mapped[int] = mapped_column(FEN, default=0)


class ProjectSpendingProvider(db.Model):
    """The same sums per (year, provider), counties and categories added up: the city's
    table by provider for a year reads its largest rows on (year, amount_fen) instead of
    grouping a row per project."""

    __audit_skip__ = True  # derived from the (audited) projects and payments
    __tablename__ = "project_spending_provider"
    __table_args__ = (Index("ix_project_spending_provider_year_amount", "year", "amount_fen"),)

    year: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(primary_key=True)
    projects: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(FEN, default=0)
    paid_fen: Mapped[int] = mapped_column(FEN, default=0)
