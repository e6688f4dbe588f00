"""The newsletter's agenda (/espace/lettre): the coming weeks' published events as e-mail-safe HTML
and plain text, the agenda's filters, the preview, and who may build it."""

import html
import re
from datetime import time, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtes_events import clock

from .conftest import OTHER_CLUB, OWN_CLUB, login


@pytest.fixture
def coming(clubs, make_event):
    """Events 2, 10, 20 and 40 days ahead, a cancelled and a draft one, one of the other club, one past."""
    today = clock.local_today()

    def on(days: int, **values):
        starts = clock.to_utc(today + timedelta(days=days), time(14))
        return make_event(starts_at=starts, ends_at=starts + timedelta(hours=2), **values)

    own = clubs[OWN_CLUB]
    return {
        "j2": on(
            2,
            slug="j2",
            title="Séance dans deux jours",
            kind="club",
            club=own,
            city="Paris",
            summary="Un résumé.",
        ),
        "j10": on(10, slug="j10", title="Webinaire dans dix jours"),
        "j20": on(20, slug="j20", title="Séance dans vingt jours", kind="club", club=own),
        "j40": on(40, slug="j40", title="Rencontre dans quarante jours", kind="rencontre"),
        "annulee": on(3, slug="annulee", title="Séance annulée", status="cancelled"),
        "brouillon": on(4, slug="brouillon", title="Séance en brouillon", status="draft"),
        "reportee": on(5, slug="reportee", title="Séance reportée", status="postponed"),
        "naq": on(6, slug="naq", title="Séance aquitaine", kind="club", club=clubs[OTHER_CLUB]),
        "passee": on(-3, slug="passee", title="Séance passée"),
    }


@pytest.fixture
def admin(client, make_user):
    user = make_user("admin")
    login(client, user)
    return user


def fields(page: str) -> tuple[str, str]:
    """The HTML block and the plain text, as the read-only fields hold them."""
    block = re.search(r'<textarea id="code-html"[^>]*>(.*?)</textarea>', page, re.S)[1]
    text = re.search(r'<textarea id="texte-simple"[^>]*>(.*?)</textarea>', page, re.S)[1]
    return html.unescape(block), html.unescape(text)


def test_the_coming_four_weeks_by_default_published_only_soonest_first(client, admin, coming):
    page = client.get("/espace/lettre").get_data(as_text=True)
    block, text = fields(page)
    titles = re.findall(r'<a href="http://rtes\.test/evenements/[^/]+/" style="[^"]+">([^<]+)</a>', block)
    assert titles[::2] == [
        "Séance dans deux jours",
        "Séance aquitaine",
        "Webinaire dans dix jours",
        "Séance dans vingt jours",
    ]
    for absent in ("quarante", "annulée", "brouillon", "reportée", "passée"):
        assert absent not in block and absent not in text, absent
    assert "4 événements du " in html.unescape(page)
    first, last = clock.local_today(), clock.local_today() + timedelta(days=27)
    from rtes_events.formatting import day

    assert f"Du {day(first)} au {day(last)}" in block and f"Du {day(first)} au {day(last)}" in text


def test_weeks_and_filters_choose_the_events(client, admin, coming):
    block, text = fields(client.get("/espace/lettre?semaines=8").get_data(as_text=True))
    assert "Rencontre dans quarante jours" in block and "Rencontre dans quarante jours" in text
    block, _ = fields(client.get("/espace/lettre?semaines=1").get_data(as_text=True))
    assert "Séance dans deux jours" in block and "Webinaire dans dix jours" not in block
    block, text = fields(client.get(f"/espace/lettre?club={OWN_CLUB}").get_data(as_text=True))
    assert "Séance dans deux jours" in block and "Séance dans vingt jours" in block
    assert "Séance aquitaine" not in block and "Webinaire" not in block
    assert f"http://rtes.test/evenements/?club={OWN_CLUB}" in block  # « Tout l'agenda » keeps the filters
    block, _ = fields(client.get("/espace/lettre?type=webinaire&periode=passes").get_data(as_text=True))
    assert "Webinaire dans dix jours" in block and "Séance" not in block
    empty, text = fields(client.get("/espace/lettre?region=XYZ").get_data(as_text=True))
    assert "Aucun événement n'est annoncé sur cette période." in empty and "Aucun événement" in text


@pytest.mark.parametrize("weeks", ["0", "13", "-1", "deux", "4.5", "١", "999999999999999999999"])
def test_a_number_of_weeks_out_of_bounds_is_refused(client, admin, coming, weeks):
    response = client.get("/espace/lettre", query_string={"semaines": weeks})
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert "Le nombre de semaines doit être un nombre entier de 1 à 12." in page
    assert "code-html" not in page
    assert client.get("/espace/lettre/apercu", query_string={"semaines": weeks}).status_code == 400


