"""The replays service: import, catalogue, access rules, organisers' changes, announcements, counts.

A past event has at most one ``Replay``; organisers attach its resources in the workspace and
publish it. Publishing tells the event's confirmed and present registrants by e-mail (through the
outbox, in the same transaction), once, unless their address opted out. Members-only resources are
read by members, admins and the event's co-organisers only. Counts are bare yearly counters.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import audit, clock, opt_outs, registry, uploads
from .checks import InvalidImport, web_address
from .extensions import db
from .formatting import one_line
from .models import Event, Registration, Replay, ReplayCount, ReplayOptOut, ReplayResource
from .models.replays import ACCESS, KINDS
from .outbox import queue_registration_email
from .permissions import can_manage, is_member
from .videos import parse_chapters

NOTIFIED_STATUSES = ("confirmed", "attended")
RESOURCE_FILTERS = {"video": "Vidéo", "slides": "Diaporama", "summary": "Synthèse"}
FILES = {"diaporama": "slides", "sous-titres": "captions"}  # file routes, by the name in the URL
FILE_ROUTES = {kind: name for name, kind in FILES.items()}


class ReplayRefused(Exception):
    """An organiser's change is refused; the message says why, in French."""


# --- Reading -------------------------------------------------------------------------------------


def for_event(event: Event) -> Replay | None:
    return db.session.scalar(select(Replay).where(Replay.event_id == event.id))


def published_for(event: Event) -> Replay | None:
    """The published replay of a public event, or None."""
    replay = for_event(event)
    return replay if replay is not None and replay.is_published else None


def by_slug(slug: str) -> Replay | None:
    """The published replay of the public event ``slug``."""
    event = registry.by_slug(slug)
    return published_for(event) if event is not None else None


def can_read(user, replay: Replay, resource: ReplayResource) -> bool:
    """Public resources for everyone; members-only ones for members (of a current member authority,
    ``permissions.is_member``), admins and whoever manages the event (its co-organisers)."""
    if resource.access == "public":
        return True
    return is_member(user) or can_manage(user, replay.event, "view")


def may_preview(user, replay: Replay) -> bool:
    """Whoever may edit the event sees its replay's files before publication."""
    return can_manage(user, replay.event, "edit")


# --- Catalogue -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogueFilter:
    """The catalogue's filters: the agenda's (without ``periode``), plus ``annee`` and ``ressource``."""

    events: registry.EventFilter = registry.EventFilter()
    annee: str = ""
    ressource: str = ""

    @classmethod
    def from_args(cls, args) -> "CatalogueFilter":
        year = one_line(args.get("annee"))
        resource = one_line(args.get("ressource"))
        return cls(
            events=replace(registry.EventFilter.from_args(args), periode=""),
            annee=year if year.isascii() and year.isdigit() and 1900 <= int(year) <= 2999 else "",
            ressource=resource if resource in RESOURCE_FILTERS else "",
        )

    def as_args(self) -> dict:
        """The non-empty filters, for building links and keys."""
        own = {"annee": self.annee, "ressource": self.ressource}
        return {**self.events.as_args(), **{name: value for name, value in own.items() if value}}


def catalogue(filters: CatalogueFilter) -> Select:
    """Past public events with a published replay matching ``filters``, newest first."""
    query = (
        registry.events_query(filters.events)
        .join(Replay, Replay.event_id == Event.id)
        .where(Replay.published_at.isnot(None), Event.ends_at < clock.now())
    )
    if filters.annee:
        year = int(filters.annee)
        query = query.where(
            Event.starts_at >= clock.to_utc(date(year, 1, 1)),
            Event.starts_at < clock.to_utc(date(year + 1, 1, 1)),
        )
    if filters.ressource:
        has = Replay.resources.any(ReplayResource.kind == filters.ressource)
        announced = {
            "video": Replay.host.isnot(None),
            "slides": Replay.slides_announced,
            "summary": Replay.summary_announced,
        }[filters.ressource]
        query = query.where(or_(has, announced))
    return query.order_by(Event.starts_at.desc(), Event.id.desc())


def replays_of(events: list[Event]) -> dict[int, Replay]:
    """The replays of ``events``, by event id, in one query."""
    ids = [event.id for event in events]
    return {r.event_id: r for r in db.session.scalars(select(Replay).where(Replay.event_id.in_(ids)))}


def years() -> list[int]:
    """The years that have published replays, latest first (for the filter control)."""
    starts = db.session.scalars(
        select(Event.starts_at)
        .join(Replay, Replay.event_id == Event.id)
        .where(Replay.published_at.isnot(None))
    )
    return sorted({clock.to_local(start).year for start in starts}, reverse=True)


