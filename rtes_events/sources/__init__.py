"""Calendars followed: partners' and members' iCalendar feeds whose events the agenda relays.

``add`` a source; ``refresh`` one (``refresh_due`` those whose time has come: the worker) fetches it
(``fetching``), reads its events within the agenda's window (``reading``) and brings its relayed events
in line, through ``editing`` as the workspace writes events:

- an event is matched by its UID and RECURRENCE-ID in the source: moved, changed or cancelled there
  (``STATUS:CANCELLED``), it is here; gone from a feed that still lists future events, it is shown
  cancelled (a feed listing none is taken for a broken answer, and changes nothing); what the feed
  says is fingerprinted, so refreshing twice writes nothing;
- a new event waits in the moderation queue of proposals (a draft with a pending proposal naming
  its source) unless the source is trusted (``publish``); one already over is not taken;
- shown once: a new event is not taken when the agenda already has one, not cancelled, from the
  network or another source, with the same UID (the network's own ``/agenda.ics`` followed back) or
  the same start and the same title once folded (``title_key``: letters and digits, lower case, no
  accents); whoever brings it first shows it;
- the team's decisions are kept: a hidden event stays hidden, themes or region chosen by hand stay,
  and a stopped relay is never written again; past relayed events stay.

A failed refresh (address refused, server down, not a calendar) changes no event: the source counts
its failures, keeps the last one's message in French and is tried again later and later
(``backoff``), or when its server's ``Retry-After`` says.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy import func, or_, select

from .. import audit, clock, editing
from ..extensions import db
from ..formatting import one_line
from ..models import CalendarSource, Club, Event, EventProposal, MemberOrganisation, Partner, Region
from ..models.events import fold
from ..models.proposals import RELAYED
from ..permissions import can_manage
from .fetching import FetchFailed, calendar_url, fetch
from .reading import Item, NotACalendar, read

WINDOW_PAST = timedelta(days=31)  # occurrences read before now: recent ones stay matched
WINDOW_FUTURE = timedelta(days=366)  # and after: the agenda's year ahead
MAX_BACKOFF = timedelta(days=1)
FULL_READ = timedelta(days=1)  # a calendar is read whole at least this often, even if unchanged
REFUSED_PENDING = "Annulé par sa source avant d'être validé."
UNEXPECTED = "Erreur inattendue pendant la lecture de ce calendrier (détails dans le journal du serveur)."


class SourceRefused(Exception):
    """The source cannot be added or changed as asked; the message says why, in French."""


@dataclass
class Refresh:
    """What one refresh did."""

    source_id: int
    created: int = 0
    updated: int = 0
    cancelled: int = 0
    duplicates: int = 0
    unchanged: bool = False  # the server said 304
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.error:
            return f"échec : {self.error}"
        if self.unchanged:
            return "inchangé depuis la dernière lecture"
        return (
            f"{self.created} créé(s), {self.updated} mis à jour, {self.cancelled} annulé(s), "
            f"{self.duplicates} déjà dans l'agenda" + "".join(f" ; {note}" for note in self.notes)
        )


# Rights ---------------------------------------------------------------------------------------


def regions_of(user) -> list[str] | None:
    """The regions whose sources ``user`` may add: None for all (admins), else those of the clubs
    they co-organise (possibly none)."""
    if can_manage(user, None, "sources"):
        return None
    if user is None or getattr(user, "role", None) != "coorganiser" or not user.is_active:
        return []
    clubs = db.session.scalars(select(Club).order_by(Club.region_code)).all()
    return sorted({club.region_code for club in clubs if can_manage(user, club, "create")})


def may_add(user) -> bool:
    """Admins add sources; co-organisers too, for their clubs' regions, moderated."""
    return regions_of(user) != []


def may_manage(user, source: CalendarSource) -> bool:
    """Admins manage every source; a co-organiser those they added in their regions."""
    regions = regions_of(user)
    if regions is None:
        return True
    return source.created_by_id == user.id and source.region_code in regions


def may_decide(user) -> bool:
    """The team decides on relayed events (hide, stop, themes, region) and publishes new ones."""
    return can_manage(user, None, "sources")


