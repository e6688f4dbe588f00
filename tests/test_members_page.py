"""``/adherents/``: current members by region, the kind filter, the map and its table, the cache."""

import html
import re

import pytest

from rtes_events import memberships
from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.members import current_year
from rtes_events.models import MemberOrganisation
from rtes_events.region_shapes import REGIONS

from .conftest import TWO_CLUBS

MEMBERS = [
    {
        "name": "Ville de Montreuil",
        "kind": "commune",
        "region": "IDF",
        "domains": ["montreuil.fr"],
        "since": 2019,
    },
    {"name": "Ville de Paris", "kind": "commune", "region": "IDF", "website": "https://www.paris.fr"},
    {"name": "Département de Seine-Saint-Denis", "kind": "departement", "region": "IDF"},
    {"name": "Région Nouvelle-Aquitaine", "kind": "region", "region": "NAQ"},
    {"name": "Ville de Lorient", "kind": "commune", "region": "BRE", "until": 2020},
    {"name": "Ville de Cayenne", "kind": "commune", "region": "OM"},
]
REGIONS_DATA = [
    {"code": "BRE", "name": "Bretagne"},
    {"code": "OM", "name": "Outre-mer"},
    {"code": "PAC", "name": "Provence-Alpes-Côte d'Azur et Corse (Région Sud)"},
]


@pytest.fixture
def members(app):
    import_data({**TWO_CLUBS, "regions": TWO_CLUBS["regions"] + REGIONS_DATA, "members": MEMBERS})


def page(client, url: str = "/adherents/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def table_counts(text: str) -> dict[str, str]:
    table = re.search(r'<table class="data-table" id="tableau-regions">(.*?)</table>', text, re.S)[1]
    rows = re.findall(r'<th scope="row">(?:<a [^>]*>)?([^<]+)(?:</a>)?</th>\s*<td>(\d+)</td>', table)
    return dict(rows)


def map_titles(text: str) -> dict[str, str]:
    svg = re.search(r'<svg class="france-map".*?</svg>', text, re.S)[0]
    return dict(re.findall(r'data-region="(\w+)">\s*<title>([^<]+)</title>', svg))


def test_the_page_shows_current_members_by_region_in_the_map_and_the_table(client, members):
    text = page(client)
    assert "5 adhérents enregistrés, par région" in text
    assert table_counts(text) == {
        "Bretagne": "0",
        "Île-de-France": "3",
        "Nouvelle-Aquitaine": "1",
        "Outre-mer": "1",
        "Provence-Alpes-Côte d'Azur et Corse (Région Sud)": "0",
        "Total": "5",
    }
    titles = map_titles(text)
    assert titles["IDF"] == (
        "Île-de-France : 3 adhérents (Département de Seine-Saint-Denis, Ville de Montreuil, Ville de Paris)"
        " — Club ESS Île-de-France"
    )
    assert (
        titles["NAQ"]
        == "Nouvelle-Aquitaine : 1 adhérent (Région Nouvelle-Aquitaine) — Club ESS Nouvelle-Aquitaine"
    )
    assert titles["BRE"] == "Bretagne : 0 adhérent"
    assert titles["OM"] == "Outre-mer : 1 adhérent (Ville de Cayenne)"
    assert titles["PAC"].startswith("Provence-Alpes-Côte d'Azur et Corse")
    assert 'role="img" aria-label="Carte des régions de France' in text
    # The region with the most members is the darkest; a region without any is grey.
    assert re.search(r'data-region="IDF">\s*<title>[^<]*</title>\s*<g fill="#1c4f8a"', text)
    assert re.search(r'data-region="BRE">\s*<title>[^<]*</title>\s*<g fill="#dde3ea"', text)
    assert "Ville de Lorient" not in text  # membership ended
    assert '<a href="https://www.paris.fr" rel="noopener">Ville de Paris</a>' in text
    assert "montreuil.fr" not in text  # domains are no business of the public page
    assert "132 collectivités adhérentes" in text and "rapport d'activité 2019 du RTES" in text
    assert '<a href="/adherents/acces">Obtenez votre accès adhérent</a>' in text


def test_each_region_links_to_its_club(client, members):
    text = page(client)
    assert '<a href="/clubs/club-ess-ile-de-france/" tabindex="-1" data-club-region="IDF">' in text
    assert '<td><a href="/clubs/club-ess-nouvelle-aquitaine/">Club ESS Nouvelle-Aquitaine</a></td>' in text
    assert 'data-club-region="BRE"' not in text  # no club in Brittany


def test_the_kind_filter(client, members):
    text = page(client, "/adherents/?type=commune")
    assert "3 adhérents enregistrés (commune), par région" in text
    assert table_counts(text)["Île-de-France"] == "2" and table_counts(text)["Nouvelle-Aquitaine"] == "0"
    assert "Région Nouvelle-Aquitaine" not in text
    assert '<option value="commune" selected>Commune (3)</option>' in text
    assert '<option value="departement">Département (1)</option>' in text
    assert "Aucun adhérent enregistré" in page(client, "/adherents/?type=autre")
    assert table_counts(page(client, "/adherents/?type=nimporte")) == table_counts(page(client))


def test_every_region_of_the_seed_has_a_shape(app):
    from rtes_events.demo.loader import seed

    assert {region["code"] for region in seed()["regions"]} == set(REGIONS)


def test_a_member_change_is_seen_at_once_by_the_cached_page(client, members):
    first = client.get("/adherents/")
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert client.get("/adherents/", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    member = db.session.query(MemberOrganisation).filter_by(name="Ville de Paris").one()
    memberships.end(member, current_year())
    db.session.commit()
    again = client.get("/adherents/", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200
    assert "Ville de Paris" not in again.get_data(as_text=True)
    assert table_counts(html.unescape(again.get_data(as_text=True)))["Île-de-France"] == "2"


def test_no_member_yet(client, app):
    import_data(TWO_CLUBS)
    text = page(client)
    assert "Aucun adhérent enregistré" in text and "132 collectivités adhérentes" in text
    assert set(table_counts(text).values()) == {"0"}


def test_the_page_is_accessible_and_safe(client, members):
    from .test_public_pages import Audit

    for url in ("/adherents/", "/adherents/?type=commune"):
        response = client.get(url)
        audit = Audit()
        audit.feed(response.get_data(as_text=True))
        assert audit.tags.count("h1") == 1 and audit.tags.count("main") == 1, url
        assert all(control and control in audit.labels for control in audit.controls), url
        assert audit.styles == 0 and audit.scripts == 0, url  # the map needs no inline style nor script
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_the_demo_shows_the_network_members_on_the_map_and_in_the_table(client):
    from rtes_events.demo.loader import load_demo

    load_demo()
    text = page(client)
    titles = map_titles(text)
    tables = "".join(re.findall(r'<table class="data-table member-table">(.*?)</table>', text, re.S))
    for region, name in (
        ("IDF", "Ville de Gennevilliers"),
        ("PAC", "Ville de Miramas"),
        ("PDL", "Nantes Métropole"),
    ):
        assert name in titles[region], region
        assert f'<th scope="row">{name}</th>' in tables
    assert "42 adhérents enregistrés, par région" in text  # the 41 of the seed and the example
