"""Structured data and discovery: the event page's schema.org Event JSON-LD (what search engines require
and recommend), the Google Agenda and Outlook links, /sitemap.xml and /robots.txt."""

import json
import re
import xml.etree.ElementTree as ET
from datetime import date, time, timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import EventProposal, Replay

from .conftest import OWN_CLUB

BASE = "http://rtes.test"
SECRET_LINK = "https://visio.example.org/salle-privee-4821"
SCHEMA = "https://schema.org/"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
OFFSET_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


def json_ld(client, slug: str) -> dict:
    page = client.get(f"/evenements/{slug}/").get_data(as_text=True)
    scripts = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert len(scripts) == 1
    return json.loads(scripts[0])


def assert_what_search_engines_want(data: dict, organizer: str = "RTES") -> None:
    """Google's required properties for events (name, startDate, location) and the recommended ones
    this platform always has (description, endDate, eventStatus, eventAttendanceMode, organizer with
    name and url, offers with price, currency and url)."""
    assert data["@context"] == "https://schema.org" and data["@type"] == "Event"
    assert data["name"] and data["description"]
    assert OFFSET_TIME.match(data["startDate"]) and OFFSET_TIME.match(data["endDate"])
    assert data["eventStatus"].startswith(SCHEMA) and data["eventAttendanceMode"].startswith(SCHEMA)
    places = data["location"] if isinstance(data["location"], list) else [data["location"]]
    for place in places:
        if place["@type"] == "Place":
            assert place["name"] and place["address"]["@type"] == "PostalAddress"
            assert place["address"]["addressLocality"] and place["address"]["addressCountry"] == "FR"
        else:
            assert place["@type"] == "VirtualLocation" and place["url"] == data["url"]
    first = data["organizer"][0]
    assert first["@type"] == "Organization" and first["name"].startswith(organizer)
    assert organizer != "RTES" or first["url"]
    assert data["isAccessibleForFree"] is True
    offer = data["offers"]
    assert (offer["@type"], offer["price"], offer["priceCurrency"], offer["url"]) == (
        "Offer",
        0,
        "EUR",
        data["url"],
    )


@pytest.fixture
def event(make_event):
    def factory(**values):
        return make_event(summary="Retour d'expériences de collectivités.", **values)

    return factory


def test_a_scheduled_onsite_club_session(client, event, clubs, make_registration):
    session = event(
        slug="seance",
        kind="club",
        club=clubs[OWN_CLUB],
        mode="onsite",
        venue="Hôtel de ville, place Jean-Jaurès",
        city="Montreuil",
        capacity=1,
    )
    make_registration(session)
    data = json_ld(client, "seance")
    assert_what_search_engines_want(data)
    assert data["eventStatus"] == f"{SCHEMA}EventScheduled"
    assert data["eventAttendanceMode"] == f"{SCHEMA}OfflineEventAttendanceMode"
    assert data["location"]["address"]["addressLocality"] == "Montreuil"
    assert data["identifier"] == session.uid and data["url"] == f"{BASE}/evenements/seance/"
    assert data["startDate"] == session.local_start.isoformat()
    assert [o["name"] for o in data["organizer"][1:]] == ["AMIF", "CRESS Île-de-France"]
    assert data["offers"]["availability"] == f"{SCHEMA}SoldOut"  # its one place is taken


@pytest.mark.parametrize(
    "values, status",
    [
        ({"status": "cancelled"}, "EventCancelled"),
        ({"status": "postponed"}, "EventPostponed"),
        ({"postponed_from": date(2026, 3, 12)}, "EventRescheduled"),
    ],
)
def test_cancelled_postponed_and_rescheduled(client, event, values, status):
    event(slug="statut", mode="onsite", city="Lyon", **values)
    data = json_ld(client, "statut")
    assert_what_search_engines_want(data)
    assert data["eventStatus"] == f"{SCHEMA}{status}"
    assert ("previousStartDate" in data) == (status == "EventRescheduled")
    if status == "EventRescheduled":
        assert data["previousStartDate"] == "2026-03-12"