# Sources ---------------------------------------------------------------------------------------


def listed(user=None) -> list[CalendarSource]:
    """The sources ``user`` manages (all without a user: the command line), by name."""
    sources = db.session.scalars(select(CalendarSource).order_by(func.lower(CalendarSource.name))).all()
    return [s for s in sources if user is None or may_manage(user, s)]


def add(
    url: str,
    name: str,
    *,
    partner: str | None = None,
    member: str | None = None,
    themes: list[str] = (),
    region: str | None = None,
    publish: bool = False,
    user=None,
) -> CalendarSource:
    """A new source: ``partner`` (a key) or ``member`` (an authority's name) owns it; its events get
    ``themes`` (names) and ``region`` (a code, else the owner's). Without a user: the command line."""
    regions = regions_of(user) if user is not None else None
    if regions == []:
        raise SourceRefused("Votre compte ne permet pas d'ajouter un calendrier suivi.")
    values = _checked(url, name, partner, member, region)
    if regions is not None:
        if values["region_code"] not in regions:
            raise SourceRefused("Choisissez une des régions de vos clubs.")
        publish = False  # a co-organiser's sources are moderated
    source = CalendarSource(publish=publish, created_by=user, **values)
    source.themes = editing.themes_named([one_line(t)[:120] for t in themes if one_line(t)])
    db.session.add(source)
    db.session.flush()
    audit.record("source.added", actor=user, source=source.id, nom=source.name, adresse=source.url)
    db.session.commit()
    return source


def update(user, source: CalendarSource, data: dict) -> None:
    """Change a source's ``name``, ``themes`` (names), ``region``, ``publish`` or ``active``."""
    if not may_manage(user, source):
        raise SourceRefused("Vous ne pouvez pas modifier ce calendrier suivi.")
    if "name" in data:
        source.name = _name(data["name"])
    if "region" in data:
        source.region_code = _region(data["region"])
        if (regions := regions_of(user)) is not None and source.region_code not in regions:
            raise SourceRefused("Choisissez une des régions de vos clubs.")
    if "themes" in data:
        source.themes = editing.themes_named([one_line(t)[:120] for t in data["themes"] if one_line(t)])
    for event in source.events:  # its defaults reach its events, but for the team's own choices
        if not event.relay_themes_chosen:
            event.themes = list(source.themes)
        if not event.relay_region_chosen:
            event.relay_region_code = source.region_code
        if "name" in data:
            event.updated_at = clock.now()  # « Relayé depuis » names it: pages showing it change
    if "publish" in data:
        source.publish = bool(data["publish"]) and may_decide(user)
    if "active" in data:
        source.active = bool(data["active"])
    audit.record("source.updated", actor=user, source=source.id, nom=source.name)
    db.session.commit()


def _checked(url, name, partner, member, region) -> dict:
    try:
        address = calendar_url(url)
    except ValueError as exc:
        raise SourceRefused(str(exc)) from None
    if len(address) > 500:
        raise SourceRefused("L'adresse du calendrier dépasse 500 caractères.")
    if db.session.scalar(select(CalendarSource.id).where(CalendarSource.url == address)):
        raise SourceRefused("Ce calendrier est déjà suivi.")
    if partner and member:
        raise SourceRefused("Un calendrier est celui d'un partenaire ou d'un adhérent, pas des deux.")
    owner_partner = owner_member = None
    if partner:
        owner_partner = db.session.scalar(select(Partner).where(Partner.key == one_line(partner)))
        if owner_partner is None:
            raise SourceRefused(f"Partenaire inconnu : « {one_line(partner)[:60]} ».")
    if member:
        owner_member = db.session.scalar(
            select(MemberOrganisation).where(MemberOrganisation.name == one_line(member))
        )
        if owner_member is None:
            raise SourceRefused(f"Adhérent inconnu : « {one_line(member)[:60]} ».")
    owner = owner_partner or owner_member
    return {
        "url": address,
        "name": _name(name),
        "partner": owner_partner,
        "member_organisation": owner_member,
        "region_code": _region(region) or (owner.region_code if owner else None),
    }