def latest(limit: int = 50) -> list[Replay]:
    """Published replays of public events, latest published first (the Atom feed)."""
    return db.session.scalars(
        select(Replay)
        .join(Replay.event)
        .where(Replay.published_at.isnot(None), Event.status.in_(registry.PUBLIC_STATUSES))
        .order_by(Replay.published_at.desc(), Replay.id.desc())
        .limit(limit)
    ).all()


# --- Import --------------------------------------------------------------------------------------


def parse_import(item: dict) -> dict | None:
    """The ``replay`` object of an imported event (and the seed's ``summary_published``), checked."""
    data = item.get("replay")
    if data is None and not item.get("summary_published"):
        return None
    data = {} if data is None else data
    if not isinstance(data, dict):
        raise InvalidImport("« replay » doit être un objet JSON.")
    access = data.get("access") or "public"
    if access not in ACCESS:
        raise InvalidImport(f"« replay.access » inconnu : {access!r} (attendu : {', '.join(ACCESS)}).")
    host = one_line(data.get("host")) or None
    if host and len(host) > 40:
        raise InvalidImport("« replay.host » dépasse 40 caractères.")
    return {
        "host": host,
        "slides_announced": bool(data.get("slides")),
        "summary_announced": bool(item.get("summary_published") or data.get("summary_published")),
        "published": data.get("published"),
        "access": access,
        "resources": {
            "video": {"url": web_address(data.get("url"))},
            "slides": {"url": web_address(data.get("slides_url"))},
            "summary": {"text": data.get("summary") or None},
        },
    }


def apply_import(event_id: int, ends_at: datetime, data: dict, replay: Replay | None) -> bool:
    """Create or update the replay (``replay``, the stored one or None) of an imported event that
    ends at ``ends_at``; True when something changed. What the file leaves out (a file uploaded in
    the workspace, a publication withdrawn) is kept. An imported replay is published as of the
    event's end, and announces nothing (registrants are told when an organiser publishes)."""
    changed = replay is None
    if replay is None:
        replay = Replay(event_id=event_id)
        db.session.add(replay)
        if data["published"] is not False:
            replay.published_at = replay.notified_at = ends_at
    elif data["published"] is not None and data["published"] != replay.is_published:
        replay.published_at = ends_at if data["published"] else None
        replay.notified_at = replay.notified_at or replay.published_at
        changed = True
    for name in ("host", "slides_announced", "summary_announced"):
        if getattr(replay, name) != data[name]:
            setattr(replay, name, data[name])
            changed = True
    for kind, values in data["resources"].items():
        if not any(values.values()):
            continue
        resource = replay.resource(kind)
        if resource is None:
            resource = ReplayResource(kind=kind, chapters=[])
            replay.resources.append(resource)
            changed = True
        for name, value in {**values, "access": data["access"]}.items():
            if getattr(resource, name) != value:
                setattr(resource, name, value)
                changed = True
    return changed


# --- Organisers' changes -------------------------------------------------------------------------


def refusal(event: Event) -> str | None:
    """Why a replay cannot be attached to ``event`` now, or None."""
    if event.status in ("draft", "cancelled"):
        return "Un replay ne s'ajoute qu'à un événement publié qui a eu lieu."
    if not event.is_past:
        return "Le replay s'ajoute une fois l'événement terminé."
    return None


def _editable(user, event: Event) -> Replay:
    if not can_manage(user, event, "edit"):
        raise ReplayRefused("Vous ne pouvez pas modifier cet événement.")
    if message := refusal(event):
        raise ReplayRefused(message)
    replay = for_event(event)
    if replay is None:
        replay = Replay(event_id=event.id, event=event)
        db.session.add(replay)
    return replay


def _resource(replay: Replay, kind: str) -> ReplayResource:
    resource = replay.resource(kind)
    if resource is None:
        resource = ReplayResource(kind=kind, chapters=[])
        replay.resources.append(resource)
    return resource


def _done(replay: Replay, action: str, user, **details) -> None:
    audit.record(action, event=replay.event, actor=user, **details)
    db.session.commit()


def save_video(user, event: Event, url: str, access: str, chapters: str, transcript: str) -> None:
    try:
        parsed = parse_chapters(chapters)
    except ValueError as error:
        raise ReplayRefused(str(error)) from None
    replay = _editable(user, event)
    video = _resource(replay, "video")
    video.url, video.access, video.chapters, video.text = url, access, parsed, transcript.strip() or None
    if captions := replay.resource("captions"):
        captions.access = access  # captions go with their video
    _done(replay, "replay.updated", user, ressource="vidéo", accès=ACCESS[access])


