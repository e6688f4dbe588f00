"""Indicators for funders and the activity report: events held, participants, reach, replays and
satisfaction, for a period, a programme and the events a user manages. Counts only: no person.

An event's participants (``attendance``) are, in this order: the attendance marked in the workspace
(« feuille d'émargement »: registrations ``attended``), the figure a partner plugin imported
(``record_partner_attendance``), the figure reported for imported past events (``participants``).

Registrant-level figures (functions, organisations) count the people who came: ``attended`` where
attendance was marked, ``confirmed`` where it was not. Registration statuses and functions survive
the retention purge; organisations are kept, without anyone, in ``reached_organisations``.

Member authorities (« dont collectivités adhérentes »): each registration is matched when it is made
to the member authority of its e-mail's domain (``registrations.member_organisation_id``); the
authorities reached and the people who came from them are counted from those links, and from
``reached_organisations`` (authority and count of people) once the registrations are erased.
"""

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from babel.dates import format_date
from slugify import slugify
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import selectinload

from . import clock
from .extensions import db
from .formatting import LOCALE
from .models import (
    Club,
    Event,
    MemberOrganisation,
    Programme,
    ReachedOrganisation,
    Region,
    Registration,
    Replay,
    ReplayCount,
    SurveyAnswer,
    event_programmes,
)
from .models.events import KINDS
from .models.registrations import FUNCTIONS
from .models.surveys import QUESTIONS

SOURCES = {
    "sheet": "d'après la feuille d'émargement",
    "partner": "chiffre communiqué par le partenaire",
    "reported": "chiffre rapporté",
}
PARTNER_KEY = "attendance_partner"  # in Event.plugin_data: the partner whose figure ``participants`` is
AUTHORITY_FUNCTIONS = ("elu", "agent")
NATIONAL = "National ou en ligne (sans région)"
MEMBER_PARTICIPANTS = "Dont participant·es de collectivités adhérentes"
MEMBERS_NOTE = (
    "Inscrit·es venu·es dont l'adresse e-mail est sur le domaine d'une collectivité adhérente au moment "
    "de l'inscription (ou inscrit·es par un compte adhérent connecté)."
)
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class InvalidSelection(ValueError):
    """The period or programme asked for cannot be read; the message says why, in French."""


# --- One event's attendance ------------------------------------------------------------------------


def attendance(event: Event) -> tuple[int | None, str | None]:
    """The event's participants and where the figure comes from (a key of SOURCES), or (None, None)."""
    attended, marked = db.session.execute(
        select(
            func.count().filter(Registration.status == "attended"),
            func.count().filter(Registration.status.in_(("attended", "absent"))),
        ).where(Registration.event_id == event.id)
    ).one()
    return _resolve(event, attended, marked)


def _resolve(event: Event, attended: int, marked: int) -> tuple[int | None, str | None]:
    if marked:
        return attended, "sheet"
    if event.participants is None:
        return None, None
    return event.participants, "partner" if (event.plugin_data or {}).get(PARTNER_KEY) else "reported"


def record_partner_attendance(event: Event, count: int, partner: str) -> None:
    """For partner plugins: ``count`` people took part in ``event``, according to ``partner`` (its
    key). Shown as « chiffre communiqué par le partenaire » unless attendance is marked here."""
    event.participants = count
    event.plugin_data = {**(event.plugin_data or {}), PARTNER_KEY: partner}


def source_label(source: str | None) -> str:
    return SOURCES.get(source, "")


# --- Organisations ---------------------------------------------------------------------------------

PREFIXES = re.compile(r"^(mairie|commune|ville) (de |d )?")


def organisation_key(name: str) -> str:
    """A comparable form of an organisation's name: accents, case, punctuation and « Mairie de » /
    « Commune de » / « Ville de » do not matter."""
    key = slugify(name or "", separator=" ")
    return PREFIXES.sub("ville de ", key)[:200]


