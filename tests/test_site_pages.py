"""The information pages of every page's footer: legal notice, personal data (generated from the
settings and the plugins), accessibility statement, site map; their texts, written by admins only."""

import html
import re

import pytest
from sqlalchemy import select

from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import AuditEntry, SitePage

from .conftest import csrf_token, login

PAGES = {
    "/mentions-legales": "Mentions légales",
    "/donnees-personnelles": "Données personnelles",
    "/accessibilite": "Déclaration d'accessibilité",
    "/plan-du-site": "Plan du site",
}


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.get_data(as_text=True))


def footer_links(page: str) -> dict[str, str]:
    footer = re.search(r'<footer class="site-footer".*?</footer>', page, re.S)[0]
    return dict(re.findall(r'<a href="([^"]+)">([^<]+)</a>', footer))


def test_every_page_links_the_four_pages_from_its_footer(client, clubs, make_event, make_user):
    event = make_event()
    pages = ["/", f"/evenements/{event.slug}/", "/clubs/", "/adherents/", "/replays/", "/connexion", *PAGES]
    for url in pages:
        assert footer_links(text(client, url)) == {
            "/mentions-legales": "Mentions légales",
            "/donnees-personnelles": "Données personnelles",
            "/accessibilite": "Accessibilité : non conforme",
            "/plan-du-site": "Plan du site",
        }, url
    missing = client.get("/page-inconnue")
    assert missing.status_code == 404 and "/plan-du-site" in missing.get_data(as_text=True)
    login(client, make_user("admin"))
    assert "/mentions-legales" in footer_links(text(client, "/espace/"))


def test_the_pages_say_true_things_by_default(client, clubs):
    for url, title in PAGES.items():
        assert f"<h1>{title}</h1>" in text(client, url)
    legal = text(client, "/mentions-legales")
    assert "Réseau des collectivités Territoriales pour une Économie Solidaire" in legal
    assert "## " not in legal and "<h2>Hébergement</h2>" in legal
    assert "Non renseigné : l'administrateur de la plateforme l'indique dans l'espace" in legal
    statement = text(client, "/accessibilite")
    assert "<strong>non conforme</strong> avec le RGAA, version 4.1 : aucun audit" in statement
    for fact in (
        "axe-core",
        "Nu Html Checker",
        "Parcours au clavier",
        "Défenseur des droits",
        "Libre réponse 71120",
    ):
        assert fact in statement
    site_map = text(client, "/plan-du-site")
    for link in (
        'href="/evenements/"',
        'href="/replays/"',
        'href="/clubs/club-ess-ile-de-france/"',
        'href="/adherents/"',
    ):
        assert link in site_map
    assert "/mentions-legales" not in client.get("/sitemap.xml").get_data(as_text=True)  # unchanged


class Forwarder:
    @hookimpl
    def rtes_personal_data_recipients(self):
        return [
            {
                "name": "Le partenaire d'essai",
                "receives": "les noms <b>des inscrit·es</b>",
                "why": "les accueillir",
            }
        ]


def test_hook_rtes_personal_data_recipients(app, client):
    before = client.get("/donnees-personnelles")
    app.extensions["rtes_plugins"].register(Forwarder(), name="forwarder")
    after = client.get("/donnees-personnelles")
    assert after.headers["ETag"] != before.headers["ETag"]  # the plugin set is in the cache key
    page = after.get_data(as_text=True)
    assert "<strong>Le partenaire d&#39;essai</strong> : les noms &lt;b&gt;des inscrit·es&lt;/b&gt;" in page
    assert "pour les accueillir." in page


