"""iCalendar feeds (RFC 5545) of events, and their conditional HTTP responses.

Every VEVENT keeps the event's ``uid``; DTSTAMP and LAST-MODIFIED carry its real last change (never
the request time) and SEQUENCE its ``sequence``, so that clients see real changes and only those.
Public feeds never carry registrant data or the private online link; a registrant's own feed and
e-mail attachment carry the link once the registration is confirmed.

Every VEVENT names the RTES as ORGANIZER: RFC 5546 requires it with ``METHOD:PUBLISH``, and libical
(Evolution, GNOME Calendar) refuses a feed without it. An event relayed for a member or partner
(``proposals.py``) names that organisation in its DESCRIPTION (« Proposé par … ») and in
``X-RTES-PROPOSED-BY``: ORGANIZER must be an address, and the RTES is the one publishing it. An event
relayed from a followed calendar (``sources.py``) says « Relayé depuis … » with its own page there,
and names the calendar's owner in ``X-RTES-PROPOSED-BY``.

A public VEVENT is serialised once per event change, shared data version and plugin set, and kept
(``cache.vevents``): a feed, filtered or not, is a concatenation of kept VEVENTs behind a fixed header.
"""

import functools
import hashlib
from collections import OrderedDict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from email.utils import parseaddr

import icalendar
from babel.dates import format_date
from flask import Response, current_app, request
from slugify import slugify
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload, subqueryload

from . import cache, clock, versions
from .config import TIMEZONE
from .extensions import db
from .formatting import LOCALE, one_line, slot_line
from .models import Event, Registration
from .models.registrations import ACTIVE
from .plugins import hook
from .urls import external_url

PRODID = "-//RTES//rtes-events//FR"
TTL = timedelta(hours=1)
EMPTY_FEED_MODIFIED = datetime(2020, 1, 1, tzinfo=UTC)  # Last-Modified of a feed with no event
PERSONAL_NAME = "Mon agenda RTES"
AGENDA_NAMES = {"webinaire": "RTES — Webinaires", "rencontre": "RTES — Rencontres", "club": "RTES — Clubs"}
ORIGIN_NAMES = {
    "adherents": "RTES — Événements des adhérents",
    "partenaires": "RTES — Événements des réseaux partenaires",
}
PROPOSED_BY = "X-RTES-PROPOSED-BY"  # the organisation that proposed a relayed event

EVENT_STATUS = {"cancelled": "CANCELLED", "postponed": "TENTATIVE"}
# A registrant's calendar sees their registration's changes too: SEQUENCE = event's + this offset,
# plus REREGISTRATION_STEP per earlier cancelled registration so that it never goes back.
REGISTRATION_SEQUENCE = {"waitlisted": 0, "confirmed": 1, "attended": 1, "cancelled": 2}
REGISTRATION_STEP = 3
END = b"END:VCALENDAR\r\n"
LOAD_BY_ID = 500  # events missing from the VEVENT cache loaded by id up to this many, else all again


def clean_text(text: str | None, *, multiline: bool = False) -> str:
    """Text without control characters; line breaks are kept only when ``multiline``."""
    lines = str(text or "").splitlines() if multiline else [text]
    return "\n".join(one_line(line) for line in lines).strip()


def agenda_name(filters) -> str:
    """The calendar name of ``/agenda.ics`` for these filters (an ``EventFilter``)."""
    return AGENDA_NAMES.get(filters.type) or ORIGIN_NAMES.get(filters.origine, "RTES — Agenda")


def location(event: Event, online_url: str | None = None) -> str | None:
    """Where the event happens; ``online_url`` is given only in private contexts."""
    place = ", ".join(part for part in (clean_text(event.venue), clean_text(event.city)) if part)
    online = f"En ligne : {online_url}" if online_url else "En ligne"
    if event.mode == "online":
        return online_url or "En ligne"
    if event.mode == "hybrid":
        return " — ".join(part for part in (place, online) if part)
    return place or None


def description(event: Event, page_url: str, notes: Iterable[str] = ()) -> str:
    """Plain text: status and date notes, who proposed a relayed event, the summary, then the event page."""
    lines = list(notes)
    if (source := event.calendar_source) is not None:
        lines.append(f"Relayé depuis {clean_text(source.name)}")
        if event.relay_url:
            lines.append(f"Page de l'événement chez l'organisateur : {event.relay_url}")
    elif organisation := proposed_by(event):
        lines.append(f"Proposé par {organisation}")
    if event.status == "cancelled":
        lines.insert(0, "Événement annulé.")
    elif event.status == "postponed":
        lines.insert(0, "Événement reporté : la nouvelle date sera annoncée sur sa page.")
    if event.month_only:
        month = format_date(event.local_start.date(), "MMMM y", locale=LOCALE)
        lines.append(f"Date précise non connue : {month}")
    if summary := clean_text(event.summary, multiline=True):
        lines.append(summary)
    lines.append(f"Page de l'événement : {page_url}")
    return "\n\n".join(lines)


