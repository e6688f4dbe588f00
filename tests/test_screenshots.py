"""The guide's screenshots (docs/_static/ecrans/), taken in Chromium on the demo data at each run, so
that the documentation shows the interface as it is; the workspace help passes axe-core for an admin
and a co-organiser."""

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from rtes_events import accounts, clock, proposals, registrations, registry
from rtes_events.extensions import db
from rtes_events.models import Event, MemberOrganisation

from .conftest import PASSWORD, PERSON
from .test_browser import AXE, chromium, live, sign_in, violations  # noqa: F401 (fixtures)

SCREENS = Path(__file__).resolve().parent.parent / "docs" / "_static" / "ecrans"
VIEWPORT = {"width": 1100, "height": 800}
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
WORKSPACE = {
    "tableau-de-bord": "/espace/",
    "sessions": "/espace/evenements/",
    "session": "/espace/evenements/{upcoming}/",
    "session-formulaire": "/espace/evenements/{upcoming}/modifier",
    "programme": "/espace/evenements/{rencontre}/programme",
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
            "rencontre": registry.by_slug("exemple-rencontre-nationale-alimentation").id,
        }


def test_the_guides_screenshots_follow_the_interface(live, chromium):  # noqa: F811
    values = demo_values(live)
    SCREENS.mkdir(parents=True, exist_ok=True)
    taken, found = [], {}
    for email, pages in (
        (None, PUBLIC),
        ("equipe@rtes.fr", WORKSPACE),
        ("club-idf@example.org", {"aide-coorganisateur": "/espace/aide"}),
    ):
        context = chromium.new_context(
            locale="fr-FR", timezone_id="Europe/Paris", viewport=VIEWPORT, bypass_csp=True
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
