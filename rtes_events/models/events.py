"""Events of the three kinds (webinaire, rencontre, club), with their themes and speakers."""

import uuid
from datetime import date, datetime

from slugify import slugify
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..extensions import db

KINDS = {"webinaire": "Webinaire", "rencontre": "Rencontre", "club": "Club"}
MODES = {"online": "En ligne", "onsite": "Sur place", "hybrid": "Hybride (sur place et en ligne)"}
# The transliteration of slugs and search texts, named: python-slugify otherwise tries to import
# Unidecode at each call (0.1 ms when it is not installed) and would change slugs if it were.
BACKEND = "text-unidecode"
STATUSES = {"draft": "Brouillon", "published": "Publié", "cancelled": "Annulé", "postponed": "Reporté"}

event_themes = Table(
    "event_themes",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True, index=True),
)

event_partners = Table(
    "event_partners",
    db.metadata,
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True),
    Column("partner_id", ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Theme(db.Model):
    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Speaker(db.Model):
    __tablename__ = "speakers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str | None] = mapped_column(String(200))

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})" if self.organisation else self.name


class EventSpeaker(db.Model):
    """A speaker's part in one event: speaking or hosting, in programme order."""

    __tablename__ = "event_speakers"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    speaker_id: Mapped[int] = mapped_column(ForeignKey("speakers.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True, default="speaker")
    position: Mapped[int] = mapped_column(Integer, default=0)

    speaker: Mapped[Speaker] = relationship(lazy="joined")


class Scheduled:
    """Paris times and French labels of what has a kind, a mode and naive UTC ``starts_at``/``ends_at``:
    events, and the proposals of events."""

    @property
    def local_start(self) -> datetime:
        return clock.to_local(self.starts_at)

    @property
    def local_end(self) -> datetime:
        return clock.to_local(self.ends_at)

    @property
    def kind_label(self) -> str:
        return KINDS.get(self.kind, self.kind)

    @property
    def mode_label(self) -> str | None:
        return MODES.get(self.mode) if self.mode else None


class Event(Scheduled, db.Model):
    """One event. Times are stored as naive UTC; ``all_day`` events span whole Paris days."""

    __tablename__ = "events"
    # The agenda finds, counts and sorts upcoming events from this index alone, without reading
    # the events (``id`` too, which PostgreSQL's indexes do not carry as SQLite's carry the rowid).
    __table_args__ = (
        Index("ix_events_ends_at_status_starts_at_id", "ends_at", "status", "starts_at", "id"),
        UniqueConstraint("calendar_source_id", "relay_uid", "relay_recurrence_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(120), unique=True, default=lambda: f"{uuid.uuid4()}@rtes.fr")
    slug: Mapped[str] = mapped_column(String(140), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str | None] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime)
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    month_only: Mapped[bool] = mapped_column(Boolean, default=False)
    mode: Mapped[str | None] = mapped_column(String(20))
    venue: Mapped[str | None] = mapped_column(String(300))
    city: Mapped[str | None] = mapped_column(String(120))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int | None] = mapped_column(Integer)
    # A hybrid event's places in the room and remote (None: unlimited), each with its waiting list.
    capacity_onsite: Mapped[int | None] = mapped_column(Integer)
    capacity_remote: Mapped[int | None] = mapped_column(Integer)
    waitlist: Mapped[bool] = mapped_column(Boolean, default=True)
    registration_opens_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    registration_closes_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    registration_provider: Mapped[str] = mapped_column(String(40), default="local")
    status: Mapped[str] = mapped_column(String(20), default="published", index=True)
    audience: Mapped[str] = mapped_column(String(20), default="all")
    audience_note: Mapped[str | None] = mapped_column(String(300))
    participants: Mapped[int | None] = mapped_column(Integer)
    # Check-in is open on the event's days; organisers may reopen it until this time to correct it.
    checkin_reopened_until: Mapped[datetime | None] = mapped_column(DateTime)
    # When the organisers closed the attendance: attestations are then issued (and sent when
    # ``send_attestations``).
    attendance_closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    send_attestations: Mapped[bool] = mapped_column(Boolean, default=False)
    participants_note: Mapped[str | None] = mapped_column(String(120))
    notes: Mapped[str | None] = mapped_column(Text)
    postponed_from: Mapped[date | None] = mapped_column(Date)
    # Reminders to its registrants (reminders.py): None, the network's (RTES_REMINDERS); "" none;
    # else its own offsets, as RTES_REMINDERS writes them (e.g. "3d,2h").
    reminders: Mapped[str | None] = mapped_column(String(60))
    source: Mapped[str | None] = mapped_column(String(200))
    club_id: Mapped[int | None] = mapped_column(ForeignKey("clubs.id"), index=True)
    # What partner plugins keep about the event (``rtes_import_fields``), e.g. ``cnfpt_code``.
    plugin_data: Mapped[dict] = mapped_column(JSON, default=dict)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    # An event relayed from a followed calendar (models/sources.py): its source, its UID and
    # RECURRENCE-ID there ('' for a single event), its own page, the fingerprint of what the feed last
    # said (SEQUENCE, LAST-MODIFIED and content), its region; and the team's decisions, which a refresh
    # keeps: hidden from the agenda, themes or region chosen by hand, relay stopped (no more updates).
    calendar_source_id: Mapped[int | None] = mapped_column(
        ForeignKey("calendar_sources.id", ondelete="CASCADE"), index=True
    )
    relay_uid: Mapped[str | None] = mapped_column(String(255))
    relay_recurrence_id: Mapped[str | None] = mapped_column(String(40))
    relay_url: Mapped[str | None] = mapped_column(String(500))
    relay_fingerprint: Mapped[str | None] = mapped_column(String(64))
    relay_region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    relay_hidden: Mapped[bool] = mapped_column(Boolean, default=False)
    relay_themes_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    relay_region_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    relay_stopped: Mapped[bool] = mapped_column(Boolean, default=False)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=clock.now)

    club = relationship("Club", back_populates="sessions")
    themes = relationship(Theme, secondary=event_themes, order_by=Theme.name)
    partners = relationship("Partner", secondary=event_partners, order_by="Partner.name")
    programmes = relationship("Programme", secondary="event_programmes", order_by="Programme.name")
    speaker_links = relationship(
        EventSpeaker, order_by=EventSpeaker.position, cascade="all, delete-orphan", lazy="selectin"
    )
    registrations = relationship("Registration", viewonly=True)
    slots = relationship(
        "Slot", order_by="(Slot.day, Slot.starts, Slot.position)", cascade="all, delete-orphan"
    )
    questions = relationship("Question", order_by="Question.position", cascade="all, delete-orphan")
    # Set on an event relayed for a member or partner (models/proposals.py): who proposed it.
    proposal = relationship("EventProposal", back_populates="event", uselist=False)
    calendar_source = relationship("CalendarSource", back_populates="events")
    relay_region = relationship("Region")

    # Changes that a calendar client must see: they bump ``sequence``.
    SCHEDULE_FIELDS = ("starts_at", "ends_at", "all_day", "mode", "venue", "city", "status")

    @property
    def speakers(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links if link.role == "speaker"]

    @property
    def hosts(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links if link.role == "host"]

    @property
    def co_organisers(self) -> list:
        """The partners of the event, then those of its club, without repeats."""
        seen = list(self.partners)
        for partner in self.club.co_organisers if self.club else []:
            if partner not in seen:
                seen.append(partner)
        return seen

    @property
    def is_relayed_from_source(self) -> bool:
        return self.calendar_source_id is not None

    @property
    def is_past(self) -> bool:
        return self.ends_at < clock.now()

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def attendance_modes(self) -> tuple[str | None, ...]:
        """How one attends: on site or remote for a hybrid event (``Registration.mode``), else one way."""
        return ("onsite", "remote") if self.mode == "hybrid" else (None,)

    def capacity_for(self, mode: str | None) -> int | None:
        """The places of ``mode`` (None: unlimited): a hybrid event's on-site or remote places, which
        replace its ``capacity``; another event's ``capacity``."""
        if self.mode != "hybrid":
            return self.capacity
        return self.capacity_remote if mode == "remote" else self.capacity_onsite

    @property
    def total_capacity(self) -> int | None:
        """All the places of the event, None when one of its modes is unlimited."""
        capacities = [self.capacity_for(mode) for mode in self.attendance_modes]
        return None if None in capacities else sum(capacities)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


def capacity_values(values: dict) -> dict:
    """``values`` of an event (form or import) with its places as stored: a hybrid event's on-site
    and remote places replace its capacity (a capacity given alone becomes its on-site places, the
    room it counted); another event has no places per mode."""
    places = {key: values.get(key) for key in ("capacity", "capacity_onsite", "capacity_remote")}
    if values.get("mode") == "hybrid":
        if places["capacity_onsite"] is None:
            places["capacity_onsite"] = places["capacity"]
        places["capacity"] = None
    else:
        places["capacity_onsite"] = places["capacity_remote"] = None
    return {**values, **places}


def fold(text: str) -> str:
    """Lower-case, accent-free text for searching."""
    return slugify(text, separator=" ", lowercase=True, backend=BACKEND)


@event.listens_for(Event, "before_insert")
def _index_new(mapper, connection, target: Event) -> None:
    target.search_text = search_text(target)


@event.listens_for(Event, "before_update")
def _track_change(mapper, connection, target: Event) -> None:
    """Keep the search text, the last change and the iCalendar SEQUENCE right on every update."""
    state = inspect(target)
    if not state.session.is_modified(target):
        return
    target.search_text = search_text(target)
    target.updated_at = clock.now()
    if any(state.attrs[name].history.has_changes() for name in Event.SCHEDULE_FIELDS):
        target.sequence = (target.sequence or 0) + 1


def search_text(target) -> str:
    """The folded text an event is searched by, from anything with its text attributes."""
    parts = [target.title, target.summary, target.city, target.venue, target.description]
    return fold(" ".join(p for p in parts if p))