def proposed_by(event: Event) -> str | None:
    """The organisation that proposed a relayed event (the owner of its calendar for one relayed from a
    followed calendar), on one line; None for the network's own."""
    if event.calendar_source is not None:
        return clean_text(event.calendar_source.owner_name) or None
    return clean_text(event.proposal.organisation) or None if event.proposal is not None else None


def organizer() -> icalendar.vCalAddress:
    """The RTES, as the sender of its e-mails (``RTES_MAIL_FROM``)."""
    name, address = parseaddr(current_app.config["RTES_MAIL_FROM"])
    organizer = icalendar.vCalAddress(f"mailto:{address}")
    organizer.params["CN"] = clean_text(name) or "RTES"
    return organizer


def build_vevent(
    event: Event,
    registration: Registration | None = None,
    earlier_cancelled: int = 0,
    *,
    plugins: bool = True,
):
    """The VEVENT of ``event``: public, or private to ``registration``'s holder when given; changed
    by the plugins' ``rtes_ical_event`` unless ``plugins`` is false.

    ``earlier_cancelled`` counts that person's cancelled registrations to the event before
    ``registration``: it keeps the SEQUENCE rising when they register again.
    """
    private = registration is not None
    page_url = external_url("public.event", slug=event.slug)
    changed = event.updated_at
    sequence = event.sequence or 0
    status = EVENT_STATUS.get(event.status, "CONFIRMED")
    online_url, notes = None, []
    if private:
        changed = max(changed, registration.updated_at or changed)
        sequence += REGISTRATION_SEQUENCE.get(registration.status, 0) + REGISTRATION_STEP * earlier_cancelled
        if registration.status == "cancelled":
            status = "CANCELLED"
            notes.append("Votre inscription est annulée.")
        elif registration.status == "waitlisted":
            status = "TENTATIVE" if status == "CONFIRMED" else status
            position = registration.waitlist_position
            notes.append(
                f"Vous êtes en liste d'attente (position {position})."
                if position
                else "Vous êtes en liste d'attente."
            )
        if registration.mode_label:
            notes.append(f"Participation : {registration.mode_label.lower()}.")
        notes += [f"{slot.choice or 'Créneau'} : {slot_line(slot)}" for slot in registration.slots]
        if online_url := registration.online_link:
            notes.append(f"Lien de connexion : {online_url}")

    vevent = icalendar.Event.new(
        uid=event.uid,
        organizer=organizer(),
        stamp=clock.aware_utc(changed),
        last_modified=clock.aware_utc(changed),
        created=clock.aware_utc(event.created_at),
        sequence=sequence,
        status=status,
        summary=clean_text(event.title),
        description=description(event, page_url, notes),
        location=location(event, online_url),
        url=page_url,
        categories=[event.kind_label, *(theme.name for theme in event.themes)],
        start=_start(event),
        end=_end(event),
    )
    if organisation := proposed_by(event):
        vevent.add(PROPOSED_BY, organisation)
    if online_url:
        vevent.conferences = [icalendar.Conference(online_url, feature="VIDEO", label="Rejoindre en ligne")]
    if plugins:
        hook().rtes_ical_event(event=event, vevent=vevent, private=private)
    return vevent


class _LazyVEvent(icalendar.Event):
    """The public VEVENT handed to the plugins' ``rtes_ical_event``, its properties built only when
    a plugin first reads or changes it: a VEVENT no plugin touched is written directly."""

    _OWN = frozenset(("__dict__", "__class__", "_fill", "_filled"))

    def __init__(self, build):
        super().__init__()
        self.__dict__["_build"] = build

    def _fill(self) -> None:
        state = object.__getattribute__(self, "__dict__")
        build = state.pop("_build", None)
        if build is not None:
            built = build()
            for name, value in built.items():
                OrderedDict.__setitem__(self, name, value)
            state["subcomponents"], state["errors"] = built.subcomponents, built.errors

    def _filled(self) -> bool:
        return "_build" not in object.__getattribute__(self, "__dict__")

    def __getattribute__(self, name):
        if name not in _LazyVEvent._OWN:
            object.__getattribute__(self, "_fill")()
        return object.__getattribute__(self, name)


def _touching(method: str):
    def touched(self, *args, **kwargs):
        self._fill()
        return getattr(super(_LazyVEvent, self), method)(*args, **kwargs)

    return touched


