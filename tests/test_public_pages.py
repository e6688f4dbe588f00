"""The public site: agenda and its filters, event page, clubs, error pages, accessibility basics."""

import re
from datetime import date, time, timedelta
from html.parser import HTMLParser

import pytest
from flask import abort

from rtes_events import clock
from rtes_events.demo import today_session
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.formatting import day
from rtes_events.models import Club, EventSpeaker, Partner, Region, Speaker, Theme
from rtes_events.views.errors import PAGES


@pytest.fixture
def demo(app):
    load_demo()


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.get_data(as_text=True)


def titles(html: str) -> list[str]:
    """Slugs of the events listed on a page."""
    return re.findall(r'<a href="/evenements/([^"/]+)/">', html)


def past_event(make_event, **values):
    starts = clock.now() - timedelta(days=30)
    return make_event(starts_at=starts, ends_at=starts + timedelta(hours=2), **values)


# Agenda


def test_agenda_lists_upcoming_by_default_and_past_on_request(client, make_event):
    coming = make_event(title="Webinaire à venir")
    gone = past_event(make_event, title="Rencontre passée")
    draft = make_event(title="Brouillon", status="draft")
    for url in ("/", "/evenements/"):
        listed = titles(page(client, url))
        assert coming.slug in listed
        assert gone.slug not in listed and draft.slug not in listed
    html = page(client, "/evenements/?periode=passes")
    assert titles(html) == [gone.slug]
    assert "1 événement passé" in html


TODAY = today_session.SLUG  # the demo's club session of the day (Île-de-France, tiers-lieux)


def test_each_filter_narrows_the_agenda(client, demo):
    everything = set(titles(page(client, "/evenements/")))
    expected = {
        "type=club": {"exemple-club-ile-de-france-tiers-lieux", TODAY},
        "region=IDF": {"exemple-club-ile-de-france-tiers-lieux", TODAY},
        "theme=commande-publique": {"exemple-webinaire-commande-publique-responsable"},
        "partenaire=cnfpt": {"exemple-rencontre-nationale-alimentation"},
        "club=club-ess-ile-de-france": {"exemple-club-ile-de-france-tiers-lieux", TODAY},
        "q=Alimentation+DURABLE": {"exemple-rencontre-nationale-alimentation"},
    }
    for query, slugs in expected.items():
        found = set(titles(page(client, f"/evenements/?{query}")))
        assert found == slugs, query
        assert found < everything
    past = titles(page(client, "/evenements/?periode=passes&q=reemploi"))
    assert past and all("reemploi" in slug for slug in past)


def test_filter_form_keeps_choices_and_offers_the_feed(client, demo):
    html = page(client, "/evenements/?type=webinaire&region=IDF")
    assert '<option value="webinaire" selected>' in html
    assert '<option value="IDF" selected>' in html
    assert ">Filtrer</button>" in html and ">Réinitialiser</a>" in html
    assert 'href="http://rtes.test/agenda.ics?type=webinaire&amp;region=IDF"' in html
    assert 'href="webcal://rtes.test/agenda.ics?type=webinaire&amp;region=IDF"' in html


@pytest.mark.parametrize(
    "query",
    [
        "type=concert",
        "periode=demain",
        "page=abc",
        "page=999",
        "page=99999999999999999999999",
        "page=-1",
        "region=%3Cscript%3E",
        "theme=x&club=y",
        "q=" + "é" * 500,
        "partenaire=%00",
    ],
)
def test_invalid_filters_never_fail(client, make_event, query):
    make_event()
    page(client, f"/evenements/?{query}")


def test_unknown_type_and_period_are_ignored(client, make_event):
    coming = make_event()
    assert coming.slug in titles(page(client, "/evenements/?type=concert&periode=demain"))


def test_pagination_keeps_filters(client, make_event):
    for _ in range(21):
        make_event(kind="rencontre")
    html = page(client, "/evenements/?type=rencontre")
    assert "21 événements à venir" in html and len(titles(html)) == 20
    assert 'href="/evenements/?page=2&amp;type=rencontre"' in html and "Page suivante" in html
    assert len(titles(page(client, "/evenements/?type=rencontre&page=2"))) == 1


def test_agenda_shows_badges_and_details(client, make_event, app):
    club = Club(slug="club-test", name="Club de test", region=Region(code="TST", name="Testland"))
    make_event(title="Séance annulée", status="cancelled", club=club, mode="onsite", city="Lille")
    html = page(client, "/evenements/")
    assert "Annulé</span>" in html and "Séance annulée" in html
    assert "Sur place · Lille · " in html and 'href="/clubs/club-test/"' in html


# Event page


@pytest.fixture
def full_event(make_event):
    club = Club(slug="club-bretagne", name="Club ESS Bretagne", region=Region(code="BZH", name="Bretagne"))
    event = make_event(
        title="Achats responsables",
        capacity=30,
        online_url="https://visio.example.org/secret-room",
        club=club,
        partners=[Partner(key="cnfpt", name="CNFPT")],
        themes=[Theme(slug="commande-publique", name="commande publique")],
        summary="Un **résumé**.",
        audience="members",
        audience_note="élu·es et agent·es",
    )
    event.speaker_links = [
        EventSpeaker(speaker=Speaker(name="Chloé Sécher", organisation="RTES"), role="speaker"),
        EventSpeaker(speaker=Speaker(name="Jean Animateur"), role="host"),
    ]
    db.session.commit()
    return event


