"""The CRESS plugin through the running app: rights of a CRESS's co-organisers, regional page and
feed, co-branding of club pages; nothing of it when disabled."""

import html

import pytest

from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Partner
from rtes_events.permissions import can_manage
from rtes_events.registry import club_by_slug
from tests.conftest import login


@pytest.fixture
def enabled_plugins():
    return "cress"


@pytest.fixture
def demo(app):
    load_demo()


def partner(key):
    return db.session.scalar(db.select(Partner).where(Partner.key == key))


def test_a_cress_manages_the_sessions_of_its_clubs_and_nothing_else(demo, make_event, make_user):
    user = make_user("coorganiser", partner="cress-idf")
    idf, naq = club_by_slug("club-ess-ile-de-france"), club_by_slug("club-ess-nouvelle-aquitaine")
    own = make_event(kind="club", club=idf)
    other = make_event(kind="club", club=naq)
    direct = make_event(kind="rencontre", partners=[partner("cress-idf")])  # the core would allow it
    for action in ("view", "edit", "registrants", "export"):
        assert can_manage(user, own, action)
        assert not can_manage(user, other, action)
        assert not can_manage(user, direct, action)
    assert can_manage(user, idf, "create") and not can_manage(user, naq, "create")
    assert not can_manage(user, own, "accounts")
    other_partner = make_user("coorganiser", partner="amif")  # not a CRESS: the core's rules only
    assert can_manage(other_partner, own, "edit")


def test_through_the_workspace(client, demo, make_event, make_user):
    own = make_event(kind="club", club=club_by_slug("club-ess-ile-de-france"))
    direct = make_event(kind="rencontre", partners=[partner("cress-idf")])
    login(client, make_user("coorganiser", partner="cress-idf"))
    assert client.get(f"/espace/evenements/{own.id}/").status_code == 200
    assert client.get(f"/espace/evenements/{direct.id}/").status_code == 404
    assert client.get(f"/espace/evenements/{direct.id}/inscrits").status_code == 404


def test_regional_page_and_feed(client, demo, make_event):
    own = make_event(kind="club", club=club_by_slug("club-ess-ile-de-france"), title="Séance francilienne")
    make_event(kind="club", club=club_by_slug("club-ess-nouvelle-aquitaine"), title="Séance aquitaine")
    page = client.get("/cress/cress-idf/").get_data(as_text=True)
    assert "Séance francilienne" in page and "Séance aquitaine" not in page
    assert "/cress/cress-idf.ics" in page and "webcal://" in page
    feed = client.get("/cress/cress-idf.ics")
    assert feed.mimetype == "text/calendar" and f"UID:{own.uid}" in feed.get_data(as_text=True)
    assert "Séance aquitaine" not in feed.get_data(as_text=True)
    assert client.get("/cress/amif/").status_code == 404
    assert client.get("/cress/inconnue.ics").status_code == 404


def test_club_pages_are_co_branded(client, demo):
    page = client.get("/clubs/club-ess-ile-de-france/").get_data(as_text=True)
    assert '<img src="/cress/static/logos/cress-idf.svg"' in page and 'href="/cress/cress-idf/"' in page
    logo = client.get("/cress/static/logos/cress-idf.svg")
    assert logo.status_code == 200 and b"<svg" in logo.get_data()
    assert "cress/static" not in client.get("/clubs/club-ess-pays-de-la-loire/").get_data(as_text=True)


def test_a_logo_url_setting(app_factory, demo):
    app = app_factory(RTES_PLUGINS="cress", RTES_CRESS_LOGO_URL="https://cdn.example.org/{key}.png")
    page = app.test_client().get("/clubs/club-ess-ile-de-france/").get_data(as_text=True)
    assert 'src="https://cdn.example.org/cress-idf.png"' in page


@pytest.mark.parametrize("enabled_plugins", ["none", "cnfpt,idealco"])
def test_disabled_the_core_rules_apply(client, demo, make_event, make_user):
    user = make_user("coorganiser", partner="cress-idf")
    direct = make_event(kind="rencontre", partners=[partner("cress-idf")])
    assert can_manage(user, direct, "edit")
    assert client.get("/cress/cress-idf/").status_code == 404
    assert "cress/static" not in client.get("/clubs/club-ess-ile-de-france/").get_data(as_text=True)


def test_the_personal_data_page_names_what_the_cress_see(client):
    page = html.unescape(client.get("/donnees-personnelles").get_data(as_text=True))
    assert "<strong>Les CRESS co-organisatrices d'un club régional</strong> : les inscriptions" in page