def _name(text) -> str:
    name = one_line(text)
    if not name:
        raise SourceRefused("Indiquez le nom du calendrier.")
    if len(name) > 200:
        raise SourceRefused("Le nom du calendrier ne doit pas dépasser 200 caractères.")
    return name


def _region(code) -> str | None:
    code = one_line(code)
    if code and (len(code) > 8 or db.session.get(Region, code) is None):
        raise SourceRefused(f"Région inconnue : « {code[:20]} ».")
    return code or None


# Refreshing --------------------------------------------------------------------------------------


def interval() -> timedelta:
    return current_app.config["RTES_SOURCES_REFRESH"]


def due(now: datetime | None = None) -> list[int]:
    """Ids of the active sources whose next refresh has come, oldest check first."""
    now = now or clock.now()
    return db.session.scalars(
        select(CalendarSource.id)
        .where(
            CalendarSource.active,
            or_(CalendarSource.next_check_at.is_(None), CalendarSource.next_check_at <= now),
        )
        .order_by(CalendarSource.next_check_at.is_not(None), CalendarSource.next_check_at, CalendarSource.id)
    ).all()


def refresh_due(seconds: float | None = None) -> list[Refresh]:
    """Refresh the sources due, oldest first, each on its own (one that fails never stops the
    others); with ``seconds``, no other is started after that long (the rest wait for the next pass)."""
    deadline = None if seconds is None else time.monotonic() + seconds
    results = []
    for source_id in due():
        if not claim(source_id):
            continue  # another worker took it meanwhile
        results.append(refresh(source_id))
        if deadline is not None and time.monotonic() > deadline:
            break
    return results


def claim(source_id: int) -> bool:
    """Take a due source for this worker (its next check moved an interval ahead, in one atomic
    statement): of several workers, one refreshes it."""
    now = clock.now()
    claimed = db.session.execute(
        sa.update(CalendarSource)
        .where(
            CalendarSource.id == source_id,
            or_(CalendarSource.next_check_at.is_(None), CalendarSource.next_check_at <= now),
        )
        .values(next_check_at=now + interval())
    ).rowcount
    db.session.commit()
    return claimed == 1


def refresh(source_id: int) -> Refresh:
    """Fetch, read and bring in line the events of one source; its state records how it went."""
    source = db.session.get(CalendarSource, source_id)
    result = Refresh(source_id)
    now = clock.now()
    config = current_app.config
    # Asked conditionally, but read whole once a day: occurrences of recurring events enter the
    # window as days pass, though the calendar did not change.
    conditional = source.succeeded_at is not None and now - source.succeeded_at < FULL_READ
    try:
        fetched = fetch(
            source.url,
            etag=source.etag if conditional else None,
            last_modified=source.last_modified if conditional else None,
            timeout=config["RTES_SOURCES_TIMEOUT"],
            max_bytes=int(config["RTES_SOURCES_MAX_MB"] * 1024 * 1024),
            allow_private=config["RTES_SOURCES_ALLOW_PRIVATE"],
        )
        if fetched.body is None:
            result.unchanged = True
        else:
            items = read(fetched.body, now - WINDOW_PAST, now + WINDOW_FUTURE)
            _sync(source, items, now, result)
    except (FetchFailed, NotACalendar) as exc:
        return _failed(result, str(exc), getattr(exc, "retry_after", None), now)
    except Exception:  # a fault of ours or of the database: logged, and the other sources go on
        current_app.logger.exception("source %s: refresh failed", source_id)
        return _failed(result, UNEXPECTED, None, now)
    source.etag, source.last_modified = (
        fetched.etag or source.etag,
        fetched.last_modified or source.last_modified,
    )
    source.checked_at = now
    if not result.unchanged:
        source.succeeded_at = now
    source.next_check_at = now + interval()
    source.failures, source.last_error = 0, "; ".join(result.notes) or None
    if result.created or result.updated or result.cancelled:
        audit.record(
            "source.refreshed",
            actor=None,
            source=source.id,
            nom=source.name,
            **{"créés": result.created, "mis à jour": result.updated, "annulés": result.cancelled},
        )
    db.session.commit()
    return result


