"""Time in one place: UTC in the database (naive, portable), Europe/Paris for people."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from .config import TIMEZONE

PARIS = ZoneInfo(TIMEZONE)


def now() -> datetime:
    """The current time as a naive UTC datetime, as stored in the database."""
    return datetime.now(UTC).replace(tzinfo=None)


def to_local(moment: datetime) -> datetime:
    """A stored naive UTC datetime as an aware Europe/Paris datetime."""
    return moment.replace(tzinfo=UTC).astimezone(PARIS)


def to_utc(day: date, at: time | None = None) -> datetime:
    """A Paris wall-clock date and time (midnight when absent) as a naive UTC datetime."""
    local = datetime.combine(day, at or time(0), tzinfo=PARIS)
    return local.astimezone(UTC).replace(tzinfo=None)


def aware_utc(moment: datetime) -> datetime:
    """A stored naive UTC datetime made timezone-aware."""
    return moment.replace(tzinfo=UTC)


def local_today() -> date:
    return to_local(now()).date()
