"""The dashboards' one table: the monthly reports kept (their figures and their two files)."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l


class MonthlyReport(db.Model):
    """A region's report for one calendar month: the figures as computed then (JSON of ints,
    never recomputed, so last month's column of the next report is what was published) and
    the PDF and .xlsx written from them (file names under INSTANCE_DIR/monthly_reports)."""

    __label__ = _l("月报")
    __field_labels__ = {"month": _l("月份"), "figures_json": _l("月报数据"),
                        "pdf_name": _l("PDF 文件"), "xlsx_name": _l("Excel 文件"),
                        "created_by_user_id": _l("生成人")}
    __table_args__ = (UniqueConstraint("region_code", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    month: Mapped[int] = mapped_column(Integer)  # YYYYMM
    figures_json: Mapped[str] = mapped_column(Text)
    pdf_name: Mapped[str] = mapped_column(String(120))
    xlsx_name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    @classmethod
    def jurisdiction_column(cls):
        return cls.region_code

    @property
    def year_month(self) -> tuple[int, int]:
        return divmod(self.month, 100)
