"""The event registry: the one query API for events and clubs (upcoming, past, filters, by slug)."""

import functools
from calendar import monthrange
from dataclasses import dataclass, fields
from datetime import date

from flask import current_app
from flask_sqlalchemy.pagination import SelectPagination
from sqlalchemy import Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import contains_eager, lazyload, selectinload

from . import clock
from .extensions import db
from .formatting import one_line
from .models import CalendarSource, Club, Event, EventProposal, Partner, Programme, Region, Theme, event_words
from .models.events import KINDS, fold
from .models.search import WORD_LENGTH

PERIODS = {"a-venir": "À venir", "passes": "Passés"}
# The network's own events, or those it relays (proposed in ``proposals.py``, or from a followed
# calendar in ``sources``) for member authorities and for partner networks: see ``origin``.
ORIGINS = {
    "rtes": "Événements du RTES",
    "adherents": "Relayés pour les collectivités adhérentes",
    "partenaires": "Relayés pour les réseaux partenaires",
}
PUBLIC_STATUSES = ("published", "cancelled", "postponed")
FEED_MIN_PAST = 10  # a bounded feed still carries this many past events, however old
PROGRAMMES = select(Programme).order_by(Programme.name)


@dataclass(frozen=True)
class EventFilter:
    """Agenda filters, named as in the query string of ``/evenements/`` and ``/agenda.ics``."""

    type: str = ""
    region: str = ""
    theme: str = ""
    partenaire: str = ""
    club: str = ""
    programme: str = ""
    origine: str = ""
    q: str = ""
    periode: str = ""

    @classmethod
    def from_args(cls, args) -> "EventFilter":
        """Filters from request arguments; unknown values of closed lists are dropped."""
        if not args:  # the agenda and feed unfiltered, parsed before every cached answer: no work
            return cls()
        values = {f.name: one_line(args.get(f.name))[:100] for f in fields(cls)}
        if values["type"] not in KINDS:
            values["type"] = ""
        if values["periode"] not in PERIODS:
            values["periode"] = ""
        if values["origine"] not in ORIGINS:
            values["origine"] = ""
        return cls(**values)

    def as_args(self) -> dict:
        """The non-empty filters, for building links."""
        return {f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name)}


def events_query(filters: EventFilter = EventFilter()) -> Select:
    """Public events matching ``filters``, every period, in no particular order.

    Each word of ``q`` must begin a word of the event (title, summary, place, description),
    found through the search-word index."""
    query = select(Event).where(Event.status.in_(PUBLIC_STATUSES))
    if filters.type:
        query = query.where(Event.kind == filters.type)
    if filters.region:
        query = query.where(
            or_(
                Event.club.has(Club.region_code == filters.region),
                Event.partners.any(Partner.region_code == filters.region),
                Event.relay_region_code == filters.region,
            )
        )
    if filters.theme:
        query = query.where(Event.themes.any(Theme.slug == filters.theme))
    if filters.partenaire:
        query = query.where(
            or_(
                Event.partners.any(Partner.key == filters.partenaire),
                Event.club.has(Club.co_organisers.any(Partner.key == filters.partenaire)),
            )
        )
    if filters.club:
        query = query.where(Event.club.has(Club.slug == filters.club))
    if filters.programme:
        query = query.where(Event.programmes.any(Programme.slug == filters.programme))
    if filters.origine:
        query = query.where(ORIGIN_CLAUSES[filters.origine]())
    for word in fold(filters.q).split():
        query = query.where(Event.id.in_(_starting_with(word[:WORD_LENGTH])))
    return query


def _for_partners():
    """Relayed for a partner network: from a calendar that no member authority owns, or proposed by a
    partner's account."""
    return or_(
        Event.calendar_source.has(CalendarSource.member_organisation_id.is_(None)),
        and_(Event.calendar_source_id.is_(None), Event.proposal.has(EventProposal.partner_id.isnot(None))),
    )


def _for_members():
    return or_(
        Event.calendar_source.has(CalendarSource.member_organisation_id.isnot(None)),
        and_(Event.calendar_source_id.is_(None), Event.proposal.has(EventProposal.partner_id.is_(None))),
    )


ORIGIN_CLAUSES = {
    "rtes": lambda: and_(Event.calendar_source_id.is_(None), ~Event.proposal.has()),
    "adherents": _for_members,
    "partenaires": _for_partners,
}


def origin(event: Event) -> str:
    """The ``origine`` of an event, as ``ORIGIN_CLAUSES`` select it."""
    if source := event.calendar_source:
        return "partenaires" if source.member_organisation_id is None else "adherents"
    if event.proposal is not None:
        return "partenaires" if event.proposal.partner_id is not None else "adherents"
    return "rtes"


def _starting_with(prefix: str) -> Select:
    """Ids of the events having a word that begins with ``prefix``: a range of the word index."""
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    word = event_words.c.word
    return select(event_words.c.event_id).where(word >= prefix, word < after)


