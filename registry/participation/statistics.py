"""Officials' 社情民意 figures: per township and category, one grouped query over created_at."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func, select

from registry.clock import from_local, today_local
from registry.extensions import db
from registry.participation.models import OPEN_STATES, SUGGESTION_CATEGORIES, Suggestion
from registry.regions import name_of
from registry.scoping import region_condition

FIGURES = ("posted", "answered", "answered_in_time", "open_overdue", "answer_seconds_total",
           "rated", "satisfied", "basically_satisfied", "unsatisfied")


def _count(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def suggestion_rows(region_code: str, start: date, end: date) -> list[dict]:
    """Per (township_code, category) of the suggestions posted in region_code (the city, a
    county or a township) from start to end (Beijing dates, inclusive): posted, answered (ever
    answered), answered_in_time (first answer by the due date), open_overdue (open now and past
    the due date), answer_seconds_total (over the answered), rated, satisfied,
    basically_satisfied, unsatisfied (the latest rating). Counted in SQL, rows never loaded."""
    since = from_local(datetime.combine(start, time.min))
    until = from_local(datetime.combine(end + timedelta(days=1), time.min))
    s = Suggestion
    stmt = (select(
        s.township_code, s.category,
        func.count(s.id).label("posted"),
        _count(s.first_answered_at.is_not(None)).label("answered"),
        _count(s.answered_in_time.is_(True)).label("answered_in_time"),
        _count(s.status.in_(OPEN_STATES) & (s.due_on < today_local())).label("open_overdue"),
        func.coalesce(func.sum(s.answer_seconds), 0).label("answer_seconds_total"),
        _count(s.rating.is_not(None)).label("rated"),
        _count(s.rating == "satisfied").label("satisfied"),
        _count(s.rating == "basically_satisfied").label("basically_satisfied"),
        _count(s.rating == "unsatisfied").label("unsatisfied"))
        .where(region_condition(s.township_code, region_code),
               s.created_at >= since, s.created_at < until)
        .group_by(s.township_code, s.category)
        .order_by(s.township_code, s.category))
    return [{"township_code": row.township_code, "category": row.category,
             **{name: int(getattr(row, name) or 0) for name in FIGURES}}
            for row in db.session.execute(stmt)]


def _summary(key: str, label: str, rows: list[dict]) -> dict:
    total = {name: sum(row[name] for row in rows) for name in FIGURES}
    answered = total["answered"]
    total.update(
        key=key, label=label,
        answer_rate=round(100 * answered / total["posted"], 1) if total["posted"] else None,
        in_time_rate=round(100 * total["answered_in_time"] / answered, 1) if answered else None,
        average_hours=round(total["answer_seconds_total"] / answered / 3600, 1)
        if answered else None,
        satisfaction_rate=round(100 * (total["satisfied"] + total["basically_satisfied"])
                                / total["rated"], 1) if total["rated"] else None)
    return total


def summaries(region_code: str, start: date, end: date) -> dict:
    """The stats page's tables: by category, by township, and the total."""
    rows = suggestion_rows(region_code, start, end)
    by_category = [_summary(key, str(label), [r for r in rows if r["category"] == key])
                   for key, label in SUGGESTION_CATEGORIES.items()]
    townships = sorted({row["township_code"] for row in rows})
    by_township = [_summary(code, name_of(code),
                            [r for r in rows if r["township_code"] == code])
                   for code in townships]
    return {"by_category": by_category, "by_township": by_township,
            "total": _summary("", "", rows)}


def default_range() -> tuple[date, date]:
    """This year so far (Beijing)."""
    today = today_local()
    return today.replace(month=1, day=1), today