def remember_reach(registration: Registration) -> None:
    """Keep, without the person, that ``registration``'s organisation took part in its event, and,
    when it was matched to a member authority, one more person of that member who came (called
    before its data is erased); in the caller's transaction."""
    member_id = registration.member_organisation_id
    key = organisation_key(registration.organisation)
    if not key and member_id is not None:
        key = organisation_key(db.session.get(MemberOrganisation, member_id).name)
    if not key or registration.status not in ("confirmed", "attended"):
        return
    reached = db.session.get(ReachedOrganisation, (registration.event_id, key))
    if reached is not None and reached.member_organisation_id not in (None, member_id) and member_id:
        key = f"{key[:180]} #{member_id}"  # two members under one name: each keeps its own count
        reached = db.session.get(ReachedOrganisation, (registration.event_id, key))
    if reached is None:
        reached = ReachedOrganisation(
            event_id=registration.event_id,
            key=key,
            authority=registration.function in AUTHORITY_FUNCTIONS,
            people=0,
        )
        db.session.add(reached)
    if member_id is not None:
        reached.member_organisation_id = member_id
        if _came_to(registration):
            reached.people += 1


def _came_to(registration: Registration) -> bool:
    """Whether the registrant came, as ``_came`` counts them."""
    if registration.status != "confirmed":
        return registration.status == "attended"
    return not db.session.scalar(
        select(func.count()).where(
            Registration.event_id == registration.event_id, Registration.status.in_(("attended", "absent"))
        )
    )


