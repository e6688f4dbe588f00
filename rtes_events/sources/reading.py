"""Reading a followed calendar: the events of an iCalendar feed within the agenda's window, as
plain values (``Item``), with icalendar (time zones by TZID with or without VTIMEZONE, Windows zone
names, folded lines) and recurring-ical-events (RRULE, RDATE, EXDATE and overridden instances;
X-WR-TIMEZONE of Google Agenda).

Times become naive UTC as the agenda stores them: floating times are Paris time, an all-day event
spans whole Paris days. A description in HTML becomes text (links kept when http(s)), rendered later
through Markdown and sanitised as a proposal's. An event without UID gets a key derived from its start
and title, stable from one refresh to the next.
"""

import hashlib
import html
import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta

import nh3
import recurring_ical_events
from icalendar import Calendar

from .. import clock
from ..checks import InvalidImport, web_address
from ..formatting import one_line

MAX_DESCRIPTION = 10_000
MAX_UID = 255
SERIES_PROPERTIES = ("RRULE", "RDATE", "RECURRENCE-ID")
LINK = re.compile(r"""<a\s[^>]*href\s*=\s*["']?([^"'\s>]+)["']?[^>]*>(.*?)</a\s*>""", re.I | re.S)
BREAK = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\b[^>]*>", re.I)
ITEM = re.compile(r"<\s*li\b[^>]*>", re.I)
POSTCODE_CITY = re.compile(r"\b\d{5}\s+([^,\d][^,]*)$")


class NotACalendar(ValueError):
    """What was fetched is no iCalendar feed; the message says so, in French."""


@dataclass(frozen=True)
class Item:
    """One event (or one occurrence of a recurring one) as the feed gives it, times naive UTC."""

    uid: str
    recurrence_id: str  # '' for a single event, else the occurrence's original start
    title: str
    description: str | None
    starts_at: datetime
    ends_at: datetime
    all_day: bool
    location: str | None
    url: str | None
    cancelled: bool
    sequence: int
    last_modified: str

    @property
    def key(self) -> tuple[str, str]:
        return self.uid, self.recurrence_id

    @property
    def online(self) -> bool:
        """Its place is a web address (a video meeting)."""
        return bool(self.location) and _link(self.location) is not None

    @property
    def city(self) -> str | None:
        """The town of a French address ending in « 69001 Lyon »."""
        match = POSTCODE_CITY.search(self.location or "")
        return one_line(match[1])[:120] if match and not self.online else None

    def fingerprint(self) -> str:
        """A digest of all it says: equal digests, nothing to write."""
        text = json.dumps(asdict(self), default=str, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def read(body: bytes, start: datetime, end: datetime) -> list[Item]:
    """The events of the feed ``body`` that overlap [``start``, ``end``) (naive UTC), sorted by
    start; NotACalendar when it is none."""
    text = body.decode("utf-8-sig", errors="replace")
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise NotACalendar(
            "Le contenu reçu n'est pas un calendrier iCalendar (il devrait commencer par "
            "« BEGIN:VCALENDAR ») : indiquez le lien d'abonnement du calendrier."
        )
    try:
        calendar = Calendar.from_ical(text)
        series = {
            str(c.get("UID")) for c in calendar.walk("VEVENT") if any(p in c for p in SERIES_PROPERTIES)
        }
        found = recurring_ical_events.of(calendar, skip_bad_series=True).between(
            start.replace(tzinfo=UTC), end.replace(tzinfo=UTC)
        )
        items = [item for component in found if (item := _readable(component, series)) is not None]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise NotACalendar(f"Le calendrier est illisible : {one_line(str(exc))[:200]}") from None
    return sorted(items, key=lambda item: (item.starts_at, item.key))


def _readable(component, series: set[str]) -> Item | None:
    """The event of ``component``, or None when it has no start or values past reading (one broken
    event does not refuse its calendar)."""
    try:
        return _item(component, series)
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _item(component, series: set[str]) -> Item | None:
    if "DTSTART" not in component:
        return None
    starts = component["DTSTART"].dt
    all_day = not isinstance(starts, datetime)
    ends = component["DTEND"].dt if "DTEND" in component else None
    if all_day:
        ends = ends if isinstance(ends, date) and not isinstance(ends, datetime) and ends > starts else None
        starts_at, ends_at = clock.to_utc(starts), clock.to_utc(ends or starts + timedelta(days=1))
    else:
        starts_at = _utc(starts)
        ends_at = _utc(ends) if isinstance(ends, datetime) else starts_at
        if ends_at <= starts_at:
            ends_at = starts_at + timedelta(hours=1)
    title = one_line(component.get("SUMMARY"))[:300] or "(sans titre)"
    given_uid = one_line(component.get("UID"))
    uid = given_uid or "derived-" + _digest(f"{component['DTSTART'].to_ical().decode()}|{title}")
    if len(uid) > MAX_UID:
        uid = "digest-" + _digest(uid)
    recurrence_id = ""
    if given_uid in series and "RECURRENCE-ID" in component:
        recurrence_id = _recurrence_id(component["RECURRENCE-ID"].dt)
    modified = component.get("LAST-MODIFIED")  # not DTSTAMP: many servers stamp each export anew
    return Item(
        uid=uid,
        recurrence_id=recurrence_id,
        title=title,
        description=text_of(component.get("DESCRIPTION") or component.get("X-ALT-DESC")),
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
        location=one_line(component.get("LOCATION"))[:300] or None,
        url=_link(component.get("URL")),
        cancelled=one_line(component.get("STATUS")).upper() == "CANCELLED",
        sequence=_int(component.get("SEQUENCE")),
        last_modified=modified.to_ical().decode() if modified is not None else "",
    )


def _utc(moment: datetime) -> datetime:
    """Naive UTC; a floating time is Paris time."""
    if moment.tzinfo is None:
        return clock.to_utc(moment.date(), moment.time())
    return moment.astimezone(UTC).replace(tzinfo=None)


def _recurrence_id(moment: date) -> str:
    if isinstance(moment, datetime):
        return _utc(moment).strftime("%Y%m%dT%H%M%SZ")
    return moment.strftime("%Y%m%d")


def _int(value) -> int:
    try:
        return max(0, min(int(value), 2**31 - 1))
    except (TypeError, ValueError):
        return 0


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:40]


def _link(value) -> str | None:
    """An http(s) address, else None."""
    text = one_line(value)
    try:
        address = web_address(text)
    except InvalidImport:
        return None
    return address if address and len(address) <= 500 else None


def text_of(value) -> str | None:
    """A description as text: HTML (X-ALT-DESC, or a DESCRIPTION holding tags) loses its markup but
    keeps line breaks and its http(s) links, as Markdown; NUL and other control characters go."""
    text = str(value or "")
    if re.search(r"<[a-zA-Z/][^>]*>", text):
        text = LINK.sub(lambda m: _markdown_link(m[1], m[2]), text)
        text = ITEM.sub("\n- ", BREAK.sub("\n", text))
        text = html.unescape(nh3.clean(text, tags=set()))
    lines = [
        "".join(c for c in line if c.isprintable()).rstrip() for line in text.replace("\r", "").split("\n")
    ]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return text[:MAX_DESCRIPTION] or None


def _markdown_link(href: str, label: str) -> str:
    label = one_line(html.unescape(nh3.clean(label, tags=set())))
    address = _link(html.unescape(href))
    if address is None:
        return label
    return f"[{label}]({address})" if label and label != address else f"<{address}>"