def test_online_and_hybrid_events_point_at_the_page_never_the_private_link(client, event):
    event(slug="en-ligne", mode="online", online_url=SECRET_LINK)
    event(slug="hybride", mode="hybrid", venue="Maison de l'ESS", city="Lille", online_url=SECRET_LINK)
    online, hybrid = json_ld(client, "en-ligne"), json_ld(client, "hybride")
    for data in (online, hybrid):
        assert_what_search_engines_want(data)
        assert "visio.example" not in json.dumps(data)
    assert online["eventAttendanceMode"] == f"{SCHEMA}OnlineEventAttendanceMode"
    assert online["location"] == {"@type": "VirtualLocation", "url": f"{BASE}/evenements/en-ligne/"}
    assert hybrid["eventAttendanceMode"] == f"{SCHEMA}MixedEventAttendanceMode"
    assert [p["@type"] for p in hybrid["location"]] == ["Place", "VirtualLocation"]
    assert "visio.example" not in client.get("/evenements/hybride/").get_data(as_text=True)


def test_all_day_events_are_dates_and_script_cannot_be_closed(client, make_event):
    first = clock.local_today() + timedelta(days=40)
    make_event(
        slug="journee",
        title="Rencontre </script><script>alert(1)</script> <!-- & co",
        kind="rencontre",
        all_day=True,
        starts_at=clock.to_utc(first),
        ends_at=clock.to_utc(first + timedelta(days=2)),
        mode="onsite",
        city="Nantes",
    )
    page = client.get("/evenements/journee/").get_data(as_text=True)
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)[1]
    assert "<" not in script and ">" not in script
    data = json.loads(script)
    assert data["name"] == "Rencontre </script><script>alert(1)</script> <!-- & co"
    assert (data["startDate"], data["endDate"]) == (
        first.isoformat(),
        (first + timedelta(days=1)).isoformat(),
    )


def test_a_relayed_event_is_organised_by_who_proposed_it(client, event):
    relayed = event(slug="relaye", mode="onsite", city="Grenoble")
    db.session.add(relay(relayed, "Ville de Grenoble"))
    db.session.commit()
    data = json_ld(client, "relaye")
    assert_what_search_engines_want(data, organizer="Ville de Grenoble")
    assert [o["name"] for o in data["organizer"]] == ["Ville de Grenoble"]


def relay(event, organisation: str) -> EventProposal:
    """The proposal that ``event`` was published from, as the moderation queue leaves it."""
    return EventProposal(
        organisation=organisation,
        state="published",
        title=event.title,
        kind=event.kind,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        mode=event.mode,
        event=event,
    )


# --- Calendar links ----------------------------------------------------------------------------


def calendar_links(client, slug: str) -> dict[str, str]:
    page = client.get(f"/evenements/{slug}/").get_data(as_text=True)
    found = re.findall(r'<a href="([^"]+)"[^>]*>(Ajouter à (?:Google Agenda|Outlook))', page)
    return {label: unescape(href) for href, label in found}


def test_google_and_outlook_links_carry_the_event_but_not_the_private_link(client, event):
    session = event(slug="lien", title="Achats & ESS", mode="hybrid", city="Rennes", online_url=SECRET_LINK)
    links = calendar_links(client, "lien")
    google, outlook = urlsplit(links["Ajouter à Google Agenda"]), urlsplit(links["Ajouter à Outlook"])
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    g = {key: values[0] for key, values in parse_qs(google.query).items()}
    start, end = f"{session.starts_at:%Y%m%dT%H%M%S}Z", f"{session.ends_at:%Y%m%dT%H%M%S}Z"
    assert (g["action"], g["text"], g["dates"]) == ("TEMPLATE", "Achats & ESS", f"{start}/{end}")
    assert f"{BASE}/evenements/lien/" in g["details"] and g["location"] == "Rennes — En ligne"
    assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/deeplink/compose")
    o = {key: values[0] for key, values in parse_qs(outlook.query).items()}
    assert (o["subject"], o["location"]) == ("Achats & ESS", "Rennes — En ligne")
    assert (
        o["startdt"] == f"{session.starts_at:%Y-%m-%dT%H:%M:%S}Z"
        and o["enddt"] == f"{session.ends_at:%Y-%m-%dT%H:%M:%S}Z"
    )
    assert f"{BASE}/evenements/lien/" in o["body"]
    assert all("visio.example" not in link for link in links.values())