# --- Selection -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """What the indicators cover: events held from ``start`` to ``end`` (Paris days, included), of
    ``programme`` when given, within ``scope`` (an SQL condition on Event); the events relayed from
    followed calendars only when asked (``relayed``, ``?relayes=1``)."""

    start: date
    end: date
    programme: Programme | None = None
    scope: object = None
    relayed: bool = False

    @classmethod
    def from_args(cls, args, scope, today: date | None = None) -> "Selection":
        today = today or clock.local_today()
        start = _day(args.get("du"), date(today.year, 1, 1), "du")
        end = _day(args.get("au"), date(today.year, 12, 31), "au")
        if end < start:
            raise InvalidSelection("La date de fin (« au ») précède la date de début (« du »).")
        programme = None
        if slug := (args.get("programme") or "").strip():
            programme = db.session.scalar(select(Programme).where(Programme.slug == slug))
            if programme is None:
                raise InvalidSelection(f"Programme inconnu : « {slug[:100]} ».")
        return cls(start, end, programme, scope, relayed=args.get("relayes") == "1")

    def as_args(self) -> dict:
        args = {"du": self.start.isoformat(), "au": self.end.isoformat()}
        if self.relayed:
            args["relayes"] = "1"
        return {**args, "programme": self.programme.slug} if self.programme else args

    def events(self) -> Select:
        """Ids of the events held in the selection: published, started within the period and by now."""
        since = clock.to_utc(self.start)
        until = min(clock.to_utc(self.end + timedelta(days=1)), clock.now())
        query = select(Event.id).where(
            Event.status == "published", Event.starts_at >= since, Event.starts_at < until
        )
        if self.scope is not None:
            query = query.where(self.scope)
        if self.programme is not None:
            query = query.where(Event.programmes.any(Programme.id == self.programme.id))
        if not self.relayed:
            query = query.where(Event.calendar_source_id.is_(None))
        return query


def _day(text, default: date, name: str) -> date:
    text = (text or "").strip()
    if not text:
        return default
    try:
        if not DAY.fullmatch(text):
            raise ValueError
        day = datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise InvalidSelection(
            f"« {name} » doit être une date au format AAAA-MM-JJ (par exemple 2024-01-31)."
        ) from None
    if not 1900 <= day.year <= 2999:
        raise InvalidSelection(f"« {name} » doit être une date entre 1900 et 2999.")
    return day


# --- Figures ---------------------------------------------------------------------------------------


@dataclass
class EventFigures:
    event: Event
    participants: int | None
    source: str | None
    places: int  # registrations holding a place: confirmed, attended, absent
    attended: int
    absent: int
    waitlisted: int
    region: str
    member_participants: int = 0  # registrants from member authorities who came

    @property
    def co_organisers(self) -> str:
        return ", ".join(partner.name for partner in self.event.co_organisers)

    @property
    def date_label(self) -> str:
        start = self.event.local_start.date()
        return format_date(start, "MMMM y" if self.event.month_only else "d MMMM y", locale=LOCALE)

    def funders_line(self) -> str:
        """« 12 mars 2019 – Titre – IdealCo – 44 participants »."""
        count = (
            "participants non connus" if self.participants is None else f"{self.participants} participants"
        )
        parts = [self.date_label, self.event.title, self.co_organisers or "RTES", count]
        return " – ".join(parts)


@dataclass
class Table:
    """A table of the report: shown on the page (with a caption) and as one XLSX sheet."""

    key: str
    title: str
    headers: list[str]
    rows: list[list]
    note: str = ""


@dataclass
class Report:
    selection: Selection
    events: list[EventFigures]
    by_kind_month: list[tuple[str, dict[str, int]]]  # (« mars 2019 », {kind: count})
    by_function: list[tuple[str, int]]
    by_region: list[tuple[str, int]]
    organisations: int
    authorities: int
    member_authorities: int  # member authorities whose people came
    member_participants: int  # people from member authorities who came
    members: list[tuple[str, int, int]]  # (member authority, events, participants), most participants first
    replay_views: dict[str, int]  # item → count (``page`` = views)
    satisfaction_events: list[tuple[EventFigures, dict]]
    satisfaction_programmes: list[tuple[str, dict]]
    comments: list[tuple[EventFigures, SurveyAnswer]]  # answers with a comment, anonymous
    # hybrid events: {event id: {mode: (places, attended)}}
    by_mode: dict[int, dict[str, tuple[int, int]]] = field(default_factory=dict)
    totals: dict = field(default_factory=dict)

    @property
    def by_month(self) -> list[tuple[str, int]]:
        return [(month, sum(counts.values())) for month, counts in self.by_kind_month]

    @property
    def known(self) -> list[EventFigures]:
        return [figures for figures in self.events if figures.participants is not None]

    def tables(self) -> list[Table]:
        return _tables(self)


def compute(selection: Selection) -> Report:
    """Every figure of ``selection``, in a bounded number of queries whatever the number of events."""
    ids = selection.events()
    events = db.session.scalars(
        select(Event)
        .where(Event.id.in_(ids))
        .options(
            selectinload(Event.partners),
            selectinload(Event.club).selectinload(Club.co_organisers),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    counts = _registration_counts(ids)
    regions = dict(db.session.execute(select(Region.code, Region.name)).all())
    figures = []
    for event in events:
        places, attended, absent, waitlisted = counts.get(event.id, (0, 0, 0, 0))
        participants, source = _resolve(event, attended, attended + absent)
        figures.append(
            EventFigures(
                event, participants, source, places, attended, absent, waitlisted, _region(event, regions)
            )
        )
    organisations, authorities = _reach(ids)
    members = _member_reach(ids)
    for item in figures:
        item.member_participants = sum(members.get((item.event.id, org), 0) for org in members.organisations)
    report = Report(
        selection=selection,
        events=figures,
        by_kind_month=_by_kind_month(figures),
        by_function=_by_function(ids),
        by_region=_by_region(figures),
        organisations=organisations,
        authorities=authorities,
        member_authorities=len(members.organisations),
        member_participants=sum(members.values()),
        members=members.table(),
        replay_views=_replay_counts(selection),
        satisfaction_events=_satisfaction_by_event(ids, figures),
        satisfaction_programmes=_satisfaction_by_programme(ids),
        comments=_comments(ids, figures),
        by_mode=_mode_counts(ids),
    )
    report.totals = _totals(report)
    return report


def _registration_counts(ids: Select) -> dict[int, tuple[int, int, int, int]]:
    status = Registration.status
    rows = db.session.execute(
        select(
            Registration.event_id,
            func.count().filter(status.in_(("confirmed", "attended", "absent"))),
            func.count().filter(status == "attended"),
            func.count().filter(status == "absent"),
            func.count().filter(status == "waitlisted"),
        )
        .where(Registration.event_id.in_(ids))
        .group_by(Registration.event_id)
    ).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def _mode_counts(ids: Select) -> dict[int, dict[str, tuple[int, int]]]:
    """Per hybrid event and mode: the registrations holding a place, and those marked present (one
    made before modes existed counts on site)."""
    mode = func.coalesce(Registration.mode, "onsite")
    rows = db.session.execute(
        select(
            Registration.event_id,
            mode,
            func.count().filter(Registration.status.in_(("confirmed", "attended", "absent"))),
            func.count().filter(Registration.status == "attended"),
        )
        .join(Registration.event)
        .where(Registration.event_id.in_(ids), Event.mode == "hybrid")
        .group_by(Registration.event_id, mode)
    )
    found: dict[int, dict[str, tuple[int, int]]] = {}
    for event_id, key, places, attended in rows:
        found.setdefault(event_id, {})[key] = (places, attended)
    return found


def _came(ids: Select):
    """The SQL condition on Registration of the people who came to the selected events: ``attended``
    where attendance was marked, ``confirmed`` where it was not."""
    marked = select(Registration.event_id).where(Registration.status.in_(("attended", "absent")))
    return and_(
        Registration.event_id.in_(ids),
        or_(
            Registration.status == "attended",
            and_(Registration.status == "confirmed", Registration.event_id.not_in(marked)),
        ),
    )


def _region(event: Event, regions: dict[str, str]) -> str:
    """The event's region: its club's, else its first regional co-organiser's."""
    if event.club is not None and event.club.region_code:
        return regions.get(event.club.region_code, event.club.region_code)
    for partner in event.partners:
        if partner.region_code:
            return regions.get(partner.region_code, partner.region_code)
    return NATIONAL