def test_event_page_shows_the_event(client, full_event):
    html = page(client, f"/evenements/{full_event.slug}/")
    date = day(clock.local_today() + timedelta(days=21))
    assert f"{date}, 14 h – 16 h" in html
    assert "<h1>Achats responsables</h1>" in html
    assert "CNFPT" in html and "Chloé Sécher (RTES)" in html and "Jean Animateur" in html
    assert 'href="/clubs/club-bretagne/"' in html and "Club ESS Bretagne" in html
    assert 'href="/evenements/?theme=commande-publique"' in html
    assert "Réservé aux collectivités adhérentes (élu·es et agent·es)" in html
    assert "<strong>résumé</strong>" in html
    assert "30 places restantes" in html
    assert ">S'inscrire<" in html and f'href="/evenements/{full_event.slug}/inscription"' in html
    assert f'href="/evenements/{full_event.slug}.ics"' in html and "Ajouter à mon agenda" in html
    assert "visio.example.org" not in html and "secret-room" not in html


def test_full_event_offers_the_waiting_list(client, make_event, make_registration):
    event = make_event(capacity=1, waitlist=True)
    make_registration(event)
    html = page(client, f"/evenements/{event.slug}/")
    assert "Complet — inscription en liste d'attente possible" in html


def test_cancelled_event_refuses_registration(client, make_event):
    event = make_event(status="cancelled")
    html = page(client, f"/evenements/{event.slug}/")
    assert "Annulé</span>" in html and "Cet événement est annulé" in html
    assert "S'inscrire" not in html and "places restantes" not in html


def test_past_event_shows_attendance(client, make_event):
    event = past_event(make_event, participants=100, participants_note="plus de 100")
    html = page(client, f"/evenements/{event.slug}/")
    assert "plus de 100 participant·es" in html
    assert "déjà eu lieu" in html


def test_postponed_event_shows_its_first_date(client, make_event):
    event = make_event(postponed_from=clock.local_today(), status="postponed")
    html = page(client, f"/evenements/{event.slug}/")
    assert "Reporté</span>" in html and f"Initialement prévu le {day(clock.local_today())}" in html


def test_unknown_and_draft_events_are_not_found(client, make_event):
    draft = make_event(status="draft")
    for url in ("/evenements/nulle-part/", f"/evenements/{draft.slug}/"):
        html = page(client, url, 404)
        assert "Page introuvable" in html


def test_titles_are_escaped(client, make_event):
    event = make_event(title="<script>alert(1)</script>")
    for url in ("/evenements/", f"/evenements/{event.slug}/"):
        html = page(client, url)
        assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Clubs


def test_club_list_and_page(client, demo):
    html = page(client, "/clubs/")
    assert 'href="/clubs/club-ess-ile-de-france/"' in html and "CRESS Île-de-France" in html
    html = page(client, "/clubs/club-ess-ile-de-france/")
    assert "Île-de-France" in html and "AMIF" in html
    assert "exemple-club-ile-de-france-tiers-lieux" in html
    assert 'href="webcal://rtes.test/clubs/club-ess-ile-de-france.ics"' in html
    assert 'href="http://rtes.test/clubs/club-ess-ile-de-france.ics"' in html
    page(client, "/clubs/inconnu/", 404)


# Errors


def test_error_pages_are_french_and_keep_their_status(client, app, make_event):
    response = client.post("/evenements/")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert "Méthode non autorisée" in response.get_data(as_text=True)
    event = make_event()
    response = client.post(f"/evenements/{event.slug}/inscription", data={"email": "a@example.org"})
    assert response.status_code == 400
    assert "La session a expiré ou le formulaire n&#39;est pas valide" in response.get_data(as_text=True)


def test_every_error_page_is_french(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    @app.get("/erreur/<int:code>")
    def failing(code: int):
        if code == 500:
            raise RuntimeError("boom")
        abort(code)

    client = app.test_client()
    for code, (title, _) in PAGES.items():
        response = client.get(f"/erreur/{code}")
        assert response.status_code == code and response.mimetype == "text/html"
        assert title in response.get_data(as_text=True)


# Accessibility and security basics


class Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.labels, self.controls, self.styles, self.scripts = [], set(), [], 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        self.styles += "style" in attrs
        self.scripts += tag == "script" and attrs.get("type") != "application/ld+json"  # data, not code
        if tag == "label":
            self.labels.add(attrs.get("for"))
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden", "submit"):
            self.controls.append(attrs.get("id"))


def test_pages_are_accessible_and_safe(client, full_event, demo):
    for url in (
        "/",
        "/evenements/?periode=passes",
        f"/evenements/{full_event.slug}/",
        "/clubs/",
        "/clubs/club-bretagne/",
        "/introuvable",
    ):
        response = client.get(url)
        html = response.get_data(as_text=True)
        audit = Audit()
        audit.feed(html)
        assert '<html lang="fr">' in html, url
        assert audit.tags.count("h1") == 1 and audit.tags.count("main") == 1, url
        assert all(control and control in audit.labels for control in audit.controls), url
        assert audit.styles == 0 and audit.scripts == 0, url
        assert "Aller au contenu" in html
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"


def test_event_page_shows_the_registration_deadline(client, make_event):
    starts = clock.to_utc(date(2031, 3, 12), time(14))
    event = make_event(
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        registration_closes_at=clock.to_utc(date(2031, 3, 11), time(18)),
    )
    page = client.get(f"/evenements/{event.slug}/").get_data(as_text=True)
    assert "jusqu'au mardi 11 mars 2031 à 18 h" in page