def upcoming(filters: EventFilter = EventFilter()) -> Select:
    """Events not yet over, soonest first.

    Sorted on an expression rather than the column, so that the database finds them through the
    index of ends and sorts them, instead of walking every past event in the order of starts."""
    by_start = func.coalesce(Event.starts_at, Event.starts_at)
    return events_query(filters).where(Event.ends_at >= clock.now()).order_by(by_start, Event.id)


def past(filters: EventFilter = EventFilter()) -> Select:
    """Events already over, latest first."""
    return (
        events_query(filters)
        .where(Event.ends_at < clock.now())
        .order_by(Event.starts_at.desc(), Event.id.desc())
    )


def agenda(filters: EventFilter) -> Select:
    """The agenda's query: past events when asked, upcoming ones otherwise."""
    return past(filters) if filters.periode == "passes" else upcoming(filters)


class EventPage(SelectPagination):
    """A page of events: their ids are sorted and cut first, then only those events are read, so
    that the sort handles small rows however many events match."""

    def _query_items(self) -> list[Event]:
        query = self._query_args["select"].with_only_columns(Event.id)
        ids = db.session.scalars(query.limit(self.per_page).offset(self._query_offset)).all()
        found = {e.id: e for e in db.session.scalars(select(Event).where(Event.id.in_(ids)).options(*LISTED))}
        return [found[id] for id in ids if id in found]

    def _query_count(self) -> int:
        """The events counted over their ids alone, so that the index of upcoming events answers
        (an index-only scan) rather than a subquery of whole rows."""
        query = self._query_args["select"].with_only_columns(Event.id).order_by(None)
        return db.session.scalar(select(func.count()).select_from(query.subquery()))


# What event lists show beyond the event.
LISTED = (selectinload(Event.club), selectinload(Event.proposal), selectinload(Event.calendar_source))


def page_of(query: Select, number: int, per_page: int) -> EventPage:
    """Page ``number`` of the events of ``query``, or its last page when there are fewer."""
    page = EventPage(select=query, session=db.session, page=number, per_page=per_page, error_out=False)
    if page.page > page.pages > 0:
        page = EventPage(select=query, session=db.session, page=page.pages, per_page=per_page)
    return page


def feed_query(filters: EventFilter) -> Select:
    """Events of a calendar feed, cancelled ones kept: upcoming ones and those of the last
    ``RTES_FEED_PAST_MONTHS`` months (from the start of that day), and never fewer than the
    ``FEED_MIN_PAST`` latest past ones, so that a quiet club's feed still shows its last sessions;
    unless ``periode`` asks for upcoming or past events only."""
    if filters.periode:
        return agenda(filters)
    since = clock.to_utc(months_before(clock.local_today(), current_app.config["RTES_FEED_PAST_MONTHS"]))
    nth_latest = db.session.scalar(
        past(filters).with_only_columns(Event.ends_at).offset(FEED_MIN_PAST - 1).limit(1)
    )
    query = events_query(filters).order_by(Event.starts_at, Event.id)
    if nth_latest is None:  # fewer past events than that: all of them
        return query
    return query.where(Event.ends_at >= min(since, nth_latest))


def months_before(day: date, months: int) -> date:
    """The same day ``months`` months earlier (the month's last day when it is shorter)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


def by_slug(slug: str, *, speakers: bool = True) -> Event | None:
    """A public event by slug; drafts are not public. ``speakers=False`` where they are not shown."""
    return db.session.scalar(_by_slug_statement(speakers), {"slug": slug})


@functools.cache
def _by_slug_statement(speakers: bool) -> Select:
    """The query of ``by_slug``, built once: event pages and the registration form run it."""
    query = select(Event).where(Event.slug == bindparam("slug"), Event.status.in_(PUBLIC_STATUSES))
    return query if speakers else query.options(lazyload(Event.speaker_links))


def clubs() -> list[Club]:
    return db.session.scalars(
        select(Club)
        .join(Club.region)
        .options(contains_eager(Club.region), selectinload(Club.co_organisers))
        .order_by(Region.name)
    ).all()


def club_by_slug(slug: str) -> Club | None:
    return db.session.scalar(select(Club).where(Club.slug == slug))


def club_sessions(club: Club) -> tuple[list[Event], list[Event]]:
    """A club's upcoming and past public sessions."""
    filters = EventFilter(club=club.slug)
    return listed(upcoming(filters)), listed(past(filters))


def listed(query: Select) -> list[Event]:
    """The events of ``query`` with what event lists show."""
    return db.session.scalars(query.options(*LISTED)).all()


def filter_choices() -> dict:
    """The values offered by the agenda's filter controls."""
    return {
        "type": list(KINDS.items()),
        "region": [(r.code, r.name) for r in db.session.scalars(select(Region).order_by(Region.name))],
        "theme": [(t.slug, t.name) for t in db.session.scalars(select(Theme).order_by(Theme.name))],
        "partenaire": [(p.key, p.name) for p in db.session.scalars(select(Partner).order_by(Partner.name))],
        "club": [(c.slug, c.name) for c in clubs()],
        "programme": [(p.slug, p.name) for p in db.session.scalars(PROGRAMMES)],
        "periode": list(PERIODS.items()),
        "origine": list(ORIGINS.items()),
    }
