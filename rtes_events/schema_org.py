"""Events in schema.org's vocabulary: the JSON-LD of event pages, and the API's events.

Only what the public page shows: never the private online link (a ``VirtualLocation`` points at the
event page) nor anything about registrants. Times carry their offset (Europe/Paris); all-day events
are dates, events known only by their month are ``YYYY-MM``.
"""

import functools
import json
from datetime import date, datetime, time

from markupsafe import Markup

from . import clock
from .feeds import clean_text
from .models import Event
from .urls import external_url

CONTEXT = "https://schema.org"
RTES = {
    "@type": "Organization",
    "name": "RTES — Réseau des collectivités Territoriales pour une Économie Solidaire",
    "url": "https://www.rtes.fr",
}
STATUS = {
    "published": "EventScheduled",
    "cancelled": "EventCancelled",
    "postponed": "EventPostponed",
}
ATTENDANCE = {
    "online": "OnlineEventAttendanceMode",
    "onsite": "OfflineEventAttendanceMode",
    "hybrid": "MixedEventAttendanceMode",
}


def schema(term: str) -> str:
    return f"{CONTEXT}/{term}"


def moment(event: Event, *, end: bool = False) -> str:
    """The start or end as schema.org wants it: ISO 8601 with the Paris offset, a date for all-day
    events (their stored end is midnight after the last day), a month for month-only ones."""
    local = event.local_end if end else event.local_start
    if event.month_only:
        return f"{event.local_start:%Y-%m}"
    if event.all_day:
        day = local.date()
        if end and local.time() == time(0) and day > event.local_start.date():
            day = date.fromordinal(day.toordinal() - 1)
        return day.isoformat()
    return local.isoformat(timespec="seconds")


def status(event: Event) -> str:
    """Scheduled, cancelled, postponed (no new date yet), or rescheduled (moved from ``postponed_from``)."""
    if event.status == "published" and event.postponed_from:
        return schema("EventRescheduled")
    return schema(STATUS.get(event.status, "EventScheduled"))


def place(event: Event) -> dict | None:
    """The venue as a ``Place`` with its ``PostalAddress``, when the event has one."""
    venue, city = clean_text(event.venue), clean_text(event.city)
    if not (venue or city):
        return None
    address = {"@type": "PostalAddress", "addressCountry": "FR"}
    if city:
        address["addressLocality"] = city
    if venue:
        address["streetAddress"] = venue
    return {"@type": "Place", "name": venue or city, "address": address}


def locations(event: Event, page_url: str) -> list[dict]:
    """Where: a ``Place`` on site, a ``VirtualLocation`` (the event page, never the private link)
    online, both when hybrid; a place without a mode (historical events) is a ``Place``."""
    found = []
    if event.mode != "online" and (venue := place(event)):
        found.append(venue)
    if event.mode in ("online", "hybrid"):
        found.append({"@type": "VirtualLocation", "url": page_url})
    return found


def organisers(event: Event) -> list[dict]:
    """The RTES, or for an event it relays the organisation that proposed it (« Proposé par ») or owns
    the calendar it comes from, then the co-organising partners (the event's, then its club's)."""
    partners = [{"@type": "Organization", "name": p.long_name or p.name} for p in event.co_organisers]
    if (source := event.calendar_source) is not None:
        first = _organisation(source.owner_name, source.member_organisation)
    elif (proposal := event.proposal) is not None:
        first = _organisation(proposal.organisation, proposal.member_organisation)
    else:
        first = RTES
    return [first, *partners]


def _organisation(name: str, member) -> dict:
    organisation = {"@type": "Organization", "name": clean_text(name)}
    if member is not None and member.website:
        organisation["url"] = member.website
    return organisation


def event_data(event: Event, *, places_left: int | None = None, programme=()) -> dict:
    """The schema.org ``Event`` of ``event`` (without ``@context``). ``places_left``, when known,
    says whether places remain (the offer's availability); the slots of its ``programme``
    (``timetable.programme``) are its ``subEvent``s."""
    page_url = external_url("public.event", slug=event.slug)
    data = {
        "@type": "Event",
        "identifier": event.uid,
        "url": page_url,
        "name": clean_text(event.title),
        "startDate": moment(event),
        "endDate": moment(event, end=True),
        "eventStatus": status(event),
    }
    if text := clean_text(event.summary or event.description, multiline=True):
        data["description"] = text
    if event.status == "published" and event.postponed_from:
        data["previousStartDate"] = event.postponed_from.isoformat()
    if event.mode in ATTENDANCE:
        data["eventAttendanceMode"] = schema(ATTENDANCE[event.mode])
    if where := locations(event, page_url):
        data["location"] = where if len(where) > 1 else where[0]
    data["organizer"] = organisers(event)
    if speakers := event.speakers:
        data["performer"] = [person(speaker) for speaker in speakers]
    data["isAccessibleForFree"] = True
    data["offers"] = _offer(event, page_url, places_left)
    if programme:
        people = functools.cache(person)  # the same speakers come back from slot to slot
        data["subEvent"] = [_sub_event(slot, people) for slot in programme]
    return data


def _sub_event(slot, people) -> dict:
    """A slot of the programme as an ``Event`` of its own, at its Paris times."""
    sub = {  # its texts are clean already (``timetable.clean``)
        "@type": "Event",
        "name": slot.title,
        "startDate": datetime.combine(slot.day, slot.starts, clock.PARIS).isoformat(timespec="seconds"),
        "endDate": datetime.combine(slot.day, slot.ends, clock.PARIS).isoformat(timespec="seconds"),
    }
    if slot.description:
        sub["description"] = slot.description
    if slot.place:
        sub["location"] = {"@type": "Place", "name": slot.place}
    if slot.speakers:
        sub["performer"] = [people(speaker) for speaker in slot.speakers]
    return sub


def person(speaker) -> dict:
    person = {"@type": "Person", "name": clean_text(speaker.name)}
    if speaker.organisation:
        person["affiliation"] = {"@type": "Organization", "name": clean_text(speaker.organisation)}
    return person


def _offer(event: Event, page_url: str, places_left: int | None) -> dict:
    """Free registration on the event page; sold out when no place is left."""
    offer = {"@type": "Offer", "price": 0, "priceCurrency": "EUR", "url": page_url}
    if event.registration_opens_at:
        offer["validFrom"] = clock.to_local(event.registration_opens_at).isoformat(timespec="seconds")
    if places_left is not None:
        offer["availability"] = schema("SoldOut" if places_left == 0 else "InStock")
    return offer


def json_ld(data: dict) -> Markup:
    """``data`` with its ``@context``, safe inside ``<script type="application/ld+json">``: ``<``,
    ``>`` and ``&`` are escaped as JSON escapes, so that no ``</script>`` or ``<!--`` can end it."""
    text = json.dumps({"@context": CONTEXT, **data}, ensure_ascii=False, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)  # noqa: S704 (no markup can open or close inside it)
