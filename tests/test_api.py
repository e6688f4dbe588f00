"""The read-only API: filters, pagination, modifie-depuis, ETag/304, CORS, rate limit, nothing private,
hostile parameters; every answer the tests get is validated against the OpenAPI document it serves."""

import json
import threading
from datetime import timedelta
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_core.templating.paths.exceptions import PathNotFound, ServerNotFound
from openapi_schema_validator import validate as validate_schema
from openapi_spec_validator import validate
from sqlalchemy import update
from werkzeug.serving import make_server

from rtes_events import clock
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Event, MemberDomain, MemberOrganisation, Replay, ReplayResource
from rtes_events.registry import EventFilter
from rtes_events.replays import CatalogueFilter

from . import test_hostile_input as hostile_input
from .conftest import OTHER_CLUB, OWN_CLUB, free_port
from .test_browser import chromium  # noqa: F401

BOTH_DATABASES = True
BASE = "http://rtes.test"  # RTES_BASE_URL of the tests: the document's server
SECRET_LINK = "https://visio.example.org/salle-privee-4821"


@pytest.fixture
def openapi(app):
    """The document served at /api/v1/openapi.json, checked as OpenAPI 3.1."""
    response = app.test_client().get("/api/v1/openapi.json", base_url=BASE)
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    assert document["openapi"].startswith("3.1")
    return document


class Api:
    """A client whose every answer under /api/v1/ is validated against the OpenAPI document."""

    def __init__(self, client, document):
        self.client, self.spec = client, OpenAPI.from_dict(document)
        self.document = document

    def get(self, path: str, *, check_request: bool = True, **kwargs):
        response = self.client.get(path, base_url=BASE, **kwargs)
        request = WerkzeugOpenAPIRequest(response.request)
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        if check_request:
            self.spec.validate_request(request)
        try:
            self.spec.validate_response(request, WerkzeugOpenAPIResponse(response))
        # A slug holding a « / »: no route, and no path of the document either (openapi-core finds no
        # server for a path with an empty segment, ``…/evenements//``).
        except (PathNotFound, ServerNotFound):
            assert response.status_code == 404, path
            validate_schema(response.get_json(), self.document["components"]["schemas"]["Error"])
        return response


@pytest.fixture
def api(client, openapi):
    return Api(client, openapi)


def days_ago(days: int) -> dict:
    starts = clock.now() - timedelta(days=days)
    return {"starts_at": starts, "ends_at": starts + timedelta(hours=2)}


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.get_json()["items"]]


# --- The document ------------------------------------------------------------------------------