for _method in ("__getitem__", "__setitem__", "__delitem__", "__contains__", "__iter__", "__len__", "__eq__"):
    setattr(_LazyVEvent, _method, _touching(_method))


def public_vevent(event: Event) -> bytes:
    """The public VEVENT of ``event``, serialised.

    Written here directly (the properties of ``build_vevent``, several times faster than
    icalendar), unless a plugin's ``rtes_ical_event`` reads or changes it: then through icalendar
    (the plugins get a VEVENT built only when they touch it)."""
    if hook().rtes_ical_event.get_hookimpls():
        vevent = _LazyVEvent(lambda: build_vevent(event, plugins=False))
        hook().rtes_ical_event(event=event, vevent=vevent, private=False)
        if vevent._filled():
            return vevent.to_ical()
    page_url = external_url("public.event", slug=event.slug)
    name, address = parseaddr(current_app.config["RTES_MAIL_FROM"])
    changed = f"{event.updated_at:%Y%m%dT%H%M%SZ}"
    place = location(event)
    categories = [event.kind_label, *(theme.name for theme in event.themes)]
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(clean_text(event.title))}",
        _when("DTSTART", _start(event)),
        _when("DTEND", _end(event)),
        f"DTSTAMP:{changed}",
        f"UID:{_text(event.uid)}",
        f"SEQUENCE:{event.sequence or 0}",
        "CATEGORIES:" + ",".join(_text(category) for category in categories),
        f"CREATED:{event.created_at:%Y%m%dT%H%M%SZ}",
        f"DESCRIPTION:{_text(description(event, page_url))}",
        f"LAST-MODIFIED:{changed}",
        *([f"LOCATION:{_text(place)}"] if place else []),
        f"ORGANIZER;CN={_parameter(clean_text(name) or 'RTES')}:mailto:{address}",
        f"STATUS:{EVENT_STATUS.get(event.status, 'CONFIRMED')}",
        f"URL:{page_url}",
        *([f"{PROPOSED_BY}:{_text(organisation)}"] if (organisation := proposed_by(event)) else []),
        "END:VEVENT",
    ]
    return b"".join(_fold(line.encode()) for line in lines)


def _text(value: str) -> str:
    """A TEXT value escaped as RFC 5545 §3.3.11 says."""
    escaped = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return escaped.replace("\r\n", "\\n").replace("\n", "\\n")


def _parameter(value: str) -> str:
    value = value.replace('"', "")
    return f'"{value}"' if any(c in value for c in ",;:") else value


def _when(name: str, moment: date | datetime) -> str:
    if isinstance(moment, datetime):
        return f"{name};TZID={TIMEZONE}:{moment:%Y%m%dT%H%M%S}"
    return f"{name};VALUE=DATE:{moment:%Y%m%d}"


def _fold(line: bytes) -> bytes:
    """A content line folded at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character."""
    parts, limit = [], 75
    while len(line) > limit:
        cut = limit
        while line[cut] & 0xC0 == 0x80:  # a continuation byte: cut before its character
            cut -= 1
        parts.append(line[:cut])
        line, limit = line[cut:], 74  # the leading space counts
    parts.append(line)
    return b"\r\n ".join(parts) + b"\r\n"


def _start(event: Event) -> date | datetime:
    return event.local_start.date() if event.all_day else event.local_start


def _end(event: Event) -> date | datetime:
    if event.all_day:
        # ends_at is the midnight after the last day; a whole day at least.
        return max(event.local_end.date(), event.local_start.date() + timedelta(days=1))
    return max(event.local_end, event.local_start)


def paris_timezone() -> icalendar.Timezone:
    """The VTIMEZONE of Europe/Paris as the yearly EU rules (in force since 1996).

    icalendar generates one RDATE per change instead, which some clients ignore (ical.js, the
    parser of Thunderbird, then puts summer events an hour off); yearly rules every client reads.
    """
    rules = [
        (icalendar.TimezoneDaylight(), datetime(1981, 3, 29, 2), 1, 2, "CEST", 3),
        (icalendar.TimezoneStandard(), datetime(1996, 10, 27, 3), 2, 1, "CET", 10),
    ]
    timezone = icalendar.Timezone()
    timezone.add("TZID", TIMEZONE)
    for component, start, before, after, name, month in rules:
        component.add("DTSTART", start)
        component.add("TZOFFSETFROM", timedelta(hours=before))
        component.add("TZOFFSETTO", timedelta(hours=after))
        component.add("TZNAME", name)
        component.add("RRULE", {"FREQ": "YEARLY", "BYMONTH": month, "BYDAY": "-1SU"})
        timezone.add_component(component)
    return timezone