def _by_kind_month(figures: list[EventFigures]) -> list[tuple[str, dict[str, int]]]:
    months: dict[date, Counter] = defaultdict(Counter)
    for item in figures:
        months[item.event.local_start.date().replace(day=1)][item.event.kind] += 1
    return [(format_date(month, "MMMM y", locale=LOCALE), dict(months[month])) for month in sorted(months)]


def _by_function(ids: Select) -> list[tuple[str, int]]:
    rows = dict(
        db.session.execute(
            select(Registration.function, func.count()).where(_came(ids)).group_by(Registration.function)
        ).all()
    )
    return [(label, rows.get(key, 0)) for key, label in FUNCTIONS.items()]


def _by_region(figures: list[EventFigures]) -> list[tuple[str, int]]:
    totals: Counter = Counter()
    for item in figures:
        totals[item.region] += item.participants or 0
    return sorted(totals.items(), key=lambda pair: (pair[0] == NATIONAL, -pair[1], pair[0]))


def _reach(ids: Select) -> tuple[int, int]:
    """Distinct organisations reached, and those whose registrants are élu·es or agent·es (authorities)."""
    live = db.session.execute(
        select(Registration.organisation, Registration.function.in_(AUTHORITY_FUNCTIONS))
        .where(_came(ids), Registration.organisation != "")
        .distinct()
    ).all()
    kept = db.session.execute(
        select(ReachedOrganisation.key, ReachedOrganisation.authority)
        .where(ReachedOrganisation.event_id.in_(ids))
        .distinct()
    ).all()
    organisations, authorities = set(), set()
    for key, authority in [(organisation_key(name), authority) for name, authority in live] + list(kept):
        organisations.add(key)
        if authority:
            authorities.add(key)
    return len(organisations), len(authorities)


class MemberReach(Counter):
    """People who came from member authorities: ``(event id, member authority id) → count``."""

    names: dict[int, str]

    @property
    def organisations(self) -> set[int]:
        return {org for _, org in self}

    def table(self) -> list[tuple[str, int, int]]:
        rows = [
            (
                self.names[org],
                sum(1 for _, other in self if other == org),
                sum(count for (_, other), count in self.items() if other == org),
            )
            for org in self.organisations
        ]
        return sorted(rows, key=lambda row: (-row[2], row[0]))


def _member_reach(ids: Select) -> MemberReach:
    """The people from member authorities who came to the selected events: live registrations, then
    what erased ones left in ``reached_organisations``."""
    reach = MemberReach()
    live = db.session.execute(
        select(Registration.event_id, Registration.member_organisation_id, func.count())
        .where(_came(ids), Registration.member_organisation_id.isnot(None))
        .group_by(Registration.event_id, Registration.member_organisation_id)
    ).all()
    kept = db.session.execute(
        select(
            ReachedOrganisation.event_id,
            ReachedOrganisation.member_organisation_id,
            ReachedOrganisation.people,
        ).where(ReachedOrganisation.event_id.in_(ids), ReachedOrganisation.member_organisation_id.isnot(None))
    ).all()
    for event_id, org, count in [*live, *kept]:
        reach[(event_id, org)] += count
    reach.names = (
        dict(
            db.session.execute(
                select(MemberOrganisation.id, MemberOrganisation.name).where(
                    MemberOrganisation.id.in_(reach.organisations)
                )
            ).all()
        )
        if reach
        else {}
    )
    return reach


