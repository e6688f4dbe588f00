"""End to end in a real browser (Debian's Chromium driven by Playwright) against a live server.

A participant finds an example session in the agenda, registers through the form, receives the
e-mail with its calendar file, opens the management link and cancels; the next registrant of a
full session lands on the waiting list. Every page passes axe-core's WCAG 2.1 AA rules and the Nu
Html Checker (vnu.jar, the W3C's validator); the workspace is crawled as an admin and as a co-organiser.
"""

import json
import os
import re
import shutil
import subprocess
import threading
import time
from collections import deque
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from rtes_events import accounts, attestations, clock, registrations, registry, worker
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Event, SurveyAnswer

from .conftest import PASSWORD, PERSON, free_port, new_relayed, starting_soon

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
VNU = Path(__file__).parent / "node_tools" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
DESKTOP, PHONE = {"width": 1280, "height": 720}, {"width": 390, "height": 844}
# What a phone's screen must allow (WCAG 2.2): nothing scrolls sideways but what scrolls itself (a
# table's area), links and controls of 24 × 24 px at least (2.5.8) unless they are words of a sentence
# or have room around them (a 24 px square centred on them meets no other, approaching its circle),
# or repeat a control that has the size (the map's links, out of the tab order: the table holds
# them), and text of at least 12 px.
PHONE_PROBLEMS = r"""() => {
  const problems = [];
  const width = document.scrollingElement.scrollWidth;
  if (width > innerWidth) {
    const scrolled = el => { for (let box = el.parentElement; box; box = box.parentElement)
      if (getComputedStyle(box).overflowX !== "visible") return true; return false; };
    const wide = [...document.body.querySelectorAll("*")]
      .filter(el => el.getBoundingClientRect().right > innerWidth + 0.5 && !scrolled(el));
    const by = wide.slice(-3).map(el => el.outerHTML.slice(0, 70)).join(" | ");
    problems.push(`scrolls sideways: ${width} px wide for ${innerWidth}, by ${by}`);
  }
  const shown = el => el.getClientRects().length && getComputedStyle(el).visibility !== "hidden"
    && !el.closest(".visually-hidden, [aria-hidden=true]");
  const controls = "a[href], button, input:not([type=hidden]), select, textarea, summary";
  const targets = [...document.querySelectorAll(controls)].filter(el => shown(el) && el.tabIndex >= 0);
  const boxes = targets.map(el => el.getBoundingClientRect());
  const letters = el => el.textContent.replace(/\s+/g, "").length;
  const inline = el => {  // in a sentence: words around it that are not targets
    let block = el;
    while (getComputedStyle(block).display === "inline") block = block.parentElement;
    const inside = [...block.querySelectorAll(controls)];
    const words = inside.reduce((count, target) => count - letters(target), letters(block));
    return block !== el && words > 0;
  };
  targets.forEach((el, i) => {
    const box = boxes[i];
    if ((box.width >= 24 && box.height >= 24) || inline(el)) return;
    const x = box.left + box.width / 2, y = box.top + box.height / 2;
    const crowded = boxes.some((other, j) => j !== i && other.left < x + 12 && other.right > x - 12
      && other.top < y + 12 && other.bottom > y - 12);
    const size = `${Math.round(box.width)}×${Math.round(box.height)} px`;
    if (crowded) problems.push(`target of ${size}: ${el.outerHTML.slice(0, 90)}`);
  });
  for (const el of document.body.querySelectorAll("*")) {
    const text = [...el.childNodes].some(node => node.nodeType === 3 && node.textContent.trim());
    if (text && shown(el) && !el.closest("svg") && parseFloat(getComputedStyle(el).fontSize) < 12)
      problems.push(`text of ${getComputedStyle(el).fontSize}: ${el.outerHTML.slice(0, 90)}`);
  }
  return problems;
}"""


