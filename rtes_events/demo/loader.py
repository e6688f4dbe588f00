"""Loads the seed of the network's real events, then example sessions a few weeks ahead."""

import json
from datetime import timedelta
from importlib.resources import files

from sqlalchemy import select

from .. import clock
from ..extensions import db
from ..importer import ImportReport, import_data
from ..models import Event

EXAMPLE_PREFIX = "Exemple — "


def seed() -> dict:
    return json.loads(files(__package__).joinpath("rtes_seed.json").read_text(encoding="utf-8"))


def examples() -> list[dict]:
    """Example sessions dated from today, so that the demo shows registration and the waiting list."""
    today = clock.local_today()

    def day(weeks: int) -> str:
        return (today + timedelta(weeks=weeks)).isoformat()

    return [
        {
            "slug": "exemple-webinaire-commande-publique-responsable",
            "kind": "webinaire",
            "title": EXAMPLE_PREFIX + "Webinaire : la commande publique responsable au service de l'ESS",
            "start": day(3),
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
            "start": day(4),
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
            "start": day(5),
            "start_time": "09:30",
            "end_time": "17:00",
            "mode": "hybrid",
            "venue": "Hôtel de Région",
            "city": "Lyon",
            "online_url": "https://visio.example.org/rtes-alimentation",
            "capacity": 120,
            "partners": ["cnfpt", "avise"],
            "themes": ["alimentation"],
            "registration_closes": (today + timedelta(weeks=5, days=-2)).isoformat() + "T18:00",
            "description": "Journée d'échanges d'exemple.\n\n* matin : retours d'expériences\n"
            "* après-midi : ateliers",
        },
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


def load_demo() -> ImportReport:
    """Import the seed and the examples; an example still ahead keeps its date (idempotent)."""
    data = with_programmes(seed())
    now = clock.now()
    ahead = set(
        db.session.scalars(select(Event.slug).where(Event.slug.like("exemple-%"), Event.ends_at > now))
    )
    data["events"] += [item for item in examples() if item["slug"] not in ahead]
    return import_data(data)