def _replay_counts(selection: Selection) -> dict[str, int]:
    """Replay page views and file downloads counted in the period's years, for the replays of the
    events in the selection's scope and programme (whenever they took place)."""
    events = select(Event.id)
    if selection.scope is not None:
        events = events.where(selection.scope)
    if selection.programme is not None:
        events = events.where(Event.programmes.any(Programme.id == selection.programme.id))
    rows = db.session.execute(
        select(ReplayCount.item, func.sum(ReplayCount.count))
        .join(Replay, Replay.id == ReplayCount.replay_id)
        .where(
            Replay.event_id.in_(events),
            ReplayCount.year >= selection.start.year,
            ReplayCount.year <= selection.end.year,
        )
        .group_by(ReplayCount.item)
    ).all()
    return {item: int(total or 0) for item, total in rows}


def _marks() -> list:
    """Answers count, then the average mark of each question."""
    return [func.count(SurveyAnswer.id), *(func.avg(getattr(SurveyAnswer, name)) for name in QUESTIONS)]


def _satisfaction(row) -> dict:
    return {
        "answers": row[0],
        **{name: _round(value) for name, value in zip(QUESTIONS, row[1:], strict=True)},
    }


def _round(value) -> float | None:
    return None if value is None else round(float(value), 1)


def _satisfaction_by_event(ids: Select, figures: list[EventFigures]) -> list[tuple[EventFigures, dict]]:
    rows = db.session.execute(
        select(SurveyAnswer.event_id, *_marks())
        .where(SurveyAnswer.event_id.in_(ids))
        .group_by(SurveyAnswer.event_id)
    ).all()
    found = {row[0]: _satisfaction(row[1:]) for row in rows}
    return [(item, found[item.event.id]) for item in figures if item.event.id in found]


def event_satisfaction(event: Event) -> dict:
    """The answers count and average marks of ``event``'s questionnaire."""
    row = db.session.execute(select(*_marks()).where(SurveyAnswer.event_id == event.id)).one()
    return _satisfaction(row)


def _comments(ids: Select, figures: list[EventFigures]) -> list[tuple[EventFigures, SurveyAnswer]]:
    by_event = {item.event.id: item for item in figures}
    answers = db.session.scalars(
        select(SurveyAnswer)
        .where(SurveyAnswer.event_id.in_(ids), SurveyAnswer.comment.isnot(None))
        .order_by(SurveyAnswer.event_id, SurveyAnswer.id)
    )
    return [(by_event[answer.event_id], answer) for answer in answers if answer.event_id in by_event]


def _satisfaction_by_programme(ids: Select) -> list[tuple[str, dict]]:
    rows = db.session.execute(
        select(Programme.name, *_marks())
        .join(event_programmes, event_programmes.c.programme_id == Programme.id)
        .join(SurveyAnswer, SurveyAnswer.event_id == event_programmes.c.event_id)
        .where(SurveyAnswer.event_id.in_(ids))
        .group_by(Programme.id, Programme.name)
        .order_by(Programme.name)
    ).all()
    return [(row[0], _satisfaction(row[1:])) for row in rows]


def _totals(report: Report) -> dict:
    known = [item.participants for item in report.known]
    marked = [item for item in report.events if item.source == "sheet"]
    attended = sum(item.attended for item in marked)
    absent = sum(item.absent for item in marked)
    answers = sum(marks["answers"] for _, marks in report.satisfaction_events)
    return {
        "events": len(report.events),
        "events_with_participants": len(known),
        "participants": sum(known),
        "mean": round(statistics.mean(known), 1) if known else None,
        "median": statistics.median(known) if known else None,
        "places": sum(item.places for item in report.events),
        "marked_events": len(marked),
        "marked_places": attended + absent,
        "attended": attended,
        "absent": absent,
        "no_show_rate": round(100 * absent / (attended + absent), 1) if attended + absent else None,
        "waitlisted": sum(item.waitlisted for item in report.events),
        "events_with_waitlist": sum(1 for item in report.events if item.waitlisted),
        "replay_views": report.replay_views.get("page", 0),
        "slide_downloads": report.replay_views.get("slides", 0),
        "downloads": sum(count for item, count in report.replay_views.items() if item != "page"),
        "survey_answers": answers,
    }


# --- Tables (page and XLSX) ------------------------------------------------------------------------


def _number(value) -> str | int | float:
    return "—" if value is None else value


