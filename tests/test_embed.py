"""The embeddable agenda: /widget/agenda (filters, number, accent colour, framing, caching) and
/integrer (the snippet reproduces the filters), and the widget shown by a page of another origin in
a real browser."""

import html
import re
import threading
from datetime import timedelta
from http.server import HTTPServer, SimpleHTTPRequestHandler
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import expect

from rtes_events import accounts
from rtes_events.extensions import db
from rtes_events.views.embed import text_on

from . import test_browser
from .conftest import OTHER_CLUB, OWN_CLUB, PASSWORD, free_port, login
from .test_browser import sign_in, violations

chromium, live, audited_page = test_browser.chromium, test_browser.live, test_browser.audited_page  # fixtures


@pytest.fixture
def agenda(clubs, make_event):
    """Three sessions of the Île-de-France club, one of the other club, a webinar; soonest first."""
    own = clubs[OWN_CLUB]
    events = {
        f"idf-{n}": make_event(
            slug=f"idf-{n}", title=f"Séance francilienne {n}", kind="club", club=own, city="Paris"
        )
        for n in (1, 2, 3)
    }
    for n, event in enumerate(events.values()):
        event.starts_at += timedelta(days=n)
        event.ends_at += timedelta(days=n)
    events["naq"] = make_event(slug="naq", title="Séance aquitaine", kind="club", club=clubs[OTHER_CLUB])
    events["webinaire"] = make_event(slug="webinaire", title="Webinaire national")
    db.session.commit()
    return events