@pytest.mark.parametrize(
    ("settings", "shown", "hidden"),
    [
        ({}, ["un an après la fin de l'événement", "Aucun serveur d'envoi", "30 jours après la fin"], []),
        (
            {
                "RTES_RETENTION_DAYS": 90,
                "RTES_SENSITIVE_RETENTION_DAYS": 7,
                "RTES_MAIL_URL": "smtp://envoi:mot-de-passe-du-relais@smtp.exemple.org:587?starttls=1",
            },
            [
                "90 jours après la fin de l'événement",
                "Le serveur d'envoi des e-mails (smtp.exemple.org)",
                "7 jours après la fin de l'événement, puis effacées",
            ],
            ["mot-de-passe-du-relais", "envoi:", "un an après"],
        ),
    ],
)
def test_the_personal_data_page_follows_the_settings(app, client, settings, shown, hidden):
    app.config.update(settings)
    page = text(client, "/donnees-personnelles")
    for phrase in shown:
        assert phrase in page
    for phrase in hidden:
        assert phrase not in page
    for right in ("Télécharger mes données", "Effacer mes données", "purge quotidienne", "CNIL"):
        assert right in page


def test_only_admins_write_the_pages_and_the_public_pages_follow(client, clubs, make_user):
    url = "/espace/pages/mentions-legales"
    assert client.get(url).status_code == 302  # to the login page
    for role, kwargs in (("coorganiser", {"clubs": ["club-ess-ile-de-france"]}), ("member", {})):
        login(client, make_user(role, **kwargs))
        token = csrf_token(client, "/espace/mot-de-passe" if role != "member" else "/adherents/acces")
        assert client.get(url).status_code == 403
        assert client.post(url, data={"text": "Piraté", "csrf_token": token}).status_code == 403
        assert "Pages d'information" not in client.get("/espace/").get_data(as_text=True)
        client.post("/deconnexion", data={"csrf_token": token})
    assert db.session.scalar(select(SitePage)) is None
    login(client, make_user("admin"))
    assert "Pages d'information" in text(client, "/espace/pages/")
    token = csrf_token(client, url)
    written = "## Hébergement\n\nHébergé par Exemple SAS. <script>alert(1)</script>"
    response = client.post(url, data={"text": written, "contact": "dpo@rtes.example", "csrf_token": token})
    assert response.status_code == 303
    client.post("/deconnexion", data={"csrf_token": token})
    legal = client.get("/mentions-legales").get_data(as_text=True)
    assert "<h2>Hébergement</h2>" in legal and "Hébergé par Exemple SAS." in legal
    assert "<script>" not in legal and "dpo@rtes.example" in legal
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "page.updated"))
    assert entry.details == {"page": "mentions-legales"}


def test_the_accessibility_status_and_date_are_declared_by_the_admins(client, make_user):
    login(client, make_user("admin"))
    url = "/espace/pages/accessibilite"
    fields = {"text": "", "contact": "", "csrf_token": csrf_token(client, url)}
    for status, declared_on, error in (
        ("partielle", "2026-02-30", "« Date de la déclaration » n'est pas une date valide"),
        ("partielle", "2999-01-01", "ne peut pas être dans le futur"),
        ("inconnue", "2025-09-04", "Choisissez un état dans la liste."),
    ):
        refused = client.post(url, data={**fields, "status": status, "declared_on": declared_on})
        assert refused.status_code == 400 and error in html.unescape(refused.get_data(as_text=True))
    assert db.session.scalar(select(SitePage)) is None
    done = client.post(url, data={**fields, "status": "partielle", "declared_on": "04/09/2025"})
    assert done.status_code == 303
    statement = text(client, "/accessibilite")
    assert "<strong>partiellement conforme</strong> avec le RGAA, version 4.1." in statement
    assert "établie le jeudi 4 septembre 2025" in statement
    assert "Aucun contenu non accessible n'a été signalé" in statement  # an empty text: the default
    assert footer_links(text(client, "/"))["/accessibilite"] == "Accessibilité : partiellement conforme"
    again = client.post(url, data={**fields, "status": "partielle", "declared_on": "2025-09-04"})
    assert again.status_code == 303 and "Aucune modification." in text(client, url)