def calendar(vevents: Iterable, name: str) -> icalendar.Calendar:
    """A VCALENDAR of ``vevents`` named ``name``, with the VTIMEZONE of every TZID used."""
    cal = icalendar.Calendar()
    cal.prodid = PRODID
    cal.version = "2.0"
    cal.calscale = "GREGORIAN"
    cal.method = "PUBLISH"
    cal.calendar_name = clean_text(name)  # NAME and X-WR-CALNAME
    cal.add("X-WR-TIMEZONE", TIMEZONE)
    cal.add("REFRESH-INTERVAL", TTL, parameters={"VALUE": "DURATION"})  # RFC 7986 requires VALUE
    cal.add("X-PUBLISHED-TTL", icalendar.vDuration(TTL))
    cal.add_component(paris_timezone())
    for vevent in vevents:
        cal.add_component(vevent)
    cal.add_missing_timezones()
    return cal


@functools.lru_cache(maxsize=256)
def _header(name: str) -> bytes:
    """A feed's VCALENDAR up to its first VEVENT: properties and VTIMEZONE."""
    body = calendar([], name).to_ical()
    return body[: -len(END)]


def public_feed(query: Select, name: str) -> tuple[bytes, datetime | None]:
    """The public feed of the events of ``query`` (a ``select(Event)``, in feed order), and their
    last change. Kept VEVENTs are reused; the others are built, kept, and loaded in one query."""
    rows = db.session.execute(query.with_only_columns(Event.id, Event.updated_at, Event.sequence)).all()
    prefix = f"{cache.digest(cache.plugin_set())}:{versions.current('shared')[0]}"
    keys = [f"{prefix}:{id}:{updated:%Y%m%d%H%M%S%f}:{sequence}" for id, updated, sequence in rows]
    kept = cache.vevents.get_many(*keys) if keys else []
    missing = {row.id: key for row, key, body in zip(rows, keys, kept, strict=True) if body is None}
    built = {}
    if missing:
        load = query if len(missing) > LOAD_BY_ID else select(Event).where(Event.id.in_(missing))
        loaded = load.options(
            subqueryload(Event.themes), selectinload(Event.proposal), selectinload(Event.calendar_source)
        )
        for event in db.session.scalars(loaded):
            if event.id in missing:
                built[missing[event.id]] = public_vevent(event)
        cache.vevents.set_many(built)
    vevents = [built.get(key, b"") if body is None else body for key, body in zip(keys, kept, strict=True)]
    changed = max((row.updated_at for row in rows), default=None)
    return b"".join((_header(name), *vevents, END)), changed


def _one_per_event(registrations: Iterable[Registration]) -> list[tuple[Registration, int]]:
    """For each event, the registration to show (the active one, else the latest) and the number
    of cancelled registrations before it, in the order of the events."""
    by_event: dict[int, list[Registration]] = {}
    for registration in registrations:
        by_event.setdefault(registration.event_id, []).append(registration)
    chosen = []
    for items in by_event.values():
        items.sort(key=lambda r: r.id)
        shown = next((r for r in items if r.status in ACTIVE), items[-1])
        earlier = sum(1 for r in items if r.status == "cancelled" and r.id < shown.id)
        chosen.append((shown, earlier))
    return chosen


def personal_ics(registrations: Iterable[Registration], name: str = PERSONAL_NAME) -> bytes:
    """A registrant's own feed: one VEVENT per event, cancelled registrations included."""
    vevents = (build_vevent(r.event, r, earlier) for r, earlier in _one_per_event(registrations))
    return calendar(vevents, name).to_ical()


def registration_ics(registration: Registration) -> bytes:
    """The VCALENDAR of one registration's event (the e-mail attachment)."""
    earlier = db.session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.email == registration.email,
            Registration.status == "cancelled",
            Registration.id < registration.id,
        )
    )
    vevent = build_vevent(registration.event, registration, earlier)
    return calendar([vevent], registration.event.title).to_ical()


def feed_response(query: Select, name: str, filename: str | None = None) -> Response:
    """A public feed of the events of ``query``; ``cache.public`` gives its ETag and caching."""
    body, changed = public_feed(query, name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename or slugify(name) + ".ics"}"'
    response.last_modified = clock.aware_utc(changed) if changed else EMPTY_FEED_MODIFIED
    return response


def personal_feed_response(registrations: Iterable[Registration], name: str = PERSONAL_NAME) -> Response:
    """A registrant's own feed: never stored by shared caches."""
    registrations = list(registrations)
    body = personal_ics(registrations, name)
    changed = max((max(r.updated_at, r.event.updated_at) for r in registrations), default=None)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="mon-agenda.ics"'
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.last_modified = clock.aware_utc(changed) if changed else EMPTY_FEED_MODIFIED
    response.cache_control.private = True
    response.cache_control.no_store = True
    return response.make_conditional(request)