class Tags(HTMLParser):
    """Every start tag of a fragment with its attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_the_html_block_is_email_safe(client, admin, coming):
    block, _ = fields(client.get("/espace/lettre").get_data(as_text=True))
    parser = Tags()
    parser.feed(block)
    tags = parser.tags
    assert tags[0][0] == "table" and tags[0][1]["role"] == "presentation"
    assert {tag for tag, _ in tags} <= {"table", "tr", "td", "p", "a"}
    for tag, attrs in tags:
        assert "class" not in attrs and "id" not in attrs, tag
        if tag in ("td", "p", "a"):
            assert attrs.get("style"), tag
        if tag == "a":
            assert attrs["href"].startswith("http://rtes.test/"), attrs
    assert "<style" not in block and "<link" not in block and "<script" not in block
    assert "Un résumé." in block and "Paris" in block and "Club ESS Île-de-France" in block
    assert re.search(r"\w+ \d+ \w+ \d{4}, 14 h – 16 h", block)  # French dates, Paris time


def test_the_plain_text(client, admin, coming):
    _, text = fields(client.get("/espace/lettre").get_data(as_text=True))
    assert text.startswith("LES PROCHAINS RENDEZ-VOUS DU RTES\nDu ")
    assert "<" not in text and "&" not in text
    entry = text.split("\n\n")[1]
    lines = entry.splitlines()
    assert re.fullmatch(r"\w+ \d+(er)? \w+ \d{4}, 14 h – 16 h", lines[0])
    assert lines[1] == "Club — Séance dans deux jours"
    assert lines[2] == "En ligne · Paris · Club ESS Île-de-France"
    assert lines[3] == "Un résumé."
    assert lines[4] == "En savoir plus et s'inscrire : http://rtes.test/evenements/j2/"
    assert text.rstrip().endswith("Tout l'agenda du RTES : http://rtes.test/evenements/")


def test_the_page_offers_copy_buttons_and_a_preview_framed_by_itself_only(client, admin, coming):
    page = client.get("/espace/lettre?semaines=2&club=" + OWN_CLUB).get_data(as_text=True)
    assert 'data-copy="code-html"' in page and 'data-copy="texte-simple"' in page
    assert re.search(r'<textarea id="code-html" rows="\d+" readonly>', page)
    preview_url = html.unescape(re.search(r'<iframe class="embed-preview" src="([^"]+)"', page)[1])
    assert preview_url.startswith("/espace/lettre/apercu?") and "semaines=2" in preview_url
    preview = client.get(preview_url)
    assert preview.status_code == 200
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    policy = preview.headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in policy and "default-src 'none'" in policy
    assert "style-src 'unsafe-inline'" in policy and "script-src" not in policy
    block, _ = fields(page)
    assert block in preview.get_data(as_text=True)
    assert preview.headers["Cache-Control"] == "no-store"
    assert "Agenda de la lettre" in client.get("/espace/").get_data(as_text=True)  # the workspace menu


def test_anonymous_visitors_are_sent_to_sign_in(client, coming):
    for url in ("/espace/lettre", "/espace/lettre/apercu"):
        response = client.get(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url


def test_member_accounts_are_refused(client, make_user, coming):
    login(client, make_user("member"))
    assert client.get("/espace/lettre").status_code == 403
    assert client.get("/espace/lettre/apercu").status_code == 403


@pytest.mark.parametrize("scope", [{"clubs": (OWN_CLUB,)}, {"partner": "cress-idf"}])
def test_a_co_organiser_builds_it_from_the_sessions_they_co_organise(client, make_user, coming, scope):
    login(client, make_user("coorganiser", **scope))
    page = client.get("/espace/lettre").get_data(as_text=True)
    block, text = fields(page)
    assert "Séance dans deux jours" in block and "Séance dans vingt jours" in text
    for other in ("Séance aquitaine", "Webinaire dans dix jours", "brouillon"):  # not theirs
        assert other not in page, other
    preview = client.get("/espace/lettre/apercu").get_data(as_text=True)
    assert "Séance dans deux jours" in preview and "Séance aquitaine" not in preview
    assert "Vous voyez les sessions que vous co-organisez." in page


NEWSLETTER_KEYS = [
    "semaines",
    "type",
    "region",
    "club",
    "theme",
    "partenaire",
    "programme",
    "origine",
    "q",
    "periode",
]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/espace/lettre", "/espace/lettre/apercu"]),
    args=st.dictionaries(
        st.sampled_from(NEWSLETTER_KEYS),
        st.one_of(
            st.sampled_from(["0", "12", "13", "-1", "9" * 30, "<b>", "\x00"]),
            st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
        ),
        max_size=5,
    ),
)
def test_random_selections_never_cause_a_server_error(client, admin, coming, path, args):
    response = client.get(path, query_string=args)
    assert response.status_code in (200, 400), (path, args)
    assert "<b>" not in response.get_data(as_text=True)
