"""The 社情民意 message board's table: one suggestion (message) from a resident to a township."""

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.extensions import db
from registry.i18n import lazy_gettext as _l
from registry.models import Region

SUGGESTION_CATEGORIES = {"consult": _l("咨询"), "suggest": _l("建议"), "help": _l("求助"),
                         "complain": _l("投诉")}
SUGGESTION_STATUSES = {"open": _l("待答复"), "reopened": _l("重新办理"),
                       "answered": _l("已答复")}
OPEN_STATES = ("open", "reopened")
RATINGS = {"satisfied": _l("满意"), "basically_satisfied": _l("基本满意"),
           "unsatisfied": _l("不满意")}


class Suggestion(db.Model):
    """A resident's message (咨询, 建议, 求助, 投诉) to a township; the poster is kept apart.

    township_code is where it was posted (statistics); handler_code the region handling it now
    (the township, another one it was forwarded to, a county or the city: jurisdiction)."""

    __label__ = _l("社情民意留言")
    __field_labels__ = {
        "poster_user_id": _l("留言人账号"), "answered_by": _l("答复人"),
        "first_answered_at": _l("首次答复时间"), "answer_seconds": _l("答复用时（秒）"),
        "answered_in_time": _l("按期答复"), "rated_at": _l("评价时间"),
        "reopened_at": _l("重新办理时间"), "overdue_notified_at": _l("超期提醒时间")}
    __value_labels__ = {"category": SUGGESTION_CATEGORIES, "status": SUGGESTION_STATUSES,
                        "rating": RATINGS}
    # The poster's account and contact never show in an audit row, even masked.
    __masked_fields__ = {"contact_encrypted": "secret", "contact_masked": "secret",
                         "poster_user_id": "secret", "tracking_code": "secret"}
    __table_args__ = (
        Index("ix_suggestion_township_created", "township_code", "created_at"),
        Index("ix_suggestion_status_due", "status", "due_on"),
        Index("ix_suggestion_handler_id", "handler_code", "id"),
        Index("ix_suggestion_public", "status", "township_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tracking_code: Mapped[str] = mapped_column(String(12), unique=True)
    category: Mapped[str] = mapped_column(String(20))
    township_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    handler_code: Mapped[str] = mapped_column(ForeignKey("region.code"))
    content: Mapped[str] = mapped_column(Text)
    photo_name: Mapped[str] = mapped_column(String(64), default="")
    photo_type: Mapped[str] = mapped_column(String(30), default="")
    contact_encrypted: Mapped[str] = mapped_column(Text, default="")
    contact_masked: Mapped[str] = mapped_column(String(40), default="")
    poster_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    status: Mapped[str] = mapped_column(String(20), default="open")
    due_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None]
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The first answer, for the statistics: how long it took and whether it met the due date.
    first_answered_at: Mapped[datetime | None]
    answer_seconds: Mapped[int | None]
    answered_in_time: Mapped[bool | None]
    forwarded_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[str | None] = mapped_column(String(20))
    rating_reason: Mapped[str] = mapped_column(Text, default="")
    rated_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(default=0)
    reopened_at: Mapped[datetime | None]
    overdue_notified_at: Mapped[datetime | None]

    township: Mapped[Region] = relationship(Region, foreign_keys=[township_code])
    handler: Mapped[Region] = relationship(Region, foreign_keys=[handler_code])

    @classmethod
    def jurisdiction_column(cls):
        return cls.handler_code

    @property
    def category_label(self) -> str:
        return str(SUGGESTION_CATEGORIES.get(self.category, self.category))

    @property
    def status_label(self) -> str:
        return str(SUGGESTION_STATUSES.get(self.status, self.status))

    @property
    def rating_label(self) -> str:
        return str(RATINGS.get(self.rating, self.rating or ""))
