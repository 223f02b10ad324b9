"""Working-day arithmetic for the answer deadlines: weekends, HOLIDAYS and EXTRA_WORKDAYS."""

from datetime import date, timedelta

from flask import current_app

MAX_WORKDAYS = 366  # a configured deadline beyond a year is a mistake, not a rule


def is_workday(day: date) -> bool:
    """A make-up workday (调休) counts, a listed holiday does not, otherwise Monday–Friday."""
    config = current_app.config
    if day in set(config.get("EXTRA_WORKDAYS", ())):
        return True
    if day in set(config.get("HOLIDAYS", ())):
        return False
    return day.weekday() < 5


def add_workdays(start: date, days: int) -> date:
    """The days-th working day after start (start itself never counts: posted on a Friday with
    3 days → the Wednesday after, with no holiday in between)."""
    days = max(0, min(int(days), MAX_WORKDAYS))
    extra = set(current_app.config.get("EXTRA_WORKDAYS", ()))
    holidays = set(current_app.config.get("HOLIDAYS", ()))
    day = start
    while days:
        day += timedelta(days=1)
        if day in extra or (day not in holidays and day.weekday() < 5):
            days -= 1
    return day


def deadline_days(category: str) -> int:
    """The configured working days to answer a category (SUGGESTION_DEADLINE_DAYS)."""
    return int(current_app.config["SUGGESTION_DEADLINE_DAYS"].get(category, 15))


def due_date(category: str, start: date) -> date:
    """The answer's due date for a suggestion of category posted (or reopened) on start."""
    return add_workdays(start, deadline_days(category))


def workdays_between(start: date, end: date) -> int:
    """Working days after start up to and including end (0 when end is not after start)."""
    count, day = 0, start
    while day < end and count <= MAX_WORKDAYS * 10:
        day += timedelta(days=1)
        count += is_workday(day)
    return count
