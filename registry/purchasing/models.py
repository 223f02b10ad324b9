"""The purchasing area's tables: the guidance directory (政府购买服务指导性目录) as yearly
editions of a tree of items. A published edition is frozen: its rows are never changed, and
corrections go into the next edition."""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from registry.clock import utcnow
from registry.extensions import db

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