def missing(message: str) -> None:
    """A tool the tests need is absent: a failure under ``make test``, else a skip."""
    if os.environ.get("RTES_TEST_REQUIRE_ALL"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def chromium():
    executable = shutil.which("chromium")
    if executable is None:
        missing("Debian's chromium is needed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@contextmanager
def served(app_factory):
    """An app of ``app_factory`` served over HTTP on a free local port (at ``app.url``)."""
    port = free_port()
    app = app_factory(RTES_BASE_URL=f"http://127.0.0.1:{port}")
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app.url = f"http://127.0.0.1:{port}"
    try:
        yield app
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live(app_factory):
    """The demo served over HTTP on a free local port with its outbox worker, as ``rtes-events demo`` does."""
    with served(app_factory) as app:
        with app.app_context():
            load_demo()
        with worker.in_thread(app, interval=0.1):
            yield app


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    yield context.new_page()
    context.close()


def fill_registration(
    page, email: str, first_name="Léa", last_name="Dupont", organisation="Ville de Paris", function="Élu·e"
) -> None:
    page.get_by_role("textbox", name="Adresse e-mail").fill(email)
    page.get_by_role("textbox", name="Prénom").fill(first_name)
    page.get_by_role("textbox", name=re.compile(r"^Nom\b")).fill(last_name)
    page.get_by_role("textbox", name="Organisation").fill(organisation)
    page.get_by_role("combobox", name="Fonction").select_option(label=function)
    page.get_by_role("checkbox", name=re.compile("J.accepte que le RTES")).check()
    page.get_by_role("button", name="M'inscrire").click()


def delivered(outbox_messages, count: int, to: str) -> list:
    """The e-mails to ``to`` once the server's worker has written ``count`` of them (within two
    seconds); the demo's own examples send others."""

    def mine() -> list:
        return [message for message in outbox_messages(worker_pass=False) if message["To"] == to]

    deadline = time.monotonic() + 2
    while len(messages := mine()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return messages


def test_register_from_the_agenda_get_the_email_then_cancel(live, page, outbox_messages):
    page.goto(live.url + "/")
    page.get_by_role("link", name=CLUB_SESSION).click()
    assert page.get_by_role("heading", level=1).inner_text() == CLUB_SESSION
    page.get_by_role("link", name=re.compile("S'inscrire")).click()
    fill_registration(page, "lea.dupont@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"
    assert page.url.endswith("/inscription/envoyee")  # reached by GET after the POST
    page.reload()  # asks nothing of the browser, sends no second e-mail
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"

    [message] = delivered(outbox_messages, 1, "lea.dupont@example.org")
    time.sleep(0.5)  # several passes of the worker
    assert len(delivered(outbox_messages, 1, "lea.dupont@example.org")) == 1
    [attachment] = [part for part in message.walk() if part.get_content_type() == "text/calendar"]
    assert "SUMMARY:Exemple — Club Île-de-France" in attachment.get_content()
    manage_url = re.search(r"http://\S+/inscription/\S+/", message.get_body(("plain",)).get_content())[0]

    page.goto(manage_url)
    assert "Confirmée" in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="Confirmer l'annulation de mon inscription").click()
    assert "Votre inscription est annulée." in page.get_by_role("main").inner_text()
    assert len(delivered(outbox_messages, 2, "lea.dupont@example.org")) == 2


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


def phone_problems(page) -> list[str]:
    """What keeps the page from working on a 390 px phone (``PHONE_PROBLEMS``), with axe-core's verdict
    at that width."""
    return page.evaluate(PHONE_PROBLEMS) + violations(page)


def first_event_bottom(page) -> float:
    """Where the first event's title ends, from the top of the page."""
    return page.eval_on_selector(".event-item h3", "title => title.getBoundingClientRect().bottom + scrollY")


class NuChecker:
    """The Nu Html Checker on the pages a test collects: ``add`` keeps a page's HTML, ``errors`` checks
    them all in one run of the checker (one Java start) and returns its errors by page."""

    def __init__(self, folder: Path):
        self.folder, self.names = folder, {}

    def add(self, name: str, html: str) -> None:
        path = self.folder / f"page-{len(self.names)}.html"
        path.write_text(html, encoding="utf-8")
        self.names[path.name] = name

    def check(self) -> None:
        """Fails with every error the checker found, page by page."""
        found = self.errors()
        assert not found, "\n".join(f"{name}: {error}" for name, errors in found.items() for error in errors)

    def errors(self) -> dict[str, list[str]]:
        pages = sorted(self.folder.glob("page-*.html"))
        command = ["java", "-jar", str(VNU), "--format", "json", "--errors-only", "--exit-zero-always"]
        result = subprocess.run(  # noqa: S603
            [*command, *map(str, pages)], capture_output=True, text=True, timeout=300, check=True
        )
        found: dict[str, list[str]] = {}
        for message in json.loads(result.stderr)["messages"]:
            name = self.names.get(message.get("url", "").rsplit("/", 1)[-1], message.get("url"))
            extract = " ".join(message.get("extract", "").split())[:80]
            found.setdefault(name, []).append(
                f"line {message.get('lastLine')}: {message['message']} «{extract}»"
            )
        return found


@pytest.fixture
def nu(tmp_path):
    if not VNU.is_file():
        missing("vnu.jar is missing: make test installs it with npm ci")
    if shutil.which("java") is None:
        missing("Java is needed for the Nu Html Checker (make test installs it)")
    folder = tmp_path / "nu"
    folder.mkdir()
    return NuChecker(folder)


@pytest.fixture
def audited_page(chromium):
    """A page whose CSP lets the test inject axe-core (the site itself allows no inline script)."""
    if not AXE.is_file():
        pytest.fail("axe-core is missing: make test installs it with npm ci")
    context = chromium.new_context(locale="fr-FR", bypass_csp=True)
    yield context.new_page()
    context.close()


RENCONTRE = "/evenements/exemple-rencontre-nationale-alimentation/"


def ateliers(page) -> list[dict]:
    """Where the example rencontre's four ateliers « au choix » are drawn on the page."""
    slots = page.locator(".timetable-hour", has_text="Au choix").locator(".timetable-slot")
    assert slots.count() == 4
    return [slots.nth(n).bounding_box() for n in range(4)]


def relay_example() -> int:
    """A followed calendar (in an app context) and one event relayed from it (``forum-relaye``, its id
    returned)."""
    event = new_relayed(
        slug="forum-relaye",
        title="Forum des achats responsables",
        starts_at=clock.now() + timedelta(days=20),
        ends_at=clock.now() + timedelta(days=20, hours=3),
        city="Paris",
        relay_url="https://www.cress-idf.example.org/agenda/forum",
    )
    db.session.add(event)
    db.session.flush()
    id = event.id
    db.session.commit()
    return id


def test_every_page_passes_the_accessibility_rules_on_a_desktop_and_a_phone(live, audited_page, nu):
    page = audited_page
    from rtes_events import opt_outs, reminders
    from rtes_events.models import SurveyInvitation

    with live.app_context():
        relay_example()
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registration = registrations.register(event, {**PERSON}).registration
        invitation = SurveyInvitation(registration_id=registration.id)
        db.session.add(invitation)
        db.session.commit()
        token, survey, opt_out = registration.token, invitation.token, opt_outs.token("lea@example.org")
        stop = reminders.stop_token(registration)
    replay = "2019-03-12-reemploi-textile-et-alimentaire-quand-les-collectivites-travaillent-avec-les-"
    replay += "structures-de-l-ess"
    paths = [
        "/",
        "/evenements/?periode=passes",
        "/evenements/?type=club&region=IDF",
        f"/evenements/{event.slug}/",
        RENCONTRE,
        "/evenements/2024-06-20-mobiliser-les-fonds-et-programmes-europeens-au-service-du-developpement-de-l-ess/",
        f"/evenements/{event.slug}/inscription",
        "/evenements/forum-relaye/",
        f"/inscription/{token}/",
        f"/inscription/rappels/{stop}",
        f"/questionnaire/{survey}/",
        "/clubs/",
        "/clubs/club-ess-ile-de-france/",
        "/replays/",
        f"/replays/{replay}/",
        f"/replays/desabonnement/{opt_out}",
        "/adherents/",
        "/adherents/acces",
        "/integrer",
        "/page-inconnue",
        "/mentions-legales",
        "/donnees-personnelles",
        "/accessibilite",
        "/plan-du-site",
    ]
    found, folded = {}, {}
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        for path in paths:
            response = page.goto(live.url + path)
            assert response.status in ((404,) if path == "/page-inconnue" else (200, 304)), path
            name = f"{path} ({size['width']} px)"
            if size is DESKTOP:
                found[name] = violations(page)
                nu.add(path, response.text())
            else:
                found[name] = phone_problems(page)
            if path in ("/", "/replays/", "/evenements/?type=club&region=IDF"):
                control = page.locator(".filters-panel > summary")
                shown = control.inner_text() if control.is_visible() else None
                folded[name] = (shown, page.locator(".filters-panel form").is_visible())
            if path == "/" and size is PHONE:
                assert first_event_bottom(page) <= PHONE["height"]
            if path == RENCONTRE:  # four parallel ateliers side by side, one after another on a phone
                boxes = ateliers(page)
                if size is DESKTOP:
                    assert len({box["y"] for box in boxes}) == 1
                else:
                    assert len({box["x"] for box in boxes}) == 1
                    assert sorted(box["y"] for box in boxes) == [box["y"] for box in boxes]
            if path == "/evenements/?type=club&region=IDF" and size is PHONE:
                page.get_by_text("Filtrer (2 filtres actifs)").click()
                assert page.get_by_role("combobox", name="Région").input_value() == "IDF"
                assert page.get_by_role("button", name="Filtrer", exact=True).is_visible()
    assert folded == {  # the filters, unfolded on a desktop, folded on a phone behind one control
        "/ (1280 px)": (None, True),
        "/replays/ (1280 px)": (None, True),
        "/evenements/?type=club&region=IDF (1280 px)": (None, True),
        "/ (390 px)": ("Filtrer", False),
        "/replays/ (390 px)": ("Filtrer", False),
        "/evenements/?type=club&region=IDF (390 px)": ("Filtrer (2 filtres actifs)", False),
    }
    page.goto(live.url + f"/evenements/{event.slug}/inscription")
    page.evaluate("document.querySelector('main form').noValidate = true")  # let the server judge
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="M'inscrire").click()
    assert "n'a pas pu être enregistrée" in page.get_by_role("alert").inner_text()
    found["form with errors (390 px)"] = phone_problems(page)
    nu.add("form with errors", posted.value.text())
    fill_registration(page, "telephone@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"
    nu.add("registered", page.content())
    found["registered (390 px)"] = phone_problems(page)
    assert {path: rules for path, rules in found.items() if rules} == {}
    nu.check()


def test_the_footer_is_reached_and_followed_with_the_keyboard(live, page):
    """The keyboard path the accessibility statement names: the skip link first, to the content,
    then the footer's links with Tab, opened with Enter."""
    page.goto(live.url + "/mentions-legales")
    focused = "document.activeElement.textContent.trim()"
    page.keyboard.press("Tab")
    assert page.evaluate(focused) == "Aller au contenu"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate(focused) == "Plan du site":
            break
    else:
        pytest.fail("the footer's « Plan du site » is not reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url("**/plan-du-site")
    assert page.get_by_role("heading", level=1).inner_text() == "Plan du site"


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
    with page.expect_response(lambda response: response.request.method == "POST"):  # ticked by fetch
        page.get_by_role("button", name=re.compile("^Présent·e.*Léa Dupont")).click()
    page.locator("[data-status] strong", has_text="Présent·e").wait_for()
    with live.app_context():
        assert db.session.get(Event, event_id).participants == 1
    organiser.close()


def test_every_workspace_page_passes_the_accessibility_rules_and_the_days_pages_fit_a_phone(
    live, audited_page, nu
):
    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registrations.register(event, {**PERSON})
        db.session.add(SurveyAnswer(event_id=event.id, overall=4, speakers=5, comment="Très clair.\nMerci !"))
        db.session.commit()
        event_id = event.id
        rencontre = registry.by_slug(RENCONTRE.split("/")[2])
        rencontre_id, slot_id = rencontre.id, rencontre.slots[0].id
    found = {}
    for path in ("/connexion", "/mot-de-passe-oublie"):
        nu.add(path, page.goto(live.url + path).text())
        found[path] = violations(page)
    page.goto(live.url + "/connexion")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Se connecter").click()
    found["login with errors"] = violations(page)
    nu.add("login with errors", posted.value.text())
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
        f"/espace/evenements/{event_id}/programme",
        f"/espace/evenements/{rencontre_id}/programme",
        f"/espace/evenements/{rencontre_id}/programme/ajouter",
        f"/espace/evenements/{rencontre_id}/programme/{slot_id}/modifier",
        "/espace/comptes/",
        "/espace/comptes/inviter",
        "/espace/mot-de-passe",
        "/espace/compte",
        "/espace/pages/",
        "/espace/pages/accessibilite",
        f"/espace/evenements/{event_id}/questionnaire",
    ]
    for path in paths:
        response = page.goto(live.url + path)
        assert response.status == 200, path
        found[path] = violations(page)
        nu.add(path, response.text())
    page.goto(live.url + "/espace/evenements/nouveau")
    page.evaluate("document.querySelector('main form').noValidate = true")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Créer la session").click()
    found["session form with errors"] = violations(page)
    nu.add("session form with errors", posted.value.text())
    page.goto(live.url + f"/espace/evenements/{rencontre_id}/programme/ajouter")
    with page.expect_response(lambda response: response.request.method == "POST") as posted:
        page.get_by_role("button", name="Ajouter le créneau").click()
    found["slot form with errors"] = violations(page)
    nu.add("slot form with errors", posted.value.text())
    page.set_viewport_size(PHONE)  # the pages an organiser opens on the day, on a phone
    for path in (
        "/espace/",
        *(f"/espace/evenements/{event_id}/{end}" for end in ("", "inscrits", "presences")),
    ):
        assert page.goto(live.url + path).status in (200, 304), path
        found[f"{path} (390 px)"] = phone_problems(page)
    assert {path: rules for path, rules in found.items() if rules} == {}
    nu.check()


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


def crawl(page, base: str, visit, starts: list[str]) -> None:
    """Every kind of workspace page a signed-in person reaches by following the workspace's links from
    ``starts`` (each visited; then one page per path shape, as ``/espace/evenements/N/inscrits``; no
    download), each handed to ``visit(path, response)`` while the browser shows it."""
    queue, shapes, seen = deque(starts), set(), set()
    while queue:
        path = queue.popleft()
        shape = re.sub(r"\d+", "N", urlsplit(path).path)
        if path in seen or (shape in shapes and path not in starts):
            continue
        shapes.add(shape)
        seen.add(path)
        visit(path, page.goto(base + path))
        for href in page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))"):
            url = urlsplit(urljoin(base + path, href))
            inside = url.netloc == urlsplit(base).netloc and url.path.startswith("/espace/")
            if inside and "." not in url.path.rsplit("/", 1)[-1]:  # no export or file
                queue.append(url.path + (f"?{url.query}" if url.query else ""))


def test_the_workspace_crawled_as_an_admin_and_a_co_organiser_passes_axe_and_the_nu_checker(
    live, chromium, nu
):
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        scope = accounts.Scope("coorganiser", ("club-ess-ile-de-france",), "cress-idf")
        accounts.create_user("club-idf@example.org", scope, PASSWORD)
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registrations.register(event, {**PERSON})
        db.session.commit()
        upcoming = event.id
        relayed = relay_example()  # its page leads to its calendar's and its decisions'
        past = db.session.scalar(  # the club's last session: its replay and attendance pages
            select(Event.id)
            .where(Event.club_id == event.club_id, Event.ends_at < clock.now())
            .order_by(Event.starts_at.desc())
            .limit(1)
        )
    found, statuses = {}, {}
    for email in ("equipe@rtes.fr", "club-idf@example.org"):
        context = chromium.new_context(locale="fr-FR", bypass_csp=True)
        page = context.new_page()
        sign_in(page, live.url, email)

        def visit(path, response, email=email, page=page):
            name = f"{path} ({email})"
            statuses[name] = response.status
            found[name] = violations(page)
            nu.add(name, response.text())

        crawl(
            page,
            live.url,
            visit,
            ["/espace/", f"/espace/evenements/{upcoming}/", f"/espace/evenements/{past}/"]
            + ([f"/espace/evenements/{relayed}/"] if email == "equipe@rtes.fr" else []),
        )
        context.close()
    assert sum(name.endswith("(club-idf@example.org)") for name in statuses) >= 10, sorted(statuses)
    assert len(statuses) >= 30, sorted(statuses)
    assert any(f"/{upcoming}/annuler" in name for name in statuses), sorted(statuses)
    for shape in ("/espace/sources/nouvelle", "/espace/sources/1/retirer", f"/{relayed}/relais"):
        assert any(shape in name for name in statuses), (shape, sorted(statuses))
    assert {name: status for name, status in statuses.items() if status != 200} == {}
    assert {name: rules for name, rules in found.items() if rules} == {}
    nu.check()


HYBRID_DAY = RENCONTRE.split("/")[2]
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
AFTERNOON = "Ateliers de l'après-midi"


def test_register_on_site_with_an_atelier_switch_atelier_then_attend_remotely_and_get_the_link(
    live, audited_page, nu, outbox_messages
):
    """The demo's hybrid rencontre with ateliers « au choix » (one full), at a desktop and a phone width."""
    from datetime import time as hour

    from rtes_events.models import Slot

    page = audited_page
    with live.app_context():
        event = registry.by_slug(HYBRID_DAY)
        assert (event.mode, event.capacity_onsite, event.capacity_remote) == ("hybrid", 120, 300)
        group = {
            "event_id": event.id,
            "starts": hour(14),
            "ends": hour(16),
            "choice": "Ateliers de l'après-midi",
        }
        for title, capacity in (("Atelier restauration collective", 30), ("Atelier circuits courts", 30)):
            db.session.add(Slot(title=title, capacity=capacity, place="Salle 2", **group))
        db.session.add(Slot(title="Atelier foncier agricole", capacity=1, place="Salle 3", **group))
        db.session.commit()
        full = db.session.scalar(select(Slot.id).where(Slot.title == "Atelier foncier agricole"))
        registrations.register(event, {**PERSON, "mode": "remote", "slots": [full]})
        online_url = event.online_url
    found = {}

    def audit(name: str, html: str) -> None:
        for size, viewport in (("desktop", DESKTOP), ("390 px", PHONE)):
            page.set_viewport_size(viewport)
            found[f"{name} ({size})"] = violations(page)
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= viewport["width"], f"{name} scrolls sideways at {size}: {width} px"
        nu.add(name, html)

    response = page.goto(f"{live.url}/evenements/{HYBRID_DAY}/inscription")
    audit("registration form", response.text())
    assert page.get_by_role("radio", name="Atelier foncier agricole").is_disabled()
    assert "complet" in page.get_by_role("group", name=re.compile("Ateliers de l'après-midi")).inner_text()
    page.get_by_role("radio", name="Sur place").check()
    page.get_by_role("radio", name="Atelier restauration collective").check()
    page.get_by_role("group", name=re.compile("^Je déjeunerai sur place")).get_by_role(
        "radio", name="Oui"
    ).check()
    fill_registration(page, "lea.dupont@example.org")
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"

    [confirmation] = delivered(outbox_messages, 1, "lea.dupont@example.org")
    text = confirmation.get_body(("plain",)).get_content()
    assert "Participation : Sur place" in text and "Atelier restauration collective" in text
    assert re.search(r"Je déjeunerai sur place : Oui", text)
    assert online_url not in text
    manage_url = re.search(r"http://\S+/inscription/\S+/", text)[0]

    response = page.goto(manage_url)
    audit("registrant's page", response.text())
    assert online_url not in page.get_by_role("main").inner_text()
    page.get_by_role("radio", name="Atelier circuits courts").check()
    page.get_by_role("button", name=re.compile("Enregistrer mon choix")).click()
    participation = page.get_by_role("region", name="Votre participation")
    assert "Atelier circuits courts" in participation.locator("dl").inner_text()
    page.get_by_role("button", name="Participer plutôt à distance").click()
    assert "À distance" in page.get_by_role("region", name="Votre participation").locator("dl").inner_text()
    assert online_url in page.get_by_role("main").inner_text()
    messages = delivered(outbox_messages, 3, "lea.dupont@example.org")
    assert [m["Subject"].split(" :")[0] for m in messages] == [
        "Inscription confirmée",
        *["Inscription modifiée"] * 2,
    ]
    assert online_url not in messages[1].get_body(("plain",)).get_content()
    assert online_url in messages[2].get_body(("plain",)).get_content()
    with page.expect_response(lambda answer: answer.request.method == "POST") as refused:
        page.evaluate(
            f"document.querySelector('input[name=creneau][value=\"{full}\"]').disabled = false;"
            f"document.querySelector('input[name=creneau][value=\"{full}\"]').checked = true"
        )
        page.get_by_role("button", name=re.compile("Enregistrer mon choix")).click()
    assert refused.value.status == 409
    assert "est complet" in page.get_by_role("alert").inner_text()
    audit("registrant's page refusing a full atelier", refused.value.text())

    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
    sign_in(page, live.url, "equipe@rtes.fr")
    registrants = f"{live.url}/espace/evenements/{event.id}/inscrits"
    response = page.goto(registrants)
    audit("registrants by mode and atelier", response.text())
    counts = page.get_by_role("table", name=re.compile(AFTERNOON)).inner_text()
    assert re.search(r"Atelier circuits courts.*\t1\t30\t29", counts)
    response = page.goto(f"{registrants}?creneau={full}")
    audit("registrants of one atelier", response.text())
    assert {name: rules for name, rules in found.items() if rules} == {}


def test_the_questions_pages_and_the_form_with_questions_pass_axe_and_nu_on_desktop_and_phone(
    live, audited_page, nu
):
    page = audited_page
    slug = "exemple-rencontre-nationale-alimentation"
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
        event = registry.by_slug(slug)
        event_id, question_id = event.id, event.questions[1].id
    page.goto(live.url + f"/evenements/{slug}/inscription")
    lunch = page.get_by_role("group", name=re.compile("^Je déjeunerai sur place"))
    page.get_by_role("radio", name="À distance").check()  # lunch is for on site
    assert lunch.is_hidden()
    page.get_by_role("radio", name="Sur place").check()
    assert lunch.is_visible()
    assert "information de santé" in page.get_by_role("group", name="Besoins alimentaires").inner_text()
    page.get_by_role("radio", name=re.compile("^Tiers-lieux nourriciers")).check()
    page.get_by_role("radio", name="Oui").check()
    page.get_by_role("checkbox", name="Végétarien").check()
    fill_registration(page, "lea.dupont@example.org")  # registers, with the answers above
    assert page.get_by_role("heading", level=1).inner_text() == "Inscription confirmée"
    with live.app_context():
        registration = db.session.scalar(
            select(registrations.Registration).where(
                registrations.Registration.email == "lea.dupont@example.org"
            )
        )
        token = registration.token
        assert sorted(map(str, (answer.value for answer in registration.answers))) == [
            "True",
            "['Végétarien']",
        ]
    sign_in(page, live.url, "equipe@rtes.fr")
    paths = [
        f"/evenements/{slug}/inscription",
        f"/inscription/{token}/",
        f"/espace/evenements/{event_id}/questions",
        f"/espace/evenements/{event_id}/questions/nouvelle",
        f"/espace/evenements/{event_id}/questions/{question_id}/modifier",
        f"/espace/evenements/{event_id}/questions/{question_id}/supprimer",
        f"/espace/evenements/{event_id}/inscrits",
    ]
    assert "1 déjeuner, dont 1 végétarien" in page.goto(live.url + paths[-1]).text()
    found = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            response = page.goto(live.url + path)
            assert response.status == 200, path
            found[f"{path} ({width} px)"] = violations(page)
            if width == 1280:
                nu.add(path, response.text())
        page.goto(live.url + f"/espace/evenements/{event_id}/questions/nouvelle")
        with page.expect_response(lambda response: response.request.method == "POST") as posted:
            page.get_by_role("button", name="Ajouter la question").click()
        found[f"question form with errors ({width} px)"] = violations(page)
    nu.add("question form with errors", posted.value.text())
    assert {path: rules for path, rules in found.items() if rules} == {}
    nu.check()


def test_the_attestation_pages_pass_axe_and_nu_on_desktop_and_phone(live, audited_page, nu):
    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registration = registrations.register(event, {**PERSON}).registration
        shift = event.starts_at - (clock.now() - timedelta(hours=3))
        event.starts_at, event.ends_at = event.starts_at - shift, event.ends_at - shift
        db.session.commit()
        registrations.mark_attendance(registration, True)
        db.session.commit()
        (attestation,) = attestations.close_attendance(event)
        code, token, event_id = attestation.code, registration.token, event.id
    sign_in(page, live.url, "equipe@rtes.fr")
    paths = {
        f"/attestations/{code}": 200,
        "/attestations/inconnue": 404,
        f"/inscription/{token}/": 200,
        "/espace/attestations/signataire": 200,
        f"/espace/evenements/{event_id}/presences": 200,
    }
    found = {}
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path, status in paths.items():
            response = page.goto(live.url + path)
            assert response.status == status, path
            found[f"{path} ({width} px)"] = violations(page)
            if width == 1280:
                nu.add(path, response.text())
            elif not path.startswith("/espace/"):
                assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    assert "Camille Martin" in page.goto(live.url + f"/attestations/{code}").text()
    assert {path: rules for path, rules in found.items() if rules} == {}


def qr_video(path: Path, text: str, size: tuple[int, int] = (640, 480), frames: int = 5) -> Path:
    """A Y4M video (the format Chromium's fake camera reads) showing the QR code of ``text``."""
    import io as _io

    from PIL import Image

    from rtes_events import qr

    width, height = size
    code = Image.open(_io.BytesIO(qr.png(text, scale=8))).convert("L")
    frame = Image.new("L", size, 255)
    frame.paste(code, ((width - code.width) // 2, (height - code.height) // 2))
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            video.write(b"FRAME\n" + frame.tobytes() + chroma + chroma)
    return path


@contextmanager
def camera_showing(chromium, video: Path):
    """A second Chromium, launched by the same Playwright as ``chromium`` (one Playwright a thread),
    whose camera films ``video`` (its fake capture device), at a phone's width."""
    flags = [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
        "--use-fake-ui-for-media-stream",
    ]
    browser = chromium.browser_type.launch(
        executable_path=shutil.which("chromium"), args=CHROMIUM_FLAGS + flags
    )
    context = browser.new_context(
        locale="fr-FR", bypass_csp=True, permissions=["camera"], viewport={"width": 390, "height": 844}
    )
    try:
        yield context.new_page()
    finally:
        browser.close()


def test_the_door_scans_a_qr_code_with_the_camera_at_a_phone_width(live, chromium, tmp_path, nu):
    with live.app_context():
        accounts.create_user("accueil@rtes.fr", accounts.Scope("admin"), PASSWORD)
        event = starting_soon(slug="accueil-camera", title="Session à l'accueil")
        db.session.add(event)
        db.session.commit()
        registration = registrations.register(event, {**PERSON, "email": "scan@example.org"}).registration
        code, event_id = registration.checkin_code, event.id
        door = f"/espace/evenements/{event_id}/accueil"
    with camera_showing(chromium, qr_video(tmp_path / "qr.y4m", code)) as page:
        sign_in(page, live.url, "accueil@rtes.fr")
        response = page.goto(live.url + door)
        nu.add(door, response.text())
        assert violations(page) == []
        page.get_by_role("button", name="Ouvrir la caméra").click()
        result = page.locator("#door-result")
        result.and_(page.locator(".door-present")).wait_for(timeout=20_000)
        assert "Camille Martin" in result.inner_text()
        result.and_(page.locator(".door-already")).wait_for(timeout=20_000)  # the camera still sees it
        assert "Déjà enregistré·e" in result.inner_text()
        assert page.locator("#door-counts").inner_text() == "1 / 1"
        page.context.set_offline(True)  # scans are kept, then sent when the connection returns
        page.locator("#door-pending").filter(has_text="en attente").wait_for(timeout=20_000)
        assert "Hors connexion" in result.inner_text()
        page.context.set_offline(False)
        page.wait_for_function("document.getElementById('door-pending').textContent === ''", timeout=20_000)
        assert "Déjà enregistré·e" in result.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert violations(page) == []
    with live.app_context():
        assert db.session.get(Event, event_id).participants == 1  # scanned again and again: present once
    nu.check()
