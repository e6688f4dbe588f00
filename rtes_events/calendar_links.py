"""« Ajouter à Google Agenda » and « Ajouter à Outlook »: links that open the calendar's new-event
form filled with the event (title, times, public description and place; never the private link)."""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from . import feeds
from .models import Event
from .urls import external_url

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"


def _texts(event: Event) -> tuple[str, str, str]:
    page_url = external_url("public.event", slug=event.slug)
    return feeds.clean_text(event.title), feeds.description(event, page_url), feeds.location(event) or ""


def _days(event: Event) -> tuple:
    """First day and the day after the last one, for events spanning whole days."""
    start, end = event.local_start, event.local_end
    after = end.date() if end.time() == time(0) else end.date() + timedelta(days=1)
    return start.date(), max(after, start.date() + timedelta(days=1))


def _whole_days(event: Event) -> bool:
    return event.all_day or event.month_only


def google(event: Event) -> str:
    """``…/render?action=TEMPLATE&text=…&dates=START/END&details=…&location=…`` in UTC
    (``YYYYMMDDTHHMMSSZ``), or dates only (end exclusive) for all-day events."""
    title, details, location = _texts(event)
    if _whole_days(event):
        first, after = _days(event)
        dates = f"{first:%Y%m%d}/{after:%Y%m%d}"
    else:
        dates = f"{_z(event.starts_at)}/{_z(event.ends_at)}"
    query = {"action": "TEMPLATE", "text": title, "dates": dates, "details": details}
    if location:
        query["location"] = location
    return f"{GOOGLE}?{urlencode(query)}"


def outlook(event: Event) -> str:
    """``…/deeplink/compose?subject=…&startdt=…&enddt=…&body=…&location=…`` (UTC times, or
    ``allday=true`` with dates)."""
    title, details, location = _texts(event)
    query = {"path": "/calendar/action/compose", "rru": "addevent", "subject": title}
    if _whole_days(event):
        first, after = _days(event)
        query.update(startdt=first.isoformat(), enddt=after.isoformat(), allday="true")
    else:
        query.update(
            startdt=f"{event.starts_at:%Y-%m-%dT%H:%M:%SZ}", enddt=f"{event.ends_at:%Y-%m-%dT%H:%M:%SZ}"
        )
    query["body"] = details
    if location:
        query["location"] = location
    return f"{OUTLOOK}?{urlencode(query)}"


def _z(stored: datetime) -> str:
    """A stored naive UTC time as ``YYYYMMDDTHHMMSSZ``."""
    return f"{stored:%Y%m%dT%H%M%SZ}"
