"""The guide's screenshots (docs/_static/ecrans/), taken in Chromium on the demo data at each run, so
that the documentation shows the interface as it is; the workspace help passes axe-core for an admin
and a co-organiser."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from rtes_events import accounts, clock, proposals, registrations, registry
from rtes_events.extensions import db
from rtes_events.models import CalendarSource, Event, MemberOrganisation, Partner

from .conftest import PASSWORD, PERSON
from .test_browser import AXE, chromium, live, sign_in, violations  # noqa: F401 (fixtures)

SCREENS = Path(__file__).resolve().parent.parent / "docs" / "_static" / "ecrans"
VIEWPORT, PHONE = {"width": 1100, "height": 800}, {"width": 390, "height": 844}
CLUB_SESSION = "exemple-club-ile-de-france-tiers-lieux"
# The screenshots the guide shows: file name → page (``{upcoming}``, ``{past}``… filled from the demo).
PUBLIC = {
    "agenda": "/",
    "evenement": "/evenements/{slug}/",
    "evenement-programme": "/evenements/exemple-rencontre-nationale-alimentation/#programme",
    "inscription": "/evenements/{slug}/inscription",
    "inscription-questions": "/evenements/{rencontre_slug}/inscription#questions-organisateurs",
    "acces-adherent": "/adherents/acces",
    "journee-inscription": "/evenements/{rencontre_slug}/inscription#mode",  # after another page: loaded
}
# The same public pages on a phone's first screen.
PHONE_PAGES = {f"{name}-telephone": PUBLIC[name] for name in ("agenda", "evenement", "inscription")}
WORKSPACE = {
    "tableau-de-bord": "/espace/",
    "sessions": "/espace/evenements/",
    "session": "/espace/evenements/{upcoming}/",
    "session-formulaire": "/espace/evenements/{upcoming}/modifier",
    "programme": "/espace/evenements/{rencontre_id}/programme",
    "inscrits": "/espace/evenements/{upcoming}/inscrits",
    "questions": "/espace/evenements/{rencontre_id}/questions",
    "reponses": "/espace/evenements/{rencontre_id}/inscrits#chiffres",
    "message": "/espace/evenements/{upcoming}/message",
    "presences": "/espace/evenements/{past}/presences",
    "replay": "/espace/evenements/{past}/replay",
    "indicateurs": "/espace/indicateurs",
    "adherents": "/espace/adherents/",
    "adherent-annee": "/espace/adherents/{member}",
    "propositions": "/espace/propositions/",
    "calendriers": "/espace/sources/",
    "lettre": "/espace/lettre",
    "aide": "/espace/aide",
}


def demo_values(app) -> dict:
    """The demo's club session (with a few registrants, two on the waiting list), the club's last past
    session, its member authority and a pending proposal, as a co-organiser and an admin see them."""
    with app.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD, name="Équipe du RTES")
        scope = accounts.Scope("coorganiser", ("club-ess-ile-de-france",), "cress-idf")
        accounts.create_user("club-idf@example.org", scope, PASSWORD, name="Club Île-de-France")
        event = registry.by_slug(CLUB_SESSION)
        people = [("Camille", "Martin"), ("Léa", "Dupont"), ("Yanis", "Benali"), ("Inès", "Moreau")]
        for n, (first, last) in enumerate([*people, ("Noé", "Garnier")]):
            registrations.register(
                event,
                {
                    **PERSON,
                    "first_name": first,
                    "last_name": last,
                    "email": f"{first.lower()}{n}@example.org",
                },
            )
        past = db.session.scalar(
            select(Event.id)
            .where(Event.club_id == event.club_id, Event.ends_at < clock.now())
            .order_by(Event.starts_at.desc())
        )
        starts = clock.now() + timedelta(days=30)
        admin = accounts.by_email("equipe@rtes.fr")
        proposals.submit(
            admin,
            {
                "title": "Forum de l'ESS de la ville",
                "kind": "rencontre",
                "mode": "online",
                "organisation": "RTES",
            }
            | {"starts_at": starts, "ends_at": starts + timedelta(hours=3)},
        )
        follow_calendars(admin)
        db.session.commit()
        rencontre = registry.by_slug("exemple-rencontre-nationale-alimentation")
        lunch, diet, _, access, _ = (question.id for question in rencontre.questions)
        ateliers = [slot.id for slot in rencontre.slots if slot.choice]
        for n, (first, last) in enumerate(people):
            answers = {
                lunch: n < 3,
                diet: ["Végétarien"] if n % 2 else None,
                access: ["Fauteuil roulant"] * (n == 2),
            }
            registrations.register(
                rencontre,
                {
                    **PERSON,
                    "first_name": first,
                    "last_name": last,
                    "email": f"r{n}@example.org",
                    "answers": answers,
                    "mode": "remote" if n == 3 else "onsite",
                    "slots": [ateliers[n % 2]],
                },
            )
        return {
            "rencontre_slug": rencontre.slug,
            "rencontre_id": rencontre.id,
            "slug": event.slug,
            "upcoming": event.id,
            "past": past,
            "member": db.session.scalar(select(MemberOrganisation.id)),
        }


def follow_calendars(admin) -> None:
    """Two followed calendars as their refreshes leave them: one fine, one failing."""
    cress = db.session.scalar(select(Partner).where(Partner.key == "cress-idf"))
    member = db.session.scalar(select(MemberOrganisation).order_by(MemberOrganisation.name))
    now = clock.now()
    db.session.add_all(
        [
            CalendarSource(
                url="https://www.cress-idf.example.org/agenda.ics",
                name="Agenda de la CRESS Île-de-France",
                partner=cress,
                region_code="IDF",
                publish=True,
                created_by=admin,
                checked_at=now - timedelta(minutes=20),
                succeeded_at=now - timedelta(minutes=20),
                next_check_at=now + timedelta(minutes=40),
                event_count=12,
            ),
            CalendarSource(
                url="https://agenda.example.org/evenements.ics",
                name=f"Agenda de {member.name}",
                member_organisation=member,
                region_code=member.region_code,
                created_by=admin,
                checked_at=now - timedelta(minutes=5),
                succeeded_at=now - timedelta(days=2),
                next_check_at=now + timedelta(hours=4),
                failures=3,
                last_error="Le serveur du calendrier ne répond pas (délai de 20 s dépassé).",
                event_count=4,
            ),
        ]
    )


def test_the_guides_screenshots_follow_the_interface(live, chromium):  # noqa: F811
    values = demo_values(live)
    SCREENS.mkdir(parents=True, exist_ok=True)
    taken, found = [], {}
    for email, pages, viewport in (
        (None, PUBLIC, VIEWPORT),
        (None, PHONE_PAGES, PHONE),
        ("equipe@rtes.fr", WORKSPACE, VIEWPORT),
        ("club-idf@example.org", {"aide-coorganisateur": "/espace/aide"}, VIEWPORT),
    ):
        context = chromium.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport=viewport, bypass_csp=True
        )
        page = context.new_page()
        if email:
            sign_in(page, live.url, email)
        for name, path in pages.items():
            response = page.goto(live.url + path.format(**values))
            assert response.status == 200, path
            if path == "/espace/aide":
                found[f"{path} ({email})"] = violations(page)
            if not name.endswith("coorganisateur"):
                page.screenshot(path=SCREENS / f"{name}.png")
                taken.append(name)
        context.close()
    assert {name: rules for name, rules in found.items() if rules} == {}
    assert len(found) == 2
    assert sorted(path.stem for path in SCREENS.glob("*.png")) == sorted(taken)  # none left behind
    assert all(0 < (SCREENS / f"{name}.png").stat().st_size < 400_000 for name in taken)
