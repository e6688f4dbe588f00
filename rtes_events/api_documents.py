"""What the read-only API answers: events, clubs, replays and member authorities as JSON, in
schema.org's vocabulary where it has one (see ``schema_org``), with the project's own fields beside.

Only public data: published, cancelled and postponed events (never a draft), never the private
online link nor anything about registrants, replays' public resources only, member authorities'
public facts (never their e-mail domains).
"""

from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from . import clock, registry, replays, schema_org, timetable
from .extensions import db
from .models import CalendarSource, Club, Event, EventProposal, MemberOrganisation, Replay
from .models.members import KINDS as MEMBER_KINDS
from .replays import FILE_ROUTES
from .urls import external_url

RESOURCE_TYPES = {
    "video": "VideoObject",
    "slides": "PresentationDigitalDocument",
    "summary": "CreativeWork",
    "captions": "MediaObject",
}
EVENT_DETAILS = (
    selectinload(Event.club).selectinload(Club.co_organisers),
    selectinload(Event.club).selectinload(Club.region),
    selectinload(Event.partners),
    selectinload(Event.themes),
    selectinload(Event.proposal).selectinload(EventProposal.member_organisation),
    selectinload(Event.calendar_source).selectinload(CalendarSource.member_organisation),
    selectinload(Event.calendar_source).selectinload(CalendarSource.partner),
)


def offset_time(stored: datetime) -> str:
    """A stored UTC time in ISO 8601 with the Paris offset."""
    return clock.to_local(stored).isoformat(timespec="seconds")


def event(event: Event) -> dict:
    """One event: schema.org's ``Event`` and the agenda's own facts (kind, themes, club, audience)."""
    data = schema_org.event_data(event)
    data.update(
        slug=event.slug,
        kind=event.kind,
        themes=[{"slug": theme.slug, "name": theme.name} for theme in event.themes],
        club=_club_reference(event.club) if event.club else None,
        audience=event.audience,
        origin=registry.origin(event),
        relayedFrom=_relayed_from(event),
        dateModified=offset_time(event.updated_at),
        calendarUrl=external_url("feeds.event_ics", slug=event.slug),
    )
    return data


def programme(event: Event) -> list[dict]:
    """The programme of ``event``, slot by slot in programme order (Paris times)."""
    return [
        {
            "day": slot.day.isoformat(),
            "startTime": f"{slot.starts:%H:%M}",
            "endTime": f"{slot.ends:%H:%M}",
            "title": slot.title,
            "kind": slot.kind,
            "place": slot.place,
            "description": slot.description,
            "speakers": [schema_org.person(speaker) for speaker in slot.speakers],
            "choice": slot.choice,
            "capacity": slot.capacity,
        }
        for slot in timetable.programme(event)
    ]


def _relayed_from(event: Event) -> dict | None:
    """The followed calendar an event comes from, and its own page there when the feed gives one."""
    if (source := event.calendar_source) is None:
        return None
    return {"name": source.name, "organizer": source.owner_name, "url": event.relay_url or None}


def load_events(ids: list[int]) -> list[Event]:
    """The events of ``ids``, in that order, with what ``event()`` reads, in a few queries."""
    found = {
        e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(ids)).options(*EVENT_DETAILS))
    }
    return [found[id] for id in ids if id in found]


def _club_reference(club: Club) -> dict:
    return {"identifier": club.slug, "name": club.name, "url": external_url("clubs.club", slug=club.slug)}


def club(club: Club) -> dict:
    return {
        "@type": "Organization",
        **_club_reference(club),
        "description": club.description or None,
        "foundingDate": club.launched.isoformat() if club.launched else None,
        "region": {"code": club.region.code, "name": club.region.name},
        "coOrganisers": [{"identifier": p.key, "name": p.name} for p in club.co_organisers],
        "calendarUrl": external_url("feeds.club_ics", slug=club.slug),
        "events": external_url("api.events", club=club.slug),
    }


def replay(replay: Replay) -> dict:
    """A published replay, with its public resources only (members-only ones are left out)."""
    event = replay.event
    resources = [_resource(event, resource) for resource in replay.resources if resource.access == "public"]
    return {
        "@type": "CreativeWork",
        "identifier": f"replay:{event.uid}",
        "url": external_url("replays.replay", slug=event.slug),
        "name": event.title,
        "datePublished": offset_time(replay.published_at),
        "about": {
            "@type": "Event",
            "identifier": event.uid,
            "name": event.title,
            "url": external_url("public.event", slug=event.slug),
            "startDate": schema_org.moment(event),
        },
        "host": replay.host,
        "hasPart": [r for r in resources if r],
    }


def _resource(event: Event, resource) -> dict | None:
    """A public resource: its link (an address, or the file served here), a summary's text."""
    data = {"@type": RESOURCE_TYPES.get(resource.kind, "CreativeWork"), "kind": resource.kind}
    if resource.stored_name and resource.kind in FILE_ROUTES:
        data["url"] = external_url("replays.file", slug=event.slug, name=FILE_ROUTES[resource.kind])
        data["encodingFormat"] = resource.content_type
    elif resource.url:
        data["url"] = resource.url
    if resource.kind == "summary" and resource.text:
        data["text"] = resource.text
    return data if len(data) > 2 else None


def published_replays(events: list[Event]) -> list[Replay]:
    """The published replays of ``events``, in their order."""
    found = replays.replays_of(events)
    return [found[e.id] for e in events if e.id in found and found[e.id].is_published]


def current_members() -> list[MemberOrganisation]:
    """Member authorities whose membership has not ended, by region then name."""
    year = clock.local_today().year
    return db.session.scalars(
        select(MemberOrganisation)
        .where(or_(MemberOrganisation.until.is_(None), MemberOrganisation.until > year))
        .options(selectinload(MemberOrganisation.region))
        .order_by(MemberOrganisation.region_code, MemberOrganisation.name)
    ).all()


def member(member: MemberOrganisation) -> dict:
    """A member authority's public facts: never its e-mail domains."""
    return {
        "@type": "Organization" if member.kind == "autre" else "GovernmentOrganization",
        "identifier": f"adherent-{member.id}",
        "name": member.name,
        "kind": member.kind if member.kind in MEMBER_KINDS else "autre",
        "region": {"code": member.region.code, "name": member.region.name},
        "url": member.website or None,
        "siren": member.siren or None,
        "memberSince": member.since,
    }


def page(items: list[dict], pagination: Pagination, link) -> dict:
    """A page of a list: its items, counts, and the links to the pages beside it (``link(n)``)."""
    return {
        "@context": schema_org.CONTEXT,
        "items": items,
        "page": pagination.page,
        "perPage": pagination.per_page,
        "total": pagination.total,
        "pages": pagination.pages,
        "next": link(pagination.page + 1) if pagination.page < pagination.pages else None,
        "previous": link(pagination.page - 1) if 1 < pagination.page <= pagination.pages + 1 else None,
    }


def listing(items: list[dict]) -> dict:
    return {"@context": schema_org.CONTEXT, "items": items, "total": len(items)}