def _failed(result: Refresh, message: str, retry_after: float | None, now: datetime) -> Refresh:
    """Record a failed refresh on its source (nothing else of it is kept) and when to try again."""
    db.session.rollback()
    source = db.session.get(CalendarSource, result.source_id)
    result.error = source.last_error = message
    source.failures += 1
    wait = backoff(source.failures)
    if retry_after:
        wait = max(wait, timedelta(seconds=retry_after))
    source.checked_at, source.next_check_at = now, now + wait
    db.session.commit()
    return result


def backoff(failures: int) -> timedelta:
    """The wait after ``failures`` failures in a row: the usual interval, doubled each time, at
    most a day (or the interval when it is longer)."""
    return min(interval() * 2 ** min(failures - 1, 10), max(MAX_BACKOFF, interval()))


def _sync(source: CalendarSource, items: list[Item], now: datetime, result: Refresh) -> None:
    limit = current_app.config["RTES_SOURCES_MAX_EVENTS"]
    last_start = None
    if len(items) > limit:
        items, last_start = items[:limit], items[limit - 1].starts_at
        result.notes.append(f"plus de {limit} événements : seuls les {limit} premiers sont relayés")
    stored = {
        (event.relay_uid, event.relay_recurrence_id or ""): event
        for event in db.session.scalars(select(Event).where(Event.calendar_source_id == source.id))
    }
    seen: set[tuple[str, str]] = set()
    new: list[Item] = []
    for item in items:
        if item.key in seen:
            continue
        seen.add(item.key)
        event = stored.pop(item.key, None)
        if event is not None:
            status = event.status
            if _update(source, event, item):
                cancelled = event.status == "cancelled" != status
                result.cancelled += cancelled
                result.updated += not cancelled
            continue
        if not item.cancelled and item.ends_at >= now:
            new.append(item)
    uids, starts = _shown_elsewhere(source, new) if new else (set(), set())
    for item in new:
        if item.uid in uids or (item.starts_at, title_key(item.title)) in starts:
            result.duplicates += 1
        else:
            _create(source, item)
            result.created += 1
    source.event_count = len(seen)
    if not any(item.ends_at >= now for item in items):
        return  # an answer without future events: taken for a broken one, nothing is cancelled
    for event in stored.values():
        if event.relay_stopped or event.status == "cancelled" or event.ends_at < now:
            continue
        if last_start is not None and event.starts_at > last_start:
            continue  # beyond the events read
        result.cancelled += _cancel(event)


def _shown_elsewhere(source: CalendarSource, items: list[Item]) -> tuple[set[str], set[tuple[datetime, str]]]:
    """Of the events the agenda has, not cancelled, from the network or other sources, those with the
    UID or the start of one of ``items``: their UIDs, and their (start, title key) pairs."""
    rows = db.session.execute(
        select(Event.uid, Event.starts_at, Event.title).where(
            Event.status != "cancelled",
            or_(Event.calendar_source_id.is_(None), Event.calendar_source_id != source.id),
            or_(
                Event.starts_at.in_({item.starts_at for item in items}),
                Event.uid.in_({item.uid for item in items}),
            ),
        )
    ).all()
    return {uid for uid, _, _ in rows}, {(start, title_key(title)) for _, start, title in rows}


def title_key(title: str) -> str:
    """A title as duplicates are told: letters and digits only, lower case, without accents."""
    return "".join(fold(title).split())


def _values(source: CalendarSource, item: Item) -> dict:
    """The session values of ``item`` (``editing.FIELDS``)."""
    online = item.online
    return {
        "kind": "webinaire" if online else "rencontre",
        "title": item.title,
        "description": item.description,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "all_day": item.all_day,
        "month_only": False,
        "mode": "online" if online else "onsite" if item.location else None,
        "venue": None if online else item.location,
        "city": item.city,
        "online_url": item.location if online else None,
    }