def text(response) -> str:
    """The page as read (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def titles(page: str) -> list[str]:
    return re.findall(r'class="widget-event"><a href="[^"]+" target="_blank" rel="noopener">([^<]+)<', page)


def test_the_widget_shows_the_filtered_agenda_soonest_first(client, agenda):
    page = client.get(f"/widget/agenda?club={OWN_CLUB}").get_data(as_text=True)
    assert titles(page) == ["Séance francilienne 1", "Séance francilienne 2", "Séance francilienne 3"]
    assert titles(client.get("/widget/agenda?region=NAQ").get_data(as_text=True)) == ["Séance aquitaine"]
    assert titles(client.get("/widget/agenda?type=webinaire").get_data(as_text=True)) == [
        "Webinaire national"
    ]
    assert len(titles(client.get("/widget/agenda").get_data(as_text=True))) == 5
    assert titles(client.get(f"/widget/agenda?club={OWN_CLUB}&nombre=2").get_data(as_text=True)) == [
        "Séance francilienne 1",
        "Séance francilienne 2",
    ]
    assert len(titles(client.get("/widget/agenda?origine=rtes").get_data(as_text=True))) == 5
    assert titles(client.get("/widget/agenda?origine=adherents").get_data(as_text=True)) == []  # none relayed
    empty = client.get("/widget/agenda?club=club-inconnu")
    assert empty.status_code == 200 and "Aucun événement à venir" in empty.get_data(as_text=True)


def test_the_widget_is_a_compact_page_whose_links_open_the_site_in_a_new_tab(client, agenda):
    page = client.get(f"/widget/agenda?club={OWN_CLUB}").get_data(as_text=True)
    assert "Navigation principale" not in page and "site-header" not in page
    assert '<html lang="fr">' in page and "<title>Agenda des événements du RTES</title>" in page
    assert (
        '<a href="/evenements/idf-1/" target="_blank" rel="noopener">Séance francilienne 1'
        '<span class="visually-hidden"> (nouvel onglet)</span></a>' in page
    )
    agenda_link = f'href="http://rtes.test/evenements/?club={OWN_CLUB}" target="_blank" rel="noopener"'
    assert agenda_link in page
    assert "mardi" in page or "lundi" in page or re.search(r"\d+ h – \d+ h", page)  # French dates


@pytest.mark.parametrize("count", ["0", "21", "-1", "abc", "2.5", "1e3", "٣", "99999999999999999999"])
def test_a_number_out_of_bounds_is_refused_with_a_french_message(client, agenda, count):
    response = client.get("/widget/agenda", query_string={"nombre": count})
    assert response.status_code == 400
    page = text(response)
    assert "Le nombre d'événements doit être un nombre entier de 1 à 20." in page
    assert titles(page) == []


def test_the_number_bounds_are_accepted(client, make_event):
    for n in range(21):
        make_event(slug=f"e-{n}")
    assert len(titles(client.get("/widget/agenda?nombre=1").get_data(as_text=True))) == 1
    assert len(titles(client.get("/widget/agenda?nombre=20").get_data(as_text=True))) == 20
    assert len(titles(client.get("/widget/agenda").get_data(as_text=True))) == 5


@pytest.mark.parametrize(
    ("given", "kept"),
    [("005a46", "005a46"), ("#0A4", "00aa44"), ("#FFCC00", "ffcc00"), (" 123abc ", "123abc")],
)
def test_an_accent_colour_is_a_stylesheet_of_six_hex_digits(client, agenda, given, kept):
    page = client.get("/widget/agenda", query_string={"couleur": given}).get_data(as_text=True)
    assert f'<link rel="stylesheet" href="/widget/couleur-{kept}.css">' in page
    assert "style=" not in page and "<style" not in page
    css = client.get(f"/widget/couleur-{kept}.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    assert css.get_data(as_text=True).startswith(f":root {{ --accent: #{kept}; --on-accent: #")


HOSTILE_COLOURS = [
    "red",
    "#12345g",
    "1234",
    "#1234567",
    "000;}body{display:none",
    "</style><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "expression(alert(1))",
    "url(https://evil.example/x)",
    "abc\n",
    "００００００",
    "#",
]


@pytest.mark.parametrize("colour", HOSTILE_COLOURS)
def test_a_hostile_colour_is_refused_and_never_written(client, agenda, colour):
    response = client.get("/widget/agenda", query_string={"couleur": colour})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "La couleur doit être un code hexadécimal" in page
    assert "couleur-" not in page and "<script" not in page and "evil" not in page
    integrate = client.get("/integrer", query_string={"couleur": colour})
    assert integrate.status_code == 400 and "<script>alert" not in integrate.get_data(as_text=True)


EMBED_KEYS = [
    "nombre",
    "couleur",
    "type",
    "region",
    "club",
    "theme",
    "partenaire",
    "programme",
    "origine",
    "q",
]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE_COLOURS + ["0", "20", "21", "-5", "1" * 40, "%", "\x00", "é" * 300]),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=60),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    path=st.sampled_from(["/widget/agenda", "/integrer"]),
    args=st.dictionaries(st.sampled_from(EMBED_KEYS), hostile_text, max_size=5),
)
def test_random_settings_never_cause_a_server_error_nor_reach_the_styles(client, agenda, path, args):
    response = client.get(path, query_string=args)
    assert response.status_code in (200, 400), (path, args)
    page = response.get_data(as_text=True)
    assert "<script" not in page.replace('<script src="/static/copy.js" defer></script>', "")
    for colour in re.findall(r"/widget/couleur-([^\"]*?)\.css", page):  # the widget links its colour
        assert re.fullmatch("[0-9a-f]{6}", colour), (path, args)


@pytest.mark.parametrize("name", ["0A0A0A", "abc", "12345g", "0000000", "00000", "zzzzzz", "%3Cscript%3E"])
def test_only_canonical_colour_stylesheets_exist(client, name):
    assert client.get(f"/widget/couleur-{name}.css").status_code == 404


def contrast(colour: str, text: str) -> float:
    def luminance(value: str) -> float:
        channels = [int(value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance("#" + colour), luminance(text)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_text_on_the_accent_always_reads_at_4_5_to_1():
    colours = [
        f"{r:02x}{g:02x}{b:02x}"
        for r in range(0, 256, 17)
        for g in range(0, 256, 17)
        for b in range(0, 256, 17)
    ]
    assert min(contrast(colour, text_on(colour)) for colour in colours) >= 4.5
    assert text_on("ffff00") == "#000000" and text_on("003366") == "#ffffff"


def refuses_framing(response) -> bool:
    policy = response.headers.get("Content-Security-Policy", "")
    return response.headers.get("X-Frame-Options") == "DENY" and "frame-ancestors 'none'" in policy


def test_only_the_widget_may_be_framed_by_other_sites(client, app, agenda, make_user):
    for url in (f"/widget/agenda?club={OWN_CLUB}", "/widget/agenda?nombre=0"):
        response = client.get(url)
        assert "X-Frame-Options" not in response.headers, url
        assert "frame-ancestors *" in response.headers["Content-Security-Policy"], url
        assert "style-src 'self'" in response.headers["Content-Security-Policy"], url
    cached = client.get(f"/widget/agenda?club={OWN_CLUB}")
    again = client.get(f"/widget/agenda?club={OWN_CLUB}", headers={"If-None-Match": cached.headers["ETag"]})
    assert again.status_code == 304 and "X-Frame-Options" not in again.headers
    assert "frame-ancestors *" in again.headers["Content-Security-Policy"]

    public = ["/", "/evenements/", "/evenements/idf-1/", "/integrer", "/integrer?nombre=0", "/clubs/"]
    public += ["/agenda.ics", "/widget/couleur-005a46.css", "/page-inconnue", "/espace/", "/espace/lettre"]
    for url in public:
        assert refuses_framing(client.get(url)), url
    login(client, make_user("admin"))
    for url in ("/espace/", "/espace/lettre", "/integrer", "/evenements/"):
        response = client.get(url)
        assert response.status_code == 200 and refuses_framing(response), url
    signed_in_widget = client.get("/widget/agenda")
    assert "X-Frame-Options" not in signed_in_widget.headers


def test_the_widget_is_cached_per_filters_and_never_stale(client, agenda):
    first = client.get(f"/widget/agenda?club={OWN_CLUB}")
    same = client.get(f"/widget/agenda?club={OWN_CLUB}&inconnu=1")
    assert same.headers["ETag"] == first.headers["ETag"]
    assert (
        client.get(
            f"/widget/agenda?club={OWN_CLUB}", headers={"If-None-Match": first.headers["ETag"]}
        ).status_code
        == 304
    )
    others = {
        client.get(url).headers["ETag"]
        for url in (
            f"/widget/agenda?club={OWN_CLUB}&nombre=2",
            f"/widget/agenda?club={OWN_CLUB}&couleur=005a46",
            "/widget/agenda?club=" + OTHER_CLUB,
            "/widget/agenda",
        )
    }
    assert len(others) == 4 and first.headers["ETag"] not in others

    agenda["idf-2"].title = "Séance renommée"
    db.session.commit()
    changed = client.get(f"/widget/agenda?club={OWN_CLUB}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Séance renommée" in titles(changed.get_data(as_text=True))


def snippet_src(page: str) -> str:
    textarea = re.search(r"<textarea id=\"code-iframe\"[^>]*>([^<]*)</textarea>", page)[1]
    snippet = html.unescape(textarea)  # the text of the field: the HTML the site pastes
    assert snippet.startswith("<iframe ") and snippet.endswith("></iframe>")
    assert 'title="Agenda des événements du RTES"' in snippet
    return html.unescape(re.search(r'src="([^"]+)"', snippet)[1])


def test_the_snippet_reproduces_the_filters(client, agenda):
    response = client.get(f"/integrer?club={OWN_CLUB}&type=club&nombre=2&couleur=%23005A46&q=")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    src = snippet_src(page)
    assert src.startswith("http://rtes.test/widget/agenda?")
    url = urlsplit(src)
    widget = client.get(f"{url.path}?{url.query}").get_data(as_text=True)
    assert titles(widget) == ["Séance francilienne 1", "Séance francilienne 2"]
    assert "couleur-005a46.css" in widget
    assert f'src="/widget/agenda?{html.escape(url.query)}"' in page  # the preview shows the same
    link = re.search(r'id="lien-agenda" value="([^"]+)"', page)[1]
    assert html.unescape(link) == f"http://rtes.test/evenements/?type=club&club={OWN_CLUB}"
    assert 'data-copy="code-iframe"' in page and 'role="status"' in page


def test_the_snippet_keeps_the_origin_filter(client, agenda):
    page = client.get("/integrer?origine=rtes").get_data(as_text=True)
    assert snippet_src(page) == "http://rtes.test/widget/agenda?origine=rtes"
    assert '<option value="rtes" selected>' in page


def test_the_snippet_of_the_defaults_is_the_bare_widget(client, agenda):
    page = client.get("/integrer").get_data(as_text=True)
    assert snippet_src(page) == "http://rtes.test/widget/agenda"
    for label in ("Type", "Région", "Partenaire", "Club", "Nombre d'événements", "Couleur d'accent"):
        assert re.search(rf'<label for="[^"]+">{re.escape(label)}', page), label


def test_invalid_settings_on_the_integration_page_are_explained(client, agenda):
    response = client.get("/integrer?nombre=50&couleur=rouge")
    assert response.status_code == 400
    page = text(response)
    assert "Le nombre d'événements doit être un nombre entier de 1 à 20." in page
    assert "La couleur doit être un code hexadécimal" in page
    assert "code-iframe" not in page and 'value="rouge"' in page


# --- In a real browser, on a page of another origin -------------------------------------------------


@pytest.fixture
def served(app_factory, agenda):
    """The site on a free local port (the same database as ``app``), with the agenda fixture's events."""
    with test_browser.served(app_factory) as app:
        yield app