def test_calendar_links_of_all_day_past_and_cancelled_events(client, make_event):
    first = clock.local_today() + timedelta(days=10)
    make_event(
        slug="deux-jours",
        all_day=True,
        starts_at=clock.to_utc(first),
        ends_at=clock.to_utc(first + timedelta(days=2)),
    )
    links = calendar_links(client, "deux-jours")
    g = parse_qs(urlsplit(links["Ajouter à Google Agenda"]).query)
    assert g["dates"] == [f"{first:%Y%m%d}/{first + timedelta(days=2):%Y%m%d}"]  # end exclusive
    o = parse_qs(urlsplit(links["Ajouter à Outlook"]).query)
    assert (o["allday"], o["startdt"], o["enddt"]) == (
        ["true"],
        [first.isoformat()],
        [(first + timedelta(days=2)).isoformat()],
    )
    past = clock.now() - timedelta(days=3)
    make_event(slug="passe", starts_at=past, ends_at=past + timedelta(hours=2))
    make_event(slug="annule", status="cancelled")
    assert calendar_links(client, "passe") == {} and calendar_links(client, "annule") == {}


# --- Sitemap and robots ------------------------------------------------------------------------


def test_the_sitemap_lists_public_pages_with_their_last_change(app, client, make_event, clubs):
    app.config["RTES_VERSION_CHECK_SECONDS"] = 0
    session = make_event(slug="seance", kind="club", club=clubs[OWN_CLUB])
    make_event(slug="annulee", status="cancelled")
    make_event(slug="brouillon", status="draft")
    past = clock.now() - timedelta(days=20)
    replayed = make_event(slug="avec-replay", starts_at=past, ends_at=past + timedelta(hours=2))
    db.session.add(Replay(event=replayed, published_at=clock.now()))
    db.session.commit()

    response = client.get("/sitemap.xml")
    assert response.mimetype == "application/xml"
    urls = {
        url.find(f"{SITEMAP}loc").text: getattr(url.find(f"{SITEMAP}lastmod"), "text", None)
        for url in ET.fromstring(response.data).iter(f"{SITEMAP}url")  # noqa: S314 (our own answer)
    }
    expected = {f"{BASE}/evenements/{slug}/" for slug in ("seance", "annulee", "avec-replay")}
    expected |= {f"{BASE}/clubs/{slug}/" for slug in clubs} | {f"{BASE}/replays/avec-replay/"}
    expected |= {
        f"{BASE}/",
        f"{BASE}/evenements/",
        f"{BASE}/clubs/",
        f"{BASE}/replays/",
        f"{BASE}/adherents/",
    }
    assert set(urls) == expected  # never a draft
    assert urls[f"{BASE}/evenements/seance/"] == clock.to_local(session.updated_at).isoformat(
        timespec="seconds"
    )
    assert urls[f"{BASE}/clubs/{OWN_CLUB}/"] == urls[f"{BASE}/evenements/seance/"]
    assert all(OFFSET_TIME.match(changed) for url, changed in urls.items() if "nouvelle-aquitaine" not in url)

    etag = response.headers["ETag"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 304
    session.title = "Séance renommée"
    db.session.commit()
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 200


def test_robots_names_the_sitemap_and_keeps_private_paths_out(client):
    response = client.get("/robots.txt")
    assert response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert {"Disallow: /espace/", "Disallow: /inscription/", "Disallow: /mon-agenda/"} <= set(lines)
    assert f"Sitemap: {BASE}/sitemap.xml" in lines


def test_start_and_end_carry_the_paris_offset_of_their_season(client, make_event):
    for slug, day in (("hiver", date(2027, 1, 15)), ("ete", date(2027, 7, 15))):
        make_event(slug=slug, starts_at=clock.to_utc(day, time(14)), ends_at=clock.to_utc(day, time(16)))
    assert json_ld(client, "hiver")["startDate"] == "2027-01-15T14:00:00+01:00"
    assert json_ld(client, "ete")["endDate"] == "2027-07-15T16:00:00+02:00"
