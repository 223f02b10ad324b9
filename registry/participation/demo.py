"""Demo data for 社情民意: open, overdue, answered, rated and reopened suggestions."""

from datetime import timedelta

from sqlalchemy import select

from registry import audit
from registry.clock import today_local, utcnow
from registry.extensions import db
from registry.participation import operations
from registry.participation.deadlines import due_date
from registry.participation.models import Suggestion

# (township, category, content, contact, days ago, what happens, station admin's login)
SUGGESTIONS = (
    ("511302001", "consult", "小区加装电梯的补贴怎么申请？需要哪些材料？", "13800138000", 1,
     "open", "zhongcheng"),
    ("511302001", "complain", "夜间有商户在人行道上施工，噪音很大，影响休息。", "", 30,
     "overdue", "zhongcheng"),
    ("511302001", "suggest", "建议在社区公园增设几张长椅，方便老人休息。", "", 20,
     "answered", "zhongcheng"),
    ("511302002", "help", "独居老人家中水管漏水，无人帮忙维修。", "0817-2221234", 12,
     "rated", "beicheng"),
    ("511302002", "consult", "志愿服务时长证明在哪里开具？", "", 15, "reopened", "beicheng"),
)


def seed(users: dict) -> list:
    if db.session.scalar(select(Suggestion.id).limit(1)) is not None:
        return []
    try:
        for township, category, content, contact, days, state, admin in SUGGESTIONS:
            staff = users.get(admin)
            if staff is None:
                return []
            row = operations.submit({"township_code": township, "category": category,
                                     "content": content, "contact": contact})
            posted = today_local() - timedelta(days=days)
            row.created_at = utcnow() - timedelta(days=days)
            row.due_on = due_date(category, posted)
            db.session.flush()
            if state in ("open", "overdue"):
                continue
            audit.set_actor(staff)
            operations.answer(staff, row, "已收到，感谢您的留言。社区已安排专人跟进处理，"
                              "如有疑问请到便民服务中心咨询。")
            if state == "rated":
                operations.rate(row.tracking_code, "satisfied")
            if state == "reopened":
                operations.rate(row.tracking_code, "unsatisfied", "答复没有说明具体地点")
                operations.reopen(row.tracking_code, "请告知开具证明的具体窗口")
        db.session.flush()
    finally:
        audit.set_actor(None)  # later writes in this process are not theirs
    return []
