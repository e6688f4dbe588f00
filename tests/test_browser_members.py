"""Member authorities in a real browser: an admin adds a member and imports a CSV, the public page
shows them on the map; an agent of a member gets access by the e-mailed link, opens members-only
slides and proposes an event that an admin publishes into the feed; every page passes axe-core's
WCAG 2.1 AA rules and the Nu Html Checker."""

import re
import time
import urllib.request
from datetime import timedelta
from io import BytesIO

from werkzeug.datastructures import FileStorage

from rtes_events import accounts, clock, registry, replays
from rtes_events.extensions import db

from .conftest import PASSWORD
from .test_browser import audited_page, chromium, live, nu, sign_in, violations  # noqa: F401

CSV = (
    "nom;type;région;domaines;depuis\r\n"
    "Ville de Montreuil;Commune;IDF;montreuil.fr;2019\r\n"
    "Ville de Pessac;Commune;NAQ;;2016\r\n"
).encode("cp1252")


def add_admin(server) -> None:
    with server.app_context():
        accounts.create_user("equipe@example.org", accounts.Scope("admin"), PASSWORD)
        db.session.commit()


def test_members_pages_pass_the_accessibility_rules(live, audited_page, nu, tmp_path):  # noqa: F811
    page = audited_page
    add_admin(live)
    found = {}

    def check(name: str) -> None:
        nu.add(name, page.content())
        found[name] = violations(page)

    for path in ("/adherents/", "/adherents/?type=commune", "/adherents/?type=region"):
        page.goto(live.url + path)
        check(path)
    sign_in(page, live.url, "equipe@example.org")

    page.goto(live.url + "/espace/adherents/nouveau")
    check("new member")
    page.get_by_role("textbox", name=re.compile("^Nom")).fill("Ville de Gmail")
    page.get_by_label("Type").select_option("commune")
    page.get_by_label("Région").select_option("IDF")
    page.get_by_label("Domaines des adresses e-mail").fill("gmail.com")
    page.get_by_role("button", name="Ajouter l'adhérent").click()
    assert "messagerie publique" in page.get_by_role("alert").inner_text()
    check("new member with errors")
    page.get_by_label("Domaines des adresses e-mail").fill("ville-gmail.fr")
    page.get_by_role("button", name="Ajouter l'adhérent").click()
    assert "Adhérent « Ville de Gmail » ajouté." in page.get_by_role("status").inner_text()
    check("members list")
    page.get_by_role("link", name="Modifier « Ville de Gmail »").click()
    check("member form")

    page.goto(live.url + "/espace/adherents/importer")
    check("import")
    bad = tmp_path / "faux.csv"
    bad.write_bytes(CSV + "Ville de Nulle Part;Ville;IDF;;\r\n".encode("cp1252"))
    page.get_by_label("Fichier CSV").set_input_files(bad)
    page.get_by_role("button", name="Voir l'aperçu").click()
    assert "Ligne 4 (« Ville de Nulle Part ») : Type inconnu" in page.get_by_role("alert").inner_text()
    check("import with errors")
    good = tmp_path / "adherents.csv"
    good.write_bytes(CSV)
    page.get_by_label("Fichier CSV").set_input_files(good)
    page.get_by_role("button", name="Voir l'aperçu").click()
    check("import preview")
    page.get_by_role("button", name="Confirmer l'import").click()
    assert "2 adhérent(s) ajouté(s)" in page.get_by_role("status").inner_text()

    page.goto(live.url + "/adherents/")
    table = page.get_by_role("table", name="Adhérents par région")
    # with the seed's 17 and 3 and the demo's example
    assert table.get_by_role("row", name=re.compile("^Île-de-France 20 ")).count() == 1
    assert table.get_by_role("row", name=re.compile("^Nouvelle-Aquitaine 4 ")).count() == 1
    assert page.get_by_role("img", name=re.compile("^Carte des régions de France")).count() == 1
    assert page.locator('[data-region="IDF"] title').text_content().startswith("Île-de-France : 20 adhérents")
    check("/adherents/ with members")
    assert {path: rules for path, rules in found.items() if rules} == {}
    assert nu.errors() == {}


EUROPE = "2024-06-20-mobiliser-les-fonds-et-programmes-europeens-au-service-du-developpement-de-l-ess"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
AGENT = "camille.agent@ville-exemple.fr"
PROPOSED = "Forum de l'ESS de la Ville d'Exemple"


