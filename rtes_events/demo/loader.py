"""Loads the seed of the network's real events, then example sessions a few weeks ahead."""

import json
from datetime import date, timedelta
from importlib.resources import files

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..importer import ImportReport, import_data
from ..models import Event
from . import reminder_example, today_session

EXAMPLE_PREFIX = "Exemple — "
MEETING_DAYS = (1, 3)  # Tuesday and Thursday: the network meets on working days
FIXED_HOLIDAYS = {(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)}


def easter(year: int) -> date:
    """Easter Sunday of ``year`` (Gregorian calendar, anonymous algorithm of Meeus and Butcher)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return date(year, month, day + 1)


def is_public_holiday(day: date) -> bool:
    """A public holiday in France: the fixed ones, Easter Monday, Ascension and Whit Monday."""
    return (day.month, day.day) in FIXED_HOLIDAYS or (day - easter(day.year)).days in (1, 39, 50)


def meeting_day(start: date) -> date:
    """The first Tuesday or Thursday from ``start`` that is not a public holiday."""
    while start.weekday() not in MEETING_DAYS or is_public_holiday(start):
        start += timedelta(days=1)
    return start


def seed() -> dict:
    return json.loads(files(__package__).joinpath("rtes_seed.json").read_text(encoding="utf-8"))


AFTERNOON = "Ateliers de l'après-midi"
# The example rencontre's day, in the import schema: the network's themes on food (« alimentation »).
RENCONTRE_PROGRAMME = [
    {
        "title": "Ouverture : paroles d'élu·es",
        "start_time": "09:30",
        "end_time": "10:00",
        "kind": "pleniere",
        "place": "Hémicycle",
        "speakers": ["Chloé Sécher (RTES)"],
    },
    {
        "title": "Projets alimentaires territoriaux : ce que l'ESS y apporte",
        "start_time": "10:00",
        "end_time": "11:30",
        "kind": "table-ronde",
        "place": "Hémicycle",
        "description": "Retours d'expériences de collectivités qui ont associé les acteurs de l'ESS à leur "
        "projet alimentaire territorial.",
    },
    {
        "title": "Visite d'une légumerie solidaire d'insertion",
        "start_time": "11:30",
        "end_time": "12:30",
        "kind": "visite",
        "place": "Départ du hall d'accueil",
        "description": "Visite apprenante : une structure d'insertion qui prépare les légumes locaux pour la "
        "restauration collective.",
    },
    {
        "title": "Déjeuner",
        "start_time": "12:30",
        "end_time": "14:00",
        "kind": "repas",
        "place": "Salle des Tisserands",
        "description": "Préparé par un traiteur solidaire, avec une alternative végétarienne.",
    },
    *(
        {
            "title": title,
            "start_time": "14:00",
            "end_time": "15:30",
            "kind": "atelier",
            "place": f"Salle {number}",
            "description": description,
            "capacity": 30,
            "choice": AFTERNOON,
        }
        for number, (title, description) in enumerate(
            [
                (
                    "Restauration collective et commande publique responsable",
                    "Clauses sociales et environnementales, allotissement, circuits courts.",
                ),
                (
                    "Tiers-lieux nourriciers et agriculture urbaine",
                    "Jardins partagés, fermes urbaines et cuisines collectives : le rôle des collectivités.",
                ),
                (
                    "Précarité alimentaire : épiceries solidaires et coopératives",
                    "Accès de toutes et tous à une alimentation de qualité.",
                ),
                (
                    "Installation agricole : foncier et SCIC",
                    "Faciliter l'installation en agriculture durable avec l'ESS.",
                ),
            ],
            start=1,
        )
    ),
    {"title": "Pause", "start_time": "15:30", "end_time": "15:45", "kind": "pause"},
    {
        "title": "Restitution des ateliers et débat mouvant",
        "start_time": "15:45",
        "end_time": "16:40",
        "kind": "pleniere",
        "place": "Hémicycle",
    },
    {
        "title": "Clôture",
        "start_time": "16:40",
        "end_time": "17:00",
        "kind": "pleniere",
        "place": "Hémicycle",
    },
]


def examples() -> list[dict]:
    """Example sessions three to five weeks from today, on working days (Tuesday or Thursday), so
    that the demo shows registration and the waiting list."""
    today = clock.local_today()
    webinar, club, meeting = (meeting_day(today + timedelta(weeks=weeks)) for weeks in (3, 4, 5))

    return [
        {
            "slug": "exemple-webinaire-commande-publique-responsable",
            "kind": "webinaire",
            "title": EXAMPLE_PREFIX + "Webinaire : la commande publique responsable au service de l'ESS",
            "start": webinar.isoformat(),
            "start_time": "14:00",
            "end_time": "16:00",
            "mode": "online",
            "online_url": "https://visio.example.org/rtes-commande-publique",
            "capacity": 100,
            "partners": ["idealco"],
            "themes": ["commande publique"],
            "summary": "Session d'exemple de la démonstration : inscrivez-vous pour voir l'e-mail de "
            "confirmation et son fichier calendrier.",
            "speakers": ["Chloé Sécher (RTES)"],
        },
        {
            "slug": "exemple-club-ile-de-france-tiers-lieux",
            "kind": "club",
            "title": EXAMPLE_PREFIX + "Club Île-de-France : tiers-lieux et ESS",
            "start": club.isoformat(),
            "start_time": "09:30",
            "end_time": "12:30",
            "mode": "onsite",
            "venue": "Maison de l'ESS",
            "city": "Paris",
            "capacity": 3,
            "waitlist": True,
            "club": "club-ess-ile-de-france",
            "themes": ["tiers-lieux"],
            "summary": "Session d'exemple à trois places : la quatrième inscription part en liste d'attente.",
        },
        {
            "slug": "exemple-rencontre-nationale-alimentation",
            "kind": "rencontre",
            "title": EXAMPLE_PREFIX + "Rencontre : alimentation durable et ESS dans les territoires",
            "start": meeting.isoformat(),
            "start_time": "09:30",
            "end_time": "17:00",
            "mode": "hybrid",
            "venue": "Hôtel de Région",
            "city": "Lyon",
            "online_url": "https://visio.example.org/rtes-alimentation",
            "capacity_onsite": 120,
            "capacity_remote": 300,
            "partners": ["cnfpt", "avise"],
            "themes": ["alimentation"],
            "registration_closes": (meeting - timedelta(days=2)).isoformat() + "T18:00",
            "description": "Journée d'échanges d'exemple : retours d'expériences le matin, ateliers au "
            "choix l'après-midi (voir le programme).",
            "programme": RENCONTRE_PROGRAMME,
            "questions": RENCONTRE_QUESTIONS,
        },
    ]


# The example rencontre's questions (DESIGN.md §4): lunch and dietary needs on site, accessibility.
RENCONTRE_QUESTIONS = [
    {
        "label": "Je déjeunerai sur place",
        "type": "oui-non",
        "required": True,
        "mode": "sur-place",
        "help": "Le déjeuner est préparé par un traiteur solidaire.",
    },
    {
        "label": "Besoins alimentaires",
        "type": "choix-multiples",
        "mode": "sur-place",
        "choices": ["Végétarien", "Sans porc", "Sans gluten", "Allergies (précisez ci-dessous)"],
        "help": "Cochez ce qui vous concerne, pour que le traiteur le prévoie.",
    },
    {"label": "Allergies ou autre besoin alimentaire à préciser", "type": "texte", "mode": "sur-place"},
    {
        "label": "Besoins d'accessibilité",
        "type": "choix-multiples",
        "choices": [
            "Fauteuil roulant",
            "Interprétation en langue des signes (LSF)",
            "Boucle magnétique",
            "Autre",
        ],
        "help": "Pour que nous préparions votre accueil ; précisez au besoin ci-dessous.",
    },
    {"label": "Précisions sur vos besoins d'accessibilité", "type": "texte"},
]

# The programme the seed's sources name (« ANCT convention report 2020-2022 »), holding the
# events the ANCT co-organised in that period; nothing beyond what the seed says.
ANCT = {
    "slug": "convention-anct-2020-2022",
    "name": "Convention ANCT 2020–2022",
    "funder": "ANCT",
    "start": "2020-01-01",
    "end": "2022-12-31",
    "description": "Convention entre l'Agence nationale de la cohésion des territoires et le RTES.",
}


def with_programmes(data: dict) -> dict:
    """The seed with its programme, and that programme on the events it covers."""
    data["programmes"] = [ANCT]
    for item in data["events"]:
        in_period = ANCT["start"][:4] <= item["start"][:4] <= ANCT["end"][:4]
        if in_period and "anct" in (item.get("partners") or []):
            item["programmes"] = [ANCT["slug"]]
    return data


def members() -> list[dict]:
    """The demo's example member, labelled as such, in the import schema (``members.json``)."""
    return json.loads(files(__package__).joinpath("members.json").read_text(encoding="utf-8"))["members"]


def load_demo() -> ImportReport:
    """Import the seed (its members included), the example member, the example sessions and the
    session of the day; an example not over yet keeps its date (idempotent)."""
    data = with_programmes(seed())
    data["members"] = [*data.get("members", []), *members()]
    now = clock.now()
    ahead = set(
        db.session.scalars(select(Event.slug).where(Event.slug.like("exemple-%"), Event.ends_at > now))
    )
    wanted = [*examples(), reminder_example.item(EXAMPLE_PREFIX), today_session.item(EXAMPLE_PREFIX)]
    data["events"] += [item for item in wanted if item["slug"] not in ahead]
    report = import_data(data)
    reminder_example.register_people()
    today_session.register_people()
    return report