def _tables(report: Report) -> list[Table]:
    totals = report.totals
    kinds = list(KINDS)
    summary = [
        ["Événements tenus", totals["events"]],
        ["Événements dont la participation est connue", totals["events_with_participants"]],
        ["Participant·es (total)", totals["participants"]],
        ["Participant·es par événement (moyenne)", _number(totals["mean"])],
        ["Participant·es par événement (médiane)", _number(totals["median"])],
        ["Organisations touchées", report.organisations],
        ["Collectivités touchées (organisations d'élu·es et d'agent·es)", report.authorities],
        ["Dont collectivités adhérentes", report.member_authorities],
        ["Participant·es de collectivités adhérentes", report.member_participants],
        ["Vues des replays", totals["replay_views"]],
        ["Téléchargements des diaporamas", totals["slide_downloads"]],
        ["Téléchargements de ressources (tous)", totals["downloads"]],
        ["Réponses aux questionnaires de satisfaction", totals["survey_answers"]],
    ]
    questions = list(QUESTIONS.values())
    return [
        Table("synthese", "Synthèse", ["Indicateur", "Valeur"], summary),
        Table(
            "mois",
            "Événements par type et par mois",
            ["Mois", *(KINDS[kind] for kind in kinds), "Total"],
            [
                [month, *(counts.get(kind, 0) for kind in kinds), sum(counts.values())]
                for month, counts in report.by_kind_month
            ],
        ),
        Table(
            "evenements",
            "Participant·es par événement",
            [
                "Date",
                "Titre",
                "Type",
                "Co-organisateurs",
                "Région",
                "Participant·es",
                "Source du chiffre",
                MEMBER_PARTICIPANTS,
            ],
            [
                [
                    item.date_label,
                    item.event.title,
                    item.event.kind_label,
                    item.co_organisers,
                    item.region,
                    _number(item.participants),
                    source_label(item.source),
                    item.member_participants,
                ]
                for item in report.events
            ],
            f"{MEMBER_PARTICIPANTS} : {MEMBERS_NOTE}",
        ),
        Table(
            "adherents",
            "Collectivités adhérentes",
            ["Collectivité adhérente", "Événements", "Participant·es"],
            [list(row) for row in report.members],
            MEMBERS_NOTE,
        ),
        Table(
            "fonctions",
            "Participant·es par fonction",
            ["Fonction", "Participant·es"],
            [list(pair) for pair in report.by_function],
            "Inscrit·es venu·es : présent·es, ou confirmé·es quand les présences n'ont pas été relevées.",
        ),
        Table(
            "regions",
            "Participant·es par région",
            ["Région", "Participant·es"],
            [list(pair) for pair in report.by_region],
            "La région d'un événement est celle de son club, sinon celle d'un co-organisateur régional.",
        ),
        Table(
            "presences",
            "Inscriptions et présences",
            ["Indicateur", "Valeur"],
            [
                ["Inscriptions (places attribuées)", totals["places"]],
                ["Événements dont les présences ont été relevées", totals["marked_events"]],
                ["Inscrit·es attendu·es à ces événements", totals["marked_places"]],
                ["Présent·es", totals["attended"]],
                ["Absent·es", totals["absent"]],
                ["Taux d'absence (%)", _number(totals["no_show_rate"])],
                ["Demandes restées en liste d'attente", totals["waitlisted"]],
                ["Événements avec une liste d'attente", totals["events_with_waitlist"]],
            ],
        ),
        Table(
            "modes",
            "Événements hybrides : sur place et à distance",
            [
                "Date",
                "Titre",
                "Inscrit·es sur place",
                "Présent·es sur place",
                "Inscrit·es à distance",
                "Présent·es à distance",
            ],
            [
                [
                    item.date_label,
                    item.event.title,
                    *report.by_mode.get(item.event.id, {}).get("onsite", (0, 0)),
                    *report.by_mode.get(item.event.id, {}).get("remote", (0, 0)),
                ]
                for item in report.events
                if item.event.mode == "hybrid"
            ],
            "Inscrit·es : places attribuées ; présent·es : présences relevées dans l'espace.",
        ),
        Table(
            "replays",
            "Replays et ressources",
            ["Indicateur", "Valeur"],
            [
                ["Vues des pages de replay", totals["replay_views"]],
                ["Téléchargements des diaporamas", totals["slide_downloads"]],
                ["Téléchargements de ressources (tous)", totals["downloads"]],
            ],
            "Comptés par année civile : les années de la période entière.",
        ),
        Table(
            "satisfaction",
            "Satisfaction par événement (notes moyennes sur 5)",
            ["Date", "Titre", "Réponses", *questions],
            [
                [
                    item.date_label,
                    item.event.title,
                    marks["answers"],
                    *(_number(marks[name]) for name in QUESTIONS),
                ]
                for item, marks in report.satisfaction_events
            ],
        ),
        Table(
            "satisfaction-programmes",
            "Satisfaction par programme (notes moyennes sur 5)",
            ["Programme", "Réponses", *questions],
            [
                [name, marks["answers"], *(_number(marks[key]) for key in QUESTIONS)]
                for name, marks in report.satisfaction_programmes
            ],
        ),
        Table(
            "commentaires",
            "Commentaires des questionnaires",
            ["Date", "Titre", *questions, "Commentaire"],
            [
                [
                    item.date_label,
                    item.event.title,
                    *(getattr(answer, name) for name in QUESTIONS),
                    answer.comment,
                ]
                for item, answer in report.comments
            ],
            "Réponses anonymes, chacune avec ses notes de 1 (pas du tout) à 5 (tout à fait).",
        ),
    ]