def mails_to(outbox_messages, address: str, count: int) -> list:
    """The e-mails to ``address`` once the server's worker has written ``count`` of them (within 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        found = [m for m in outbox_messages(worker_pass=False) if m["To"] == address]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.05)


def test_a_member_gets_access_by_e_mail_opens_members_slides_and_proposes_an_event_published_in_the_feed(
    live,  # noqa: F811
    chromium,  # noqa: F811
    nu,  # noqa: F811
    outbox_messages,
):
    with live.app_context():
        admin = accounts.create_user("moderation@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
        event = registry.by_slug(EUROPE)
        upload = FileStorage(BytesIO(PDF), filename="diaporama-europe.pdf", content_type="application/pdf")
        replays.save_file(admin, event, "slides", upload, "members")
        replays.publish(admin, event)
    member_context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True)
    page = member_context.new_page()
    found = {}

    def audit(name: str, shown) -> None:
        nu.add(name, shown.content())
        found[name] = violations(shown)

    # Member access: a work address of the demo's example member, the link read from the e-mail.
    page.goto(live.url + f"/replays/{EUROPE}/")
    assert page.get_by_role("link", name=re.compile("Télécharger le diaporama")).count() == 0
    page.goto(live.url + "/proposer")
    audit("/proposer (anonymous)", page)
    page.get_by_role("link", name="obtenez votre accès adhérent").click()
    page.get_by_role("textbox", name="Adresse e-mail").fill(AGENT)
    page.get_by_role("button", name="Recevoir mon lien d'accès").click()
    assert "Un lien d'accès vient d'être envoyé" in page.get_by_role("status").inner_text()
    [message] = mails_to(outbox_messages, AGENT, 1)
    link = re.search(r"http://\S+/adherents/acces/lien/\S+", message.get_body(("plain",)).get_content())[0]
    page.goto(link)
    page.get_by_role("button", name="Ouvrir mon accès").click()
    assert "Bienvenue" in page.get_by_role("status").inner_text()

    # The members-only slides open to the new member account.
    page.goto(live.url + f"/replays/{EUROPE}/")
    download = page.get_by_role("link", name=re.compile("Télécharger le diaporama"))
    answer = page.request.get(live.url + download.get_attribute("href"))
    assert answer.status == 200 and answer.body() == PDF

    # A proposal, through the form, with an error first.
    page.get_by_role("link", name="Proposer un événement").click()
    audit("/proposer", page)
    page.get_by_role("textbox", name=re.compile("^Titre")).fill(PROPOSED)
    page.get_by_label("Type d'événement").select_option("rencontre")
    day = clock.local_today() + timedelta(days=45)
    page.get_by_label(re.compile("^Date")).fill(day.isoformat())
    page.get_by_label(re.compile("^Heure de début")).fill("09:30")
    page.get_by_label(re.compile("^Heure de fin")).fill("17:00")
    page.get_by_label(re.compile("^Format")).select_option("onsite")
    page.get_by_role("textbox", name=re.compile("^Lieu")).fill("Hôtel de ville")
    page.get_by_role("textbox", name=re.compile("^Description")).fill("Une journée **ouverte** à tous.")
    page.get_by_role("textbox", name=re.compile("^Lien d'inscription")).fill("http://ville-exemple.fr/forum")
    page.get_by_role("button", name="Envoyer ma proposition").click()
    alert = page.get_by_role("alert").inner_text()
    assert "Indiquez la ville" in alert and "commençant par https://" in alert
    audit("/proposer with errors", page)
    page.get_by_role("textbox", name=re.compile("^Ville")).fill("Exemple-sur-Seine")
    page.get_by_role("textbox", name=re.compile("^Lien d'inscription")).fill("https://ville-exemple.fr/forum")
    page.get_by_role("button", name="Envoyer ma proposition").click()
    assert "est enregistrée" in page.get_by_role("status").inner_text()
    assert "En attente de validation" in page.get_by_role("table").inner_text()
    audit("/proposer/mes-propositions", page)

    # An admin publishes it from the queue.
    admin_context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris", bypass_csp=True)
    team = admin_context.new_page()
    sign_in(team, live.url, "moderation@rtes.fr")
    team.get_by_role("link", name="Propositions").click()
    audit("/espace/propositions/", team)
    team.get_by_role("link", name=PROPOSED).click()
    audit("/espace/propositions/<id>/", team)
    team.get_by_role("button", name="Refuser la proposition").click()
    assert "Raison du refus" in team.get_by_role("alert").inner_text()
    audit("refusal with errors", team)
    team.get_by_role("button", name="Publier dans l'agenda").click()
    assert "est publié dans l'agenda" in team.get_by_role("status").inner_text()
    audit("/espace/propositions/ after publishing", team)
    admin_context.close()

    # The member is told, sees it published, and it is in the agenda and its feed.
    [_, published] = mails_to(outbox_messages, AGENT, 2)
    assert published["Subject"].startswith("Votre proposition est publiée")
    page.goto(live.url + "/proposer/mes-propositions")
    assert "Publiée" in page.get_by_role("table").inner_text()
    page.get_by_role("link", name=re.compile("Voir dans l'agenda")).click()
    assert page.get_by_role("heading", level=1).inner_text() == PROPOSED
    assert "Proposé par Ville d'Exemple" in page.get_by_role("main").inner_text()
    assert page.get_by_role("link", name=re.compile("S'inscrire")).get_attribute("href") == (
        "https://ville-exemple.fr/forum"
    )
    audit("event page", page)
    member_context.close()
    with urllib.request.urlopen(live.url + "/agenda.ics?origine=adherents") as response:  # noqa: S310
        feed = response.read().decode()
    assert f"SUMMARY:{PROPOSED}" in feed.replace("\r\n ", "")
    assert "X-RTES-PROPOSED-BY:Ville d'Exemple" in feed.replace("\r\n ", "")
    assert {path: rules for path, rules in found.items() if rules} == {}
    nu.check()