def save_summary(user, event: Event, text: str, access: str) -> None:
    replay = _editable(user, event)
    summary = _resource(replay, "summary")
    summary.text, summary.access = text.strip(), access
    _done(replay, "replay.updated", user, ressource="synthèse", accès=ACCESS[access])


def save_file(user, event: Event, kind: str, upload, access: str | None = None) -> None:
    """Store an uploaded PDF (``slides``) or WebVTT file (``captions``) and attach it; the file it
    replaces is deleted once the change is committed. Refused files leave nothing stored."""
    replay = _editable(user, event)
    if kind == "captions":
        video = replay.resource("video")
        if video is None:
            raise ReplayRefused("Ajoutez d'abord la vidéo : les sous-titres l'accompagnent.")
        access = video.access
    try:
        stored = uploads.store(upload, uploads.PDF if kind == "slides" else uploads.WEBVTT)
    except uploads.UploadRefused as error:
        raise ReplayRefused(str(error)) from None
    resource = _resource(replay, kind)
    previous = resource.stored_name
    resource.url, resource.access = None, access
    resource.file_name, resource.stored_name = stored.file_name, stored.stored_name
    resource.file_size, resource.content_type = stored.size, stored.content_type
    try:
        _done(replay, "replay.updated", user, ressource=KINDS[kind].lower(), fichier=stored.file_name)
    except BaseException:
        db.session.rollback()
        uploads.remove(stored.stored_name)
        raise
    uploads.remove(previous)


def remove(user, event: Event, kind: str) -> None:
    replay = _editable(user, event)
    resource = replay.resource(kind)
    if resource is None:
        return
    stored = resource.stored_name
    replay.resources.remove(resource)
    if kind == "video" and (captions := replay.resource("captions")):
        replay.resources.remove(captions)
        uploads.remove(captions.stored_name)
    _done(replay, "replay.updated", user, ressource=f"{KINDS[kind].lower()} retiré(e)")
    uploads.remove(stored)


def publish(user, event: Event) -> int:
    """Publish the replay; the first time, its registrants are told (in this transaction). Returns
    how many e-mails were queued."""
    replay = _editable(user, event)
    if not replay.resources:
        raise ReplayRefused("Ajoutez au moins une ressource (vidéo, diaporama ou synthèse) avant de publier.")
    if replay.is_published:
        return 0
    replay.published_at = clock.now()
    told = 0
    if replay.notified_at is None:
        told = _announce(replay)
        replay.notified_at = replay.published_at
    _done(replay, "replay.published", user, personnes_prévenues=told)
    return told


def unpublish(user, event: Event) -> None:
    replay = _editable(user, event)
    if replay.is_published:
        replay.published_at = None
        _done(replay, "replay.unpublished", user)


# --- Announcements and opt-out -------------------------------------------------------------------


def _announce(replay: Replay) -> int:
    registrants = db.session.scalars(
        select(Registration).where(
            Registration.event_id == replay.event_id,
            Registration.status.in_(NOTIFIED_STATUSES),
            Registration.erased_at.is_(None),
        )
    ).all()
    opted_out = set(
        db.session.scalars(
            select(ReplayOptOut.email_hash).where(
                ReplayOptOut.email_hash.in_([opt_outs.email_hash(r.email) for r in registrants])
            )
        )
    )
    told = 0
    for registration in registrants:
        if opt_outs.email_hash(registration.email) not in opted_out:
            queue_registration_email(registration, "replay_published")
            told += 1
    return told


# --- Counts --------------------------------------------------------------------------------------


def count(replay: Replay, item: str) -> None:
    """Add one to this year's counter of ``item`` (``page``, ``video`` or a file's kind) and commit:
    one atomic UPDATE … SET count = count + 1, the row created on the year's first count."""
    key = (
        ReplayCount.replay_id == replay.id,
        ReplayCount.item == item,
        ReplayCount.year == clock.local_today().year,
    )
    increment = update(ReplayCount).where(*key).values(count=ReplayCount.count + 1)
    if db.session.execute(increment).rowcount == 0:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ReplayCount(replay_id=replay.id, item=item, year=clock.local_today().year, count=1)
                )
        except IntegrityError:  # another request created it meanwhile
            db.session.execute(increment)
    db.session.commit()


def counts(replay: Replay) -> dict[int, dict[str, int]]:
    """``{year: {item: count}}``, latest year first."""
    rows = db.session.execute(
        select(ReplayCount.year, ReplayCount.item, ReplayCount.count)
        .where(ReplayCount.replay_id == replay.id)
        .order_by(ReplayCount.year.desc())
    )
    found: dict[int, dict[str, int]] = {}
    for year, item, number in rows:
        found.setdefault(year, {})[item] = number
    return found
