"""End to end in a real browser (Debian's Chromium driven by Playwright) against a live server.

A participant finds an example session in the agenda, registers through the form, receives the
e-mail with its calendar file, opens the management link and cancels; the next registrant of a
full session lands on the waiting list. Every page passes axe-core's WCAG 2.1 AA rules.
"""

import os
import re
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from rtes_events import accounts, clock, registrations, registry, worker
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Event

from .conftest import PASSWORD, PERSON, free_port

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CLUB_SESSION = "Exemple — Club Île-de-France : tiers-lieux et ESS"
AXE = Path(__file__).parent / "node_tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = "{runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}"


@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        message = "Debian's chromium is needed (make test installs it)"
        if os.environ.get("RTES_TEST_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live(app_factory):
    """The demo served over HTTP on a free local port with its outbox worker, as ``rtes-events demo`` does."""
    port = free_port()
    app = app_factory(RTES_BASE_URL=f"http://127.0.0.1:{port}")
    with app.app_context():
        load_demo()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = f"http://127.0.0.1:{port}"
    try:
        with worker.in_thread(app, interval=0.1):
            yield app
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    yield context.new_page()
    context.close()


def fill_registration(page, email: str) -> None:
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_role("textbox", name="Prénom").fill("Léa")
    page.get_by_role("textbox", name=re.compile(r"^Nom\b")).fill("Dupont")
    page.get_by_role("textbox", name="Organisation").fill("Ville de Paris")
    page.get_by_role("combobox", name="Fonction").select_option(label="Élu·e")
    page.get_by_role("checkbox", name=re.compile("J.accepte que le RTES")).check()
    page.get_by_role("button", name="M'inscrire").click()


def delivered(outbox_messages, count: int) -> list:
    """The e-mails once the server's worker has written ``count`` of them (within two seconds)."""
    deadline = time.monotonic() + 2
    while len(messages := outbox_messages(worker_pass=False)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return messages


def test_register_from_the_agenda_get_the_email_then_cancel(live, page, outbox_messages):
    page.goto(live.url + "/")
    page.get_by_role("link", name=CLUB_SESSION).click()
    assert page.get_by_role("heading", level=1).inner_text() == CLUB_SESSION
    page.get_by_role("link", name=re.compile("S'inscrire")).click()
    fill_registration(page, "lea.dupont@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"

    [message] = delivered(outbox_messages, 1)
    assert message["To"] == "lea.dupont@example.org"
    [attachment] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert "SUMMARY:Exemple — Club Île-de-France" in attachment.get_content()
    manage_url = re.search(r"http://\S+/inscription/\S+/", message.get_body(("plain",)).get_content())[0]

    page.goto(manage_url)
    assert "Confirmée" in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="Confirmer l'annulation de mon inscription").click()
    assert "Votre inscription est annulée." in page.get_by_role("main").inner_text()
    assert len(delivered(outbox_messages, 2)) == 2


def test_a_full_session_puts_the_next_registrant_on_the_waiting_list(live, page):
    with live.app_context():
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        for n in range(event.capacity):
            registrations.register(event, {**PERSON, "email": f"p{n}@example.org"})
    page.goto(live.url + "/evenements/exemple-club-ile-de-france-tiers-lieux/")
    assert "Complet" in page.get_by_role("main").inner_text()
    page.get_by_role("link", name=re.compile("S'inscrire")).click()
    fill_registration(page, "suivante@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Vous êtes en liste d'attente"
    assert "position 1 sur la liste d'attente" in page.get_by_role("status").inner_text()


def violations(page) -> list[str]:
    """axe-core's verdict on the page: one line per broken rule, with the elements concerned."""
    page.add_script_tag(path=AXE)
    return page.evaluate(
        f"async () => (await axe.run(document, {AXE_RULES})).violations"
        ".map(v => `${v.id}: ${v.nodes.map(n => n.target.join(' ')).join(', ')}`)"
    )


@pytest.fixture
def audited_page(chromium):
    """A page whose CSP lets the test inject axe-core (the site itself allows no inline script)."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: make test installs it with npm ci")
    context = chromium.new_context(locale="fr-FR", bypass_csp=True)
    yield context.new_page()
    context.close()


def test_every_page_passes_the_accessibility_rules(live, audited_page):
    page = audited_page
    with live.app_context():
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        token = registrations.register(event, {**PERSON}).registration.token
    paths = [
        "/",
        "/evenements/?periode=passes",
        "/evenements/?type=club&region=IDF",
        f"/evenements/{event.slug}/",
        "/evenements/2024-06-20-mobiliser-les-fonds-et-programmes-europeens-au-service-du-developpement-de-l-ess/",
        f"/evenements/{event.slug}/inscription",
        f"/inscription/{token}/",
        "/clubs/",
        "/clubs/club-ess-ile-de-france/",
        "/page-inconnue",
    ]
    found = {}
    for path in paths:
        page.goto(live.url + path)
        found[path] = violations(page)
    page.goto(live.url + f"/evenements/{event.slug}/inscription")
    page.evaluate("document.querySelector('main form').noValidate = true")  # let the server judge
    page.get_by_role("button", name="M'inscrire").click()
    assert "n'a pas pu être enregistrée" in page.get_by_role("alert").inner_text()
    found["form with errors"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}


CLUB_IDF = "Club des collectivités territoriales pour l'ESS en Île-de-France"


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/connexion")
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Espace des organisateurs"


def test_a_co_organiser_runs_a_session_from_creation_to_attendance(live, chromium, tmp_path):
    with live.app_context():
        accounts.create_user(
            "club-idf@example.org", accounts.Scope("coorganiser", ("club-ess-ile-de-france",)), PASSWORD
        )
        db.session.commit()
    organiser = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris", accept_downloads=True)
    page = organiser.new_page()
    sign_in(page, live.url, "club-idf@example.org")

    # Create the session (a draft), then publish it.
    page.get_by_role("link", name="Nouvelle session").click()
    page.get_by_label("Type de session").select_option("club")
    page.get_by_label("Club", exact=True).select_option(label=CLUB_IDF)
    page.get_by_role("textbox", name=re.compile("^Titre")).fill("Club francilien : achats responsables")
    day = clock.local_today() + timedelta(days=30)
    page.get_by_label(re.compile("^Date")).first.fill(day.isoformat())
    page.get_by_label(re.compile("^Heure de début")).fill("09:30")
    page.get_by_label(re.compile("^Heure de fin")).fill("12:00")
    page.get_by_label(re.compile("^Format")).select_option("onsite")
    page.get_by_role("textbox", name=re.compile("^Lieu")).fill("Hôtel de Ville")
    page.get_by_role("textbox", name=re.compile("^Ville")).fill("Montreuil")
    page.get_by_label(re.compile("^Nombre de places")).fill("20")
    page.get_by_role("button", name="Créer la session").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Club francilien : achats responsables"
    page.get_by_role("button", name="Publier").click()
    assert "Publié" in page.get_by_role("main").inner_text()

    # A participant finds it in the agenda and registers.
    visitor = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    public = visitor.new_page()
    public.goto(live.url + "/evenements/?type=club")
    public.get_by_role("link", name="Club francilien : achats responsables").click()
    public.get_by_role("link", name=re.compile("S'inscrire")).click()
    fill_registration(public, "lea.dupont@example.org")
    assert public.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"
    visitor.close()

    # The registration shows on the dashboard and in the registrants' list.
    page.get_by_role("link", name="Tableau de bord").click()
    assert "Dupont" in page.get_by_role("region", name="Inscriptions récentes").inner_text()
    page.get_by_role("link", name="Club francilien : achats responsables").first.click()
    page.get_by_role("link", name="Liste des personnes inscrites").click()
    assert "lea.dupont@example.org" in page.get_by_role("table").inner_text()

    # Export the list as XLSX and read it back.
    page.get_by_role("link", name=re.compile("Retour|Club francilien")).first.click()
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX)").click()
    path = tmp_path / "inscrits.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("Nom", "Prénom", "E-mail") and rows[1][:3] == (
        "Dupont",
        "Léa",
        "lea.dupont@example.org",
    )

    # The session takes place; the organiser marks attendance with one click.
    with live.app_context():
        event = db.session.scalar(select(Event).where(Event.title == "Club francilien : achats responsables"))
        event.starts_at, event.ends_at = clock.now() - timedelta(hours=3), clock.now() - timedelta(hours=1)
        db.session.commit()
        event_id = event.id
    page.goto(f"{live.url}/espace/evenements/{event_id}/")
    page.get_by_role("link", name="Relever les présences").click()
    page.get_by_role("button", name=re.compile("^Présent·e.*Léa Dupont")).click()
    assert "Présent·e" in page.get_by_role("table").inner_text()
    with live.app_context():
        assert db.session.get(Event, event_id).participants == 1
    organiser.close()


def test_every_workspace_page_passes_the_accessibility_rules(live, audited_page):
    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registrations.register(event, {**PERSON})
        db.session.commit()
        event_id = event.id
    found = {}
    for path in ("/connexion", "/mot-de-passe-oublie"):
        page.goto(live.url + path)
        found[path] = violations(page)
    page.goto(live.url + "/connexion")
    page.get_by_role("button", name="Se connecter").click()
    found["login with errors"] = violations(page)
    sign_in(page, live.url, "equipe@rtes.fr")
    paths = [
        "/espace/",
        "/espace/evenements/",
        "/espace/evenements/nouveau",
        f"/espace/evenements/{event_id}/",
        f"/espace/evenements/{event_id}/modifier",
        f"/espace/evenements/{event_id}/reporter",
        f"/espace/evenements/{event_id}/annuler",
        f"/espace/evenements/{event_id}/inscrits",
        f"/espace/evenements/{event_id}/inscrits/ajouter",
        f"/espace/evenements/{event_id}/presences",
        f"/espace/evenements/{event_id}/message",
        f"/espace/evenements/{event_id}/emargement",
        "/espace/comptes/",
        "/espace/comptes/inviter",
        "/espace/mot-de-passe",
    ]
    for path in paths:
        response = page.goto(live.url + path)
        assert response.status == 200, path
        found[path] = violations(page)
    page.goto(live.url + "/espace/evenements/nouveau")
    page.evaluate("document.querySelector('main form').noValidate = true")
    page.get_by_role("button", name="Créer la session").click()
    found["session form with errors"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}


def test_every_replay_page_passes_the_accessibility_rules(live, audited_page):
    from rtes_events import opt_outs, replays

    page = audited_page
    slug = "2024-06-20-mobiliser-les-fonds-et-programmes-europeens-au-service-du-developpement-de-l-ess"
    with live.app_context():
        admin = accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
        event = registry.by_slug(slug)
        replays.save_video(
            admin,
            event,
            "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            "public",
            "0:00 Accueil\n10:00 Débat",
            "Texte",
        )
        replays.save_summary(admin, event, "## Points clés\n\n* les fonds européens", "members")
        event_id, opt_out = event.id, opt_outs.token("lea@example.org")
    found = {}
    paths = [
        "/replays/",
        "/replays/?annee=2021&ressource=summary",
        f"/replays/{slug}/",
        f"/replays/desabonnement/{opt_out}",
    ]
    for path in paths:
        response = page.goto(live.url + path)
        assert response.status == 200, path
        found[path] = violations(page)
    sign_in(page, live.url, "equipe@rtes.fr")
    for path in (
        f"/replays/{slug}/",
        f"/espace/evenements/{event_id}/replay",
        f"/espace/evenements/{event_id}/replay/video",
        f"/espace/evenements/{event_id}/replay/diaporama",
        f"/espace/evenements/{event_id}/replay/sous-titres",
        f"/espace/evenements/{event_id}/replay/synthese",
    ):
        response = page.goto(live.url + path)
        assert response.status == 200, path
        found[f"{path} (signed in)"] = violations(page)
    page.goto(live.url + f"/espace/evenements/{event_id}/replay/diaporama")
    page.get_by_role("button", name="Envoyer le fichier").click()
    found["slides form with errors"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}


def test_the_indicators_programmes_and_questionnaire_pass_the_accessibility_rules(live, audited_page):
    from rtes_events import programmes
    from rtes_events.models import SurveyInvitation

    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registration = registrations.register(event, {**PERSON}).registration
        invitation = SurveyInvitation(registration_id=registration.id)
        db.session.add(invitation)
        db.session.commit()
        token = invitation.token
        programme_id = programmes.by_slug("convention-anct-2020-2022").id
    found = {}
    page.goto(live.url + f"/questionnaire/{token}/")
    found["questionnaire"] = violations(page)
    mark = "document.querySelector('input[name=overall]')"
    page.evaluate(f"{mark}.value = '9'; {mark}.checked = true")  # a mark the form does not offer
    page.get_by_role("button", name="Envoyer mes réponses").click()
    assert "n'a pas pu être enregistrée" in page.get_by_role("alert").inner_text()
    found["questionnaire with errors"] = violations(page)
    sign_in(page, live.url, "equipe@rtes.fr")
    for path in (
        "/espace/indicateurs?du=2019-01-01&au=2019-12-31",
        "/espace/indicateurs?du=2020-01-01&au=2022-12-31&programme=convention-anct-2020-2022",
        "/espace/programmes/",
        "/espace/programmes/nouveau",
        f"/espace/programmes/{programme_id}/",
    ):
        response = page.goto(live.url + path)
        assert response.status == 200, path
        found[path] = violations(page)
    assert page.goto(live.url + "/espace/indicateurs?du=2019-02-30").status == 400
    found["indicators with errors"] = violations(page)
    page.goto(live.url + "/espace/indicateurs?du=2019-01-01&au=2019-12-31")
    assert page.get_by_role("img", name="Participant·es par région").is_visible()
    assert {path: rules for path, rules in found.items() if rules} == {}