@pytest.fixture
def other_site(tmp_path):
    """A second HTTP server, on another port (so another origin), serving ``tmp_path/site``."""
    folder = tmp_path / "site"
    folder.mkdir()

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(folder), **kwargs)

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", free_port()), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.folder, server.url = folder, f"http://127.0.0.1:{server.server_port}"
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def browser_page(chromium):
    context = chromium.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    yield context.new_page()
    context.close()


def test_the_snippet_shows_the_filtered_agenda_in_a_page_of_another_origin(served, other_site, browser_page):
    assert urlsplit(served.url).netloc != urlsplit(other_site.url).netloc
    browser_page.goto(f"{served.url}/integrer?club={OWN_CLUB}&nombre=2&couleur=ffcc00")
    snippet = browser_page.get_by_label("Code HTML de l'agenda intégré").input_value()
    (other_site.folder / "index.html").write_text(
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Ville partenaire</title></head>'
        f"<body><main><h1>Ville partenaire</h1><aside>{snippet}</aside>"
        f'<iframe name="refused" src="{served.url}/evenements/" title="Agenda complet"></iframe>'
        "</main></body></html>",
        encoding="utf-8",
    )
    browser_page.goto(other_site.url + "/")
    frame = browser_page.frame_locator("iframe[title='Agenda des événements du RTES']")
    links = frame.locator(".widget-event a")
    links.first.wait_for()
    assert [" ".join(text.split()) for text in links.all_inner_texts()] == [
        "Séance francilienne 1 (nouvel onglet)",
        "Séance francilienne 2 (nouvel onglet)",
    ]
    accent = frame.locator(".widget-title").evaluate("e => getComputedStyle(e).backgroundColor")
    assert accent == "rgb(255, 204, 0)"
    refused = browser_page.frame(name="refused")  # the agenda itself refuses to be framed there
    refused.wait_for_load_state()
    assert refused.url == "chrome-error://chromewebdata/" and refused.locator("main").count() == 0
    with browser_page.context.expect_page() as opened:
        links.first.click()
    assert opened.value.url == f"{served.url}/evenements/idf-1/"