def _create(source: CalendarSource, item: Item) -> None:
    event = editing.added(
        {**_values(source, item), "themes": [theme.name for theme in source.themes]},
        status="published" if source.publish else "draft",
        calendar_source=source,
        relay_uid=item.uid,
        relay_recurrence_id=item.recurrence_id,
        relay_url=item.url,
        relay_fingerprint=item.fingerprint(),
        relay_region_code=source.region_code,
        registration_provider=RELAYED,
        waitlist=False,
        audience="all",
        source=f"calendrier suivi : {source.name}"[:200],
    )
    if not source.publish:
        db.session.add(
            EventProposal(
                organisation=source.owner_name,
                partner=source.partner,
                member_organisation=source.member_organisation,
                calendar_source=source,
                state="pending",
                event=event,
                **_proposed(event),
            )
        )


def _proposed(event: Event) -> dict:
    """What the moderation queue shows of a source's event waiting for it."""
    return {
        "title": event.title,
        "kind": event.kind,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "mode": event.mode or "",
        "venue": event.venue,
        "city": event.city,
        "description": event.description,
        "registration_url": event.relay_url,
    }


def _pending(event: Event) -> EventProposal | None:
    proposal = event.proposal
    return proposal if proposal is not None and proposal.state == "pending" else None


def _update(source: CalendarSource, event: Event, item: Item) -> int:
    """Bring ``event`` in line with ``item``; 1 when what it shows changed."""
    fingerprint = item.fingerprint()
    if event.relay_stopped or event.relay_fingerprint == fingerprint:
        return 0
    proposal = _pending(event)
    status = event.status
    if proposal is not None and item.cancelled:
        _refuse(proposal)
    elif event.status in ("published", "cancelled"):
        event.status = "cancelled" if item.cancelled else "published"
    changed = (
        editing.apply(event, _values(source, item)) or event.status != status or event.relay_url != item.url
    )
    event.relay_fingerprint, event.relay_url = fingerprint, item.url
    if proposal is not None and proposal.state == "pending":
        for name, value in _proposed(event).items():
            setattr(proposal, name, value)
    return int(bool(changed))


def _cancel(event: Event) -> int:
    """Gone from its source: cancelled here (a pending one refused)."""
    if (proposal := _pending(event)) is not None:
        _refuse(proposal)
    elif event.status == "published":
        event.status = "cancelled"
    else:
        return 0
    event.relay_fingerprint = None  # back in the feed, it is written again
    return 1


def _refuse(proposal: EventProposal) -> None:
    proposal.state, proposal.reason, proposal.decided_at = "refused", REFUSED_PENDING, clock.now()


# The team's decisions on relayed events -------------------------------------------------------------


def _hide(event: Event, hidden: bool) -> None:
    """A hidden event is a draft (out of every public list, as the agenda's queries stand); shown
    again, it is published and its next refresh gives it the source's status."""
    event.relay_hidden = hidden
    if _pending(event) is not None:
        return  # a draft until moderated
    if hidden and event.status != "draft":
        event.status = "draft"
    elif not hidden:
        event.status, event.relay_fingerprint = "published", None


def decide(user, event: Event, *, hidden=None, stopped=None, themes=None, region=None) -> None:
    """Hide (or show) a relayed event, stop relaying it, or choose its themes (names) or region
    (a code; '' for none); a refresh keeps these decisions."""
    if not may_decide(user):
        raise SourceRefused("Seule l'équipe du réseau décide des événements relayés.")
    if event.calendar_source_id is None:
        raise SourceRefused("Cet événement n'est pas relayé depuis un calendrier suivi.")
    done = []
    if hidden is not None and event.relay_hidden != bool(hidden):
        _hide(event, bool(hidden))
        done.append("masqué" if hidden else "affiché")
    if stopped and not event.relay_stopped:
        event.relay_stopped = True
        done.append("relais arrêté")
    if themes is not None:
        event.themes = editing.themes_named([one_line(t)[:120] for t in themes if one_line(t)])
        event.relay_themes_chosen = True
        done.append("thèmes choisis")
    if region is not None:
        event.relay_region_code = _region(region)
        event.relay_region_chosen = True
        done.append("région choisie")
    if done:
        audit.record("relay.decided", event=event, actor=user, décisions=", ".join(done))
    db.session.commit()
