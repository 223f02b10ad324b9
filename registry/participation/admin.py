"""Back-office view of the 社情民意 suggestions: read-only, never the poster or the code."""

from registry.admin import ScopedModelView
from registry.i18n import lazy_gettext as _l
from registry.participation.models import (
    RATINGS,
    SUGGESTION_CATEGORIES,
    SUGGESTION_STATUSES,
    Suggestion,
)
from registry.participation.operations import HANDLER_ROLES

CATEGORY = _l("社情民意")


def _label(mapping):
    def format_(view, context, model, name):
        value = getattr(model, name)
        return mapping.get(value, value or "")

    return format_


class SuggestionView(ScopedModelView):
    """Every change goes through the pages and the API, which apply the rules (deadlines,
    forwarding, ratings); here the rows are only read. The contact is shown masked."""

    allowed_roles = HANDLER_ROLES
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_default_sort = ("id", True)
    column_list = ("id", "created_at", "category", "township_code", "handler_code", "status",
                   "due_on", "answered_at", "rating")
    column_details_list = column_list + ("content", "contact_masked", "answer",
                                         "forwarded_count", "rating_reason", "reopen_count")
    column_filters = ("status", "category", "township_code", "handler_code")
    column_labels = {"id": _l("编号"), "created_at": _l("留言时间"), "category": _l("类别"),
                     "township_code": _l("乡镇代码"), "handler_code": _l("办理地区代码"),
                     "status": _l("状态"), "due_on": _l("答复期限"),
                     "answered_at": _l("答复时间"), "rating": _l("评价"),
                     "content": _l("留言内容"), "contact_masked": _l("联系方式（脱敏）"),
                     "answer": _l("答复内容"), "forwarded_count": _l("转交次数"),
                     "rating_reason": _l("评价理由"), "reopen_count": _l("重新办理次数")}

    def __init__(self, *args, **kwargs):
        self.column_formatters = {"status": _label(SUGGESTION_STATUSES),
                                  "category": _label(SUGGESTION_CATEGORIES),
                                  "rating": _label(RATINGS)}
        super().__init__(*args, **kwargs)


def admin_views() -> list:
    return [SuggestionView(Suggestion, name=_l("社情民意留言"), category=CATEGORY)]