def test_the_document_describes_every_route_and_only_them(app, openapi):
    routes = {
        rule.rule.removeprefix("/api/v1").replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert routes == set(openapi["paths"])
    assert openapi["servers"] == [{"url": f"{BASE}/api/v1"}]


def test_the_document_names_the_agendas_filters(openapi):
    """Every filter /evenements/ and /replays/ parse is a documented parameter, and no other."""

    def names(path):
        parameters = openapi["paths"][path]["get"]["parameters"]
        return {p["name"] for p in parameters if "$ref" not in p and p["in"] == "query"}

    own = {"page", "par-page"}
    assert names("/evenements") == {*EventFilter.__dataclass_fields__, "modifie-depuis", *own}
    catalogue = {*EventFilter.__dataclass_fields__, *CatalogueFilter.__dataclass_fields__} - {
        "events",
        "periode",
    }
    assert names("/replays") == catalogue | own


# --- Events ------------------------------------------------------------------------------------


@pytest.fixture
def agenda(make_event, clubs):
    """A webinar, a session of each club (one hybrid with a private link), a past meeting, a draft."""
    past = clock.now() - timedelta(days=30)
    return {
        "webinar": make_event(slug="webinaire-achats", title="Achats responsables", online_url=SECRET_LINK),
        "own": make_event(
            slug="seance-idf",
            kind="club",
            club=clubs[OWN_CLUB],
            mode="hybrid",
            venue="Hôtel de ville",
            city="Montreuil",
            online_url=SECRET_LINK,
        ),
        "other": make_event(
            slug="seance-naq", kind="club", club=clubs[OTHER_CLUB], mode="onsite", city="Pau"
        ),
        "past": make_event(
            slug="rencontre-passee", kind="rencontre", starts_at=past, ends_at=past + timedelta(hours=3)
        ),
        "draft": make_event(slug="brouillon-secret", title="Brouillon secret", status="draft"),
    }


def test_events_take_the_agendas_filters(api, agenda):
    assert set(slugs(api.get("/api/v1/evenements"))) == {"webinaire-achats", "seance-idf", "seance-naq"}
    assert slugs(api.get("/api/v1/evenements?type=club&region=IDF")) == ["seance-idf"]
    assert slugs(api.get(f"/api/v1/evenements?club={OTHER_CLUB}")) == ["seance-naq"]
    assert slugs(api.get("/api/v1/evenements?partenaire=amif")) == ["seance-idf"]
    assert slugs(api.get("/api/v1/evenements?q=achat")) == ["webinaire-achats"]
    assert slugs(api.get("/api/v1/evenements?periode=passes")) == ["rencontre-passee"]
    # As on the agenda, an unknown kind is ignored rather than refused.
    unknown = api.get("/api/v1/evenements?type=concert", check_request=False)
    assert len(slugs(unknown)) == 3


def test_relayed_events_name_who_proposed_them(api, agenda):
    from .test_structured_data import relay

    db.session.add(relay(agenda["other"], "Ville de Pau"))
    db.session.commit()
    assert slugs(api.get("/api/v1/evenements?origine=adherents")) == ["seance-naq"]
    assert "seance-naq" not in slugs(api.get("/api/v1/evenements?origine=rtes"))
    relayed = api.get("/api/v1/evenements/seance-naq").get_json()
    assert relayed["origin"] == "adherents" and relayed["organizer"][0]["name"] == "Ville de Pau"
    assert api.get("/api/v1/evenements/seance-idf").get_json()["origin"] == "rtes"


def test_an_event_in_schema_org_terms(api, agenda):
    event = api.get("/api/v1/evenements/seance-idf").get_json()
    own = agenda["own"]
    assert event["@context"] == "https://schema.org" and event["@type"] == "Event"
    assert event["identifier"] == own.uid
    assert event["url"] == f"{BASE}/evenements/seance-idf/"
    assert event["startDate"] == own.local_start.isoformat(timespec="seconds")
    assert event["startDate"][-6:] in ("+01:00", "+02:00")
    assert event["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    assert [place["@type"] for place in event["location"]] == ["Place", "VirtualLocation"]
    assert event["club"]["identifier"] == OWN_CLUB
    assert [o["name"] for o in event["organizer"]][1:] == ["AMIF", "CRESS Île-de-France"]
    assert event["calendarUrl"] == f"{BASE}/evenements/seance-idf.ics"


def test_pages_are_bounded_and_end(api, make_event):
    for n in range(5):
        make_event(slug=f"serie-{n}", starts_at=clock.now() + timedelta(days=n + 1, hours=1))
    first = api.get("/api/v1/evenements?par-page=2").get_json()
    assert (first["total"], first["pages"], first["perPage"], first["previous"]) == (5, 3, 2, None)
    assert [item["slug"] for item in first["items"]] == ["serie-0", "serie-1"]
    assert first["next"] == f"{BASE}/api/v1/evenements?page=2&par-page=2"
    last = api.get("/api/v1/evenements?par-page=2&page=3").get_json()
    assert [item["slug"] for item in last["items"]] == ["serie-4"] and last["next"] is None
    beyond = api.get("/api/v1/evenements?par-page=2&page=4").get_json()
    assert beyond["items"] == [] and beyond["next"] is None  # a client walking the pages stops
    for bad in (
        "page=0",
        "page=abc",
        "page=-1",
        "par-page=101",
        "par-page=0",
        "page=100001",
        "page=%EF%BC%91",
    ):
        response = api.get(f"/api/v1/evenements?{bad}", check_request=False)
        assert response.status_code == 400, bad
        assert "doit être un nombre entier" in response.get_json()["error"]["message"]


def test_changes_since_a_moment_include_cancellations(app, api, agenda):
    long_ago = clock.now() - timedelta(days=10)
    db.session.execute(update(Event).values(updated_at=long_ago))
    db.session.commit()
    since = (clock.now() - timedelta(minutes=5)).isoformat(timespec="seconds") + "Z"
    assert slugs(api.get(f"/api/v1/evenements?modifie-depuis={since}")) == []

    agenda["own"].status = "cancelled"
    agenda["past"].title = "Rencontre passée (compte rendu)"
    agenda["draft"].title = "Brouillon modifié"
    db.session.commit()
    changed = api.get(f"/api/v1/evenements?modifie-depuis={quote(since)}").get_json()["items"]
    assert {e["slug"] for e in changed} == {"seance-idf", "rencontre-passee"}  # past ones too, never drafts
    cancelled = next(e for e in changed if e["slug"] == "seance-idf")
    assert cancelled["eventStatus"] == "https://schema.org/EventCancelled"
    assert all(
        e["dateModified"] >= clock.to_local(clock.now() - timedelta(minutes=1)).isoformat() for e in changed
    )
    paris = clock.to_local(clock.now() - timedelta(minutes=5)).isoformat(timespec="seconds")
    assert len(slugs(api.get(f"/api/v1/evenements?modifie-depuis={quote(paris)}"))) == 2
    # As typed in a browser's address bar, the offset's « + » unencoded (read as a space).
    assert len(slugs(api.get(f"/api/v1/evenements?modifie-depuis={paris}", check_request=False))) == 2
    assert slugs(api.get(f"/api/v1/evenements?modifie-depuis={quote(since)}&periode=passes")) == [
        "rencontre-passee"
    ]

    for bad in (
        "hier",
        "2026-01-31",
        "2026-01-31T14:00:00",
        "2026-13-01T00:00:00Z",
        "0001-01-01T00:00:00+23:59",
        "",
    ):
        response = api.get(f"/api/v1/evenements?modifie-depuis={quote(bad)}", check_request=False)
        assert response.status_code == 400, bad
        assert "« modifie-depuis »" in response.get_json()["error"]["message"]


# --- Caching, CORS, limits, errors -------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/evenements", "/api/v1/evenements/seance-idf", "/api/v1/clubs", "/api/v1/"]
)
def test_etag_and_304_follow_the_data_versions(app, api, agenda, path):
    app.config["RTES_VERSION_CHECK_SECONDS"] = 0
    first = api.get(path)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = api.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    agenda["own"].title = "Séance renommée"
    agenda["own"].club.name = "Club ESS Île-de-France (Est)"
    db.session.commit()
    changed = api.get(path, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_any_origin_may_read_answers_and_errors(app, client, api):
    assert api.get("/api/v1/evenements/inconnu").status_code == 404
    for response in (
        client.options(
            "/api/v1/evenements",
            headers={"Origin": "https://ville.example", "Access-Control-Request-Method": "GET"},
        ),
        client.post("/api/v1/evenements"),
        client.get("/api/v1/nulle-part"),
    ):
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        if response.status_code >= 400:
            assert response.mimetype == "application/json"
            assert response.get_json()["error"]["status"] == response.status_code
    assert client.post("/api/v1/evenements").status_code == 405
    assert "Access-Control-Allow-Origin" not in client.get("/evenements/").headers  # only the API


def test_the_rate_limit_answers_429_in_json(app_factory, openapi):
    limited = app_factory(RATELIMIT_ENABLED=True, RTES_API_RATE_LIMIT="3 per minute")
    with limited.app_context():
        api = Api(limited.test_client(), openapi)
        assert [api.get("/api/v1/clubs").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("/api/v1/evenements")
        assert refused.status_code == 429
        assert "trop de demandes" in refused.get_json()["error"]["message"]
        assert limited.test_client().get("/evenements/").status_code == 200  # pages are not counted
        db.session.remove()
        db.engine.dispose()


HOSTILE = [
    "/api/v1/evenements?q=%00%01%02",
    "/api/v1/evenements?q=" + "é" * 5000,
    "/api/v1/evenements?region=%27%20OR%201%3D1--&theme=%3Cscript%3E",
    "/api/v1/evenements?periode[]=passes&type[]=club",
    "/api/v1/evenements?page=99999999999999999999999",
    "/api/v1/evenements?page=1.5",
    "/api/v1/evenements?par-page=%20%2020",
    "/api/v1/evenements?modifie-depuis=%00",
    "/api/v1/evenements?modifie-depuis=9999-12-31T23:59:59-23:59",
    "/api/v1/evenements?modifie-depuis=" + "9" * 3000,
    "/api/v1/evenements/%00",
    "/api/v1/evenements/" + "a" * 3000,
    "/api/v1/replays?annee=0000&ressource=%E2%80%AE&page=0",
    "/api/v1/replays?par-page=-5",
    "/api/v1/adherents?page=abc",
]


def test_hostile_parameters_get_a_4xx_in_json_never_a_500(api, agenda):
    for path in HOSTILE:
        response = api.get(path, check_request=False)
        assert response.status_code < 500, path
        assert response.mimetype == "application/json", path
        if response.status_code >= 400:
            assert response.get_json()["error"]["message"], path
    # An address outside the document (the path is resolved to /api/espace): still a JSON 404.
    assert api.get("/api/v1/evenements/..%2F..%2Fespace", check_request=False).status_code == 404


API_KEYS = ["type", "region", "theme", "partenaire", "club", "programme", "origine", "q", "periode", "page"]
API_KEYS += ["par-page", "modifie-depuis", "annee", "ressource"]
api_query = st.dictionaries(
    st.one_of(st.sampled_from(API_KEYS), hostile_input.text),
    st.lists(hostile_input.value, max_size=3),
    max_size=6,
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    path=st.sampled_from(["/api/v1/evenements", "/api/v1/replays", "/api/v1/clubs", "/api/v1/adherents"]),
    args=api_query,
    slug=hostile_input.segment,
)
@example(path="/api/v1/evenements", args={}, slug="%2F0")  # an empty segment: not found, not redirected
def test_random_parameters_are_answered_as_the_document_says(api, agenda, path, args, slug):
    """Random and hostile query strings and slugs: each answer, 4xx included, matches the document."""
    response = api.get(path, check_request=False, query_string=[(k, v) for k, vs in args.items() for v in vs])
    assert response.status_code in (200, 400), (path, args)
    response = api.get(f"/api/v1/evenements/{slug}", check_request=False)
    assert response.status_code in (200, 404), slug


# --- Nothing private ---------------------------------------------------------------------------


def test_no_draft_private_link_or_registrant_anywhere(api, agenda, make_registration, make_event):
    make_registration(
        agenda["webinar"], email="dominique.secret@ville-exemple.fr", last_name="Inscritdiscret"
    )
    replayed = make_event(slug="avec-replay", online_url=SECRET_LINK, **days_ago(3))
    db.session.add(Replay(event=replayed, published_at=clock.now()))
    db.session.commit()
    answers = [
        api.get("/api/v1/evenements"),
        api.get("/api/v1/evenements?periode=passes"),
        api.get("/api/v1/evenements?modifie-depuis=2000-01-01T00:00:00Z"),
        api.get("/api/v1/evenements/webinaire-achats"),
        api.get("/api/v1/evenements/seance-idf"),
        api.get("/api/v1/replays"),
        api.get("/api/v1/clubs"),
        api.get("/api/v1/adherents"),
    ]
    text = "".join(response.get_data(as_text=True) for response in answers)
    for secret in (
        SECRET_LINK,
        "visio.example",
        "brouillon",
        "dominique",
        "Inscritdiscret",
        "Camille",
        "online_url",
    ):
        assert secret.lower() not in text.lower()
    assert api.get("/api/v1/evenements/brouillon-secret").status_code == 404


def test_replays_carry_their_public_resources_only(api, make_event, clubs):
    event = make_event(slug="seance-reemploi", club=clubs[OWN_CLUB], **days_ago(20))
    unpublished = make_event(slug="pas-encore", **days_ago(5))
    db.session.add_all(
        [
            Replay(
                event=event,
                published_at=clock.now() - timedelta(days=2),
                resources=[
                    ReplayResource(kind="video", access="public", url="https://www.youtube.com/watch?v=abc"),
                    ReplayResource(
                        kind="slides", access="members", url="https://adherents.example/diapos.pdf"
                    ),
                    ReplayResource(kind="summary", access="members", text="Synthèse réservée"),
                ],
            ),
            Replay(event=unpublished),
        ]
    )
    db.session.commit()
    page = api.get("/api/v1/replays").get_json()
    assert [r["about"]["identifier"] for r in page["items"]] == [event.uid]
    replay = page["items"][0]
    assert replay["url"] == f"{BASE}/replays/seance-reemploi/"
    assert replay["hasPart"] == [
        {"@type": "VideoObject", "kind": "video", "url": "https://www.youtube.com/watch?v=abc"}
    ]
    assert "adherents.example" not in json.dumps(page) and "réservée" not in json.dumps(page)
    assert api.get(f"/api/v1/replays?club={OTHER_CLUB}").get_json()["items"] == []


def test_members_are_current_ones_without_their_domains(api, clubs):
    year = clock.local_today().year
    db.session.add_all(
        [
            MemberOrganisation(
                name="Ville de Montreuil",
                kind="commune",
                region_code="IDF",
                website="https://www.montreuil.fr",
                since=2012,
                domains=[MemberDomain(domain="ville-montreuil.fr")],
            ),
            MemberOrganisation(
                name="Bordeaux Métropole", kind="intercommunalite", region_code="NAQ", until=year + 1
            ),
            MemberOrganisation(
                name="Ancienne adhérente", kind="commune", region_code="NAQ", since=2010, until=year
            ),
        ]
    )
    db.session.commit()
    members = api.get("/api/v1/adherents").get_json()
    assert [m["name"] for m in members["items"]] == ["Ville de Montreuil", "Bordeaux Métropole"]
    montreuil = members["items"][0]
    assert montreuil["@type"] == "GovernmentOrganization"
    assert (montreuil["region"]["code"], montreuil["url"], montreuil["memberSince"]) == (
        "IDF",
        "https://www.montreuil.fr",
        2012,
    )
    assert "ville-montreuil" not in json.dumps(members) and "domain" not in json.dumps(members)


def test_the_demo_data_match_the_document(api):
    """Every list over the demo's events, clubs, replays and members, as /api/v1/evenements?type=club
    answers after ``make demo``: each answer validated against the document."""
    load_demo()
    clubs = api.get("/api/v1/evenements?type=club&par-page=100").get_json()
    assert clubs["items"] and {e["kind"] for e in clubs["items"]} == {"club"}
    past = api.get("/api/v1/evenements?periode=passes&par-page=100").get_json()
    assert past["total"] > 0
    for number in range(2, min(past["pages"], 4) + 1):
        api.get(f"/api/v1/evenements?periode=passes&par-page=100&page={number}")
    assert api.get("/api/v1/evenements?modifie-depuis=2000-01-01T00:00:00Z&par-page=100").get_json()["total"]
    for event in clubs["items"][:3] + past["items"][:3]:
        assert api.get(f"/api/v1/evenements/{event['slug']}").get_json()["programme"] == []
    day = api.get("/api/v1/evenements/exemple-rencontre-nationale-alimentation").get_json()["programme"]
    ateliers = [slot for slot in day if slot["choice"] == "Ateliers de l'après-midi"]
    assert len(ateliers) == 4 and {(s["startTime"], s["capacity"], s["kind"]) for s in ateliers} == {
        ("14:00", 30, "atelier")
    }
    assert day[0]["speakers"] == [
        {"@type": "Person", "name": "Chloé Sécher", "affiliation": {"@type": "Organization", "name": "RTES"}}
    ]
    assert api.get("/api/v1/replays?par-page=100").get_json()["items"]
    assert api.get("/api/v1/clubs").get_json()["items"]
    api.get("/api/v1/adherents")


# --- From a page of another origin, in Chromium ---------------------------------------------------


def test_a_page_of_another_origin_reads_the_api_in_a_browser(app_factory, chromium, tmp_path):  # noqa: F811
    """A partner's page (another port, so another origin) fetches the events, reads the ETag, then
    asks again with If-None-Match (a header that needs a CORS preflight) and gets the 304."""
    port = free_port()
    served = app_factory(RTES_BASE_URL=f"http://127.0.0.1:{port}")
    with served.app_context():
        load_demo()
    (tmp_path / "index.html").write_text("<!doctype html><title>Ville partenaire</title>", encoding="utf-8")
    site = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    servers = [make_server("127.0.0.1", port, served, threaded=True), site]
    for server in servers:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{site.server_port}/index.html")
        result = page.evaluate(
            """async (url) => {
                const first = await fetch(url);
                const body = await first.json();
                const etag = first.headers.get('ETag');
                const again = await fetch(url, {headers: {'If-None-Match': etag}, cache: 'no-store'});
                return {status: first.status, kinds: body.items.map(e => e.kind), etag, again: again.status};
            }""",
            f"http://127.0.0.1:{port}/api/v1/evenements?type=club",
        )
    finally:
        context.close()
        for server in servers:
            server.shutdown()
        with served.app_context():
            db.engine.dispose()
    assert result["status"] == 200 and result["kinds"] and set(result["kinds"]) == {"club"}
    assert result["etag"] and result["again"] == 304
