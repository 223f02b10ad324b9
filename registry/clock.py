"""The one source of the current time (naive UTC in the database, +08:00 for people)."""

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")


def utcnow() -> datetime:
    """Now as naive UTC, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(value: datetime | None) -> datetime | None:
    """A stored naive-UTC time as China time."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC).astimezone(CHINA)


def from_local(value: datetime) -> datetime:
    """A China time (naive or aware) as the naive UTC the database stores."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=CHINA)
    return value.astimezone(UTC).replace(tzinfo=None)


def isoformat(value: datetime | None) -> str | None:
    """ISO 8601 with the +08:00 offset, as the API answers times."""
    local = to_local(value)
    return local.isoformat(timespec="seconds") if local else None


def today_local() -> date:
    """Today's date in China."""
    return datetime.now(CHINA).date()