def test_the_integration_page_follows_the_form_and_copies_the_snippet(live, browser_page):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    page.goto(live.url + "/integrer")
    preview = page.locator('iframe[title="Aperçu de l\'agenda intégré"]')
    page.get_by_label("Club").select_option(
        label="Club des collectivités territoriales pour l'ESS en Île-de-France"
    )
    page.get_by_label("Nombre d'événements").fill("1")
    expect(preview).to_have_attribute("src", "/widget/agenda?club=club-ess-ile-de-france&nombre=1")
    frame = page.frame_locator('iframe[title="Aperçu de l\'agenda intégré"]')
    assert frame.locator(".widget-event a").all_inner_texts() == [
        "Exemple — Club Île-de-France : la session du jour\n(nouvel onglet)"
    ]
    snippet = page.get_by_label("Code HTML de l'agenda intégré").input_value()
    assert f'src="{live.url}/widget/agenda?club=club-ess-ile-de-france&amp;nombre=1"' in snippet
    assert page.get_by_label("Adresse de l'agenda filtré").input_value() == (
        f"{live.url}/evenements/?club=club-ess-ile-de-france"
    )
    assert "club=club-ess-ile-de-france" in page.url  # the address keeps the choice
    page.get_by_role("button", name="Copier le code").click()
    expect(page.get_by_text("Copié dans le presse-papiers.")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == snippet


def test_the_newsletter_preview_and_copy_in_a_browser(live, browser_page):
    page = browser_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live.url)
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
    sign_in(page, live.url, "equipe@rtes.fr")
    page.get_by_role("link", name="Agenda de la lettre").click()
    page.get_by_label("Nombre de semaines").fill("6")
    page.get_by_role("button", name="Afficher").click()
    frame = page.frame_locator('iframe[title="Aperçu de l\'agenda de la lettre"]')
    link = frame.get_by_role("link", name="Exemple — Club Île-de-France : la session du jour")
    assert link.evaluate("e => getComputedStyle(e).color") == "rgb(11, 79, 138)"  # inline styles applied
    assert link.get_attribute("href") == f"{live.url}/evenements/exemple-club-ile-de-france-aujourd-hui/"
    page.get_by_role("button", name="Copier le texte").click()
    expect(page.get_by_text("Copié dans le presse-papiers.")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.get_by_label("Version texte", exact=False).input_value()
    assert "Exemple — Club Île-de-France : la session du jour" in copied


def test_the_embed_and_newsletter_pages_pass_the_accessibility_rules(live, audited_page):
    page = audited_page
    with live.app_context():
        accounts.create_user("equipe@rtes.fr", accounts.Scope("admin"), PASSWORD)
        db.session.commit()
    paths = [
        "/integrer",
        "/integrer?region=IDF&nombre=3&couleur=ffcc00",
        "/integrer?nombre=0&couleur=rouge",
        "/widget/agenda",
        "/widget/agenda?couleur=ffff00&nombre=10",
        "/widget/agenda?couleur=1a1a1a",
        "/widget/agenda?periode=passes",
        "/widget/agenda?club=inconnu",
        "/widget/agenda?nombre=0",
    ]
    found = {}
    for path in paths:
        page.goto(live.url + path)
        found[path] = violations(page)
    sign_in(page, live.url, "equipe@rtes.fr")
    for path in ("/espace/lettre", "/espace/lettre?semaines=6&type=club", "/espace/lettre?semaines=0"):
        page.goto(live.url + path)
        found[path] = violations(page)
    assert {path: rules for path, rules in found.items() if rules} == {}
