"""Member authorities in a real browser: an admin adds a member and imports a CSV, the public page
shows them on the map; every members page passes axe-core's WCAG 2.1 AA rules."""

import re

from rtes_events import accounts
from rtes_events.extensions import db

from .conftest import PASSWORD
from .test_browser import audited_page, chromium, live, sign_in, violations  # noqa: F401

CSV = (
    "nom;type;région;domaines;depuis\r\n"
    "Ville de Montreuil;Commune;IDF;montreuil.fr;2019\r\n"
    "Région Nouvelle-Aquitaine;Région;NAQ;;2016\r\n"
).encode("cp1252")


def add_admin(server) -> None:
    with server.app_context():
        accounts.create_user("equipe@example.org", accounts.Scope("admin"), PASSWORD)
        db.session.commit()


def test_members_pages_pass_the_accessibility_rules(live, audited_page, tmp_path):  # noqa: F811
    page = audited_page
    add_admin(live)
    found = {}
    for path in ("/adherents/", "/adherents/?type=commune", "/adherents/?type=region"):
        page.goto(live.url + path)
        found[path] = violations(page)
    sign_in(page, live.url, "equipe@example.org")

    page.goto(live.url + "/espace/adherents/nouveau")
    found["new member"] = violations(page)
    page.get_by_role("textbox", name=re.compile("^Nom")).fill("Ville de Gmail")
    page.get_by_label("Type").select_option("commune")
    page.get_by_label("Région").select_option("IDF")
    page.get_by_label("Domaines des adresses e-mail").fill("gmail.com")
    page.get_by_role("button", name="Ajouter l'adhérent").click()
    assert "messagerie publique" in page.get_by_role("alert").inner_text()
    found["new member with errors"] = violations(page)
    page.get_by_label("Domaines des adresses e-mail").fill("ville-gmail.fr")
    page.get_by_role("button", name="Ajouter l'adhérent").click()
    assert "Adhérent « Ville de Gmail » ajouté." in page.get_by_role("status").inner_text()
    found["members list"] = violations(page)
    page.get_by_role("link", name="Modifier « Ville de Gmail »").click()
    found["member form"] = violations(page)

    page.goto(live.url + "/espace/adherents/importer")
    found["import"] = violations(page)
    bad = tmp_path / "faux.csv"
    bad.write_bytes(CSV + "Ville de Nulle Part;Ville;IDF;;\r\n".encode("cp1252"))
    page.get_by_label("Fichier CSV").set_input_files(bad)
    page.get_by_role("button", name="Voir l'aperçu").click()
    assert "Ligne 4 (« Ville de Nulle Part ») : Type inconnu" in page.get_by_role("alert").inner_text()
    found["import with errors"] = violations(page)
    good = tmp_path / "adherents.csv"
    good.write_bytes(CSV)
    page.get_by_label("Fichier CSV").set_input_files(good)
    page.get_by_role("button", name="Voir l'aperçu").click()
    found["import preview"] = violations(page)
    page.get_by_role("button", name="Confirmer l'import").click()
    assert "2 adhérent(s) ajouté(s)" in page.get_by_role("status").inner_text()

    page.goto(live.url + "/adherents/")
    table = page.get_by_role("table", name="Adhérents par région")
    assert (
        table.get_by_role("row", name=re.compile("^Île-de-France 3 ")).count() == 1
    )  # with the demo's example
    assert table.get_by_role("row", name=re.compile("^Nouvelle-Aquitaine 1 ")).count() == 1
    assert page.get_by_role("img", name=re.compile("^Carte des régions de France")).count() == 1
    assert page.locator('[data-region="IDF"] title').text_content().startswith("Île-de-France : 3 adhérents")
    found["/adherents/ with members"] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}