# --- A member authority's year ---------------------------------------------------------------------


@dataclass
class MemberEvent:
    """One event of a member's year: how many of its people registered, and came."""

    event: Event
    registered: int  # registrations holding a place or waiting, erased ones that came included
    came: int  # present, or confirmed where attendance was not marked; erased ones included
    marked: bool  # attendance was marked at the event

    @property
    def date_label(self) -> str:
        return format_date(self.event.local_start.date(), "d MMMM y", locale=LOCALE)


def member_year(member: MemberOrganisation, year: int) -> list[MemberEvent]:
    """The events starting in ``year`` (Paris) that ``member``'s people registered for, by date."""
    ids = select(Event.id).where(
        Event.status != "draft",
        Event.starts_at >= clock.to_utc(date(year, 1, 1)),
        Event.starts_at < clock.to_utc(date(year + 1, 1, 1)),
    )
    counts: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    live = db.session.execute(
        select(
            Registration.event_id,
            func.count().filter(Registration.status != "cancelled"),
            func.count().filter(_came(ids)),
        )
        .where(Registration.event_id.in_(ids), Registration.member_organisation_id == member.id)
        .group_by(Registration.event_id)
    ).all()
    kept = db.session.execute(
        select(ReachedOrganisation.event_id, func.sum(ReachedOrganisation.people))
        .where(ReachedOrganisation.event_id.in_(ids), ReachedOrganisation.member_organisation_id == member.id)
        .group_by(ReachedOrganisation.event_id)
    ).all()
    for event_id, registered, came in live:
        counts[event_id][0] += registered
        counts[event_id][1] += came
    for event_id, people in kept:
        counts[event_id][0] += int(people or 0)
        counts[event_id][1] += int(people or 0)
    counts = {event_id: pair for event_id, pair in counts.items() if pair[0]}
    marked = set(
        db.session.scalars(
            select(Registration.event_id)
            .where(Registration.event_id.in_(counts), Registration.status.in_(("attended", "absent")))
            .distinct()
        )
    )
    events = db.session.scalars(select(Event).where(Event.id.in_(counts)).order_by(Event.starts_at, Event.id))
    return [MemberEvent(event, *counts[event.id], event.id in marked) for event in events]


def member_years(member: MemberOrganisation) -> list[int]:
    """The years of the events ``member``'s people registered for (erased ones included), newest first."""
    starts = db.session.scalars(
        select(Event.starts_at)
        .where(
            or_(
                Event.id.in_(
                    select(Registration.event_id).where(Registration.member_organisation_id == member.id)
                ),
                Event.id.in_(
                    select(ReachedOrganisation.event_id).where(
                        ReachedOrganisation.member_organisation_id == member.id
                    )
                ),
            )
        )
        .distinct()
    )
    return sorted({clock.to_local(start).year for start in starts}, reverse=True)


MEMBER_YEAR_HEADERS = ["Date", "Événement", "Type", "Inscrit·es", "Venu·es", "Présences relevées"]


def member_year_rows(rows: list[MemberEvent]) -> list[list]:
    """The year's table, as the page and the XLSX export show it."""
    return [
        [
            item.date_label,
            item.event.title,
            item.event.kind_label,
            item.registered,
            item.came,
            "oui" if item.marked else "non",
        ]
        for item in rows
    ]
