"""Indicators for funders: the seed's 2019 figures, hand-computed figures on a small fixture, the
purge, co-organisers' scope, the period's errors, the exports, and the attendance shown per event."""

import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from rtes_events import clock, indicators, registrations
from rtes_events.demo.loader import seed
from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.models import (
    AuditEntry,
    Event,
    MemberDomain,
    MemberOrganisation,
    Region,
    Replay,
    ReplayCount,
)

from .conftest import login

YEAR_2019 = "du=2019-01-01&au=2019-12-31"


@pytest.fixture
def seeded(app):
    import_data(seed())


def test_the_seed_counts_for_2019_the_12_events_with_reported_attendance_and_their_956_participants(
    seeded, client, make_user
):
    report = indicators.compute(
        indicators.Selection.from_args({"du": "2019-01-01", "au": "2019-12-31"}, None)
    )
    assert report.totals["events"] == 14
    assert report.totals["events_with_participants"] == 12
    assert report.totals["participants"] == 956
    assert report.totals["median"] == 73.5  # (67 + 80) / 2
    assert {item.source for item in report.known} == {"reported"}

    login(client, make_user("admin"))
    page = client.get(f"/espace/indicateurs?{YEAR_2019}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<th scope="row">Participant·es (total)</th><td>956</td>' in html
    assert '<svg role="img"' in html and "<caption>Participant·es par événement</caption>" in html
    assert "12 mars 2019 – Réemploi textile et alimentaire" in html


@pytest.fixture
def fixture_events(app, make_event, make_registration, make_user):
    """Three past events, as hand-counted below:

    - E1, a webinar of 2 places: Ville de Lyon (agent) present, Mairie de Lyon (élu) absent, one on
      the waiting list; 7 replay views and 3 slide downloads this year;
    - E2, a meeting reported at 30 participants, one confirmed agent of the Département du Nord,
      attendance not marked;
    - E3, a webinar whose figure (50) a partner imported.

    The Ville de Lyon (lyon.fr) is a member authority: one person from it came (to E1).
    """
    db.session.add(Region(code="ARA", name="Auvergne-Rhône-Alpes"))
    db.session.add(
        MemberOrganisation(
            name="Ville de Lyon", kind="commune", region_code="ARA", domains=[MemberDomain(domain="lyon.fr")]
        )
    )
    db.session.commit()
    e1 = make_event(kind="webinaire", capacity=2, waitlist=True)
    present = make_registration(e1, email="a@lyon.fr", organisation="Ville de Lyon", function="agent")
    absent = make_registration(e1, email="b@lyon.fr", organisation="Mairie de Lyon", function="elu")
    make_registration(e1, email="c@coop.fr", organisation="Coop X", function="acteur")
    e2 = make_event(kind="rencontre", participants=30)
    make_registration(e2, email="d@nord.fr", organisation="Département du Nord", function="agent")
    e3 = make_event(kind="webinaire")
    indicators.record_partner_attendance(e3, 50, "idealco")
    start = clock.now() - timedelta(days=30)
    for event in (e1, e2, e3):
        event.starts_at, event.ends_at = start, start + timedelta(hours=2)
    db.session.commit()
    registrations.mark_attendance(present, True)
    registrations.mark_attendance(absent, False)
    replay = Replay(event_id=e1.id, published_at=clock.now())
    db.session.add(replay)
    db.session.flush()
    year = clock.local_today().year
    db.session.add_all(
        [
            ReplayCount(replay_id=replay.id, item="page", year=year, count=7),
            ReplayCount(replay_id=replay.id, item="slides", year=year, count=3),
        ]
    )
    db.session.commit()
    return e1, e2, e3


def last_months() -> dict:
    today = clock.local_today()
    return {"du": (today - timedelta(days=60)).isoformat(), "au": today.isoformat()}


def figures(args=None, scope=None) -> indicators.Report:
    return indicators.compute(indicators.Selection.from_args(args or last_months(), scope))


def test_figures_match_the_hand_count(fixture_events):
    e1, e2, e3 = fixture_events
    report = figures()
    by_event = {item.event.id: item for item in report.events}
    assert (by_event[e1.id].participants, by_event[e1.id].source) == (1, "sheet")
    assert (by_event[e2.id].participants, by_event[e2.id].source) == (30, "reported")
    assert (by_event[e3.id].participants, by_event[e3.id].source) == (50, "partner")
    totals = report.totals
    assert (totals["events"], totals["participants"], totals["median"]) == (3, 81, 30)
    assert (totals["attended"], totals["absent"], totals["no_show_rate"]) == (1, 1, 50.0)
    assert (totals["places"], totals["waitlisted"]) == (3, 1)
    assert (totals["replay_views"], totals["slide_downloads"]) == (7, 3)
    assert dict(report.by_function) == {"Élu·e": 0, "Agent·e": 2, "Acteur·rice de l'ESS": 0, "Autre": 0}
    assert (report.organisations, report.authorities, report.member_authorities) == (2, 2, 1)
    assert report.member_participants == 1 and report.members == [("Ville de Lyon", 1, 1)]
    assert [sum(counts.values()) for _, counts in report.by_kind_month] == [3]


def test_the_counts_survive_the_purge_of_personal_data(fixture_events):
    before = figures()
    erased = registrations.purge_personal_data(retention_days=1)
    assert erased == 4
    after = figures()
    assert after.totals == before.totals
    assert after.by_function == before.by_function
    assert (after.organisations, after.authorities, after.member_authorities) == (2, 2, 1)
    assert (after.member_participants, after.members) == (before.member_participants, before.members)


def test_the_event_page_says_where_its_figure_comes_from(fixture_events, client):
    e1, e2, e3 = fixture_events
    expected = {
        e1: '1 participant·es <span class="hint">(d&#39;après la feuille d&#39;émargement)</span>',
        e2: '30 participant·es <span class="hint">(chiffre rapporté)</span>',
        e3: '50 participant·es <span class="hint">(chiffre communiqué par le partenaire)</span>',
    }
    for event, text in expected.items():
        assert text in client.get(f"/evenements/{event.slug}/").get_data(as_text=True)


def test_a_co_organiser_sees_only_their_clubs_events(seeded, client, make_user):
    club = "club-ess-ile-de-france"
    theirs = [
        item for item in seed()["events"] if item.get("club") == club and item["start"].startswith("2019")
    ]
    login(client, make_user("coorganiser", clubs=(club,)))
    html = client.get(f"/espace/indicateurs?{YEAR_2019}").get_data(as_text=True)
    assert f'<th scope="row">Événements tenus</th><td>{len(theirs)}</td>' in html
    total = sum(item.get("participants") or 0 for item in theirs)
    assert f'<th scope="row">Participant·es (total)</th><td>{total}</td>' in html
    assert "Réemploi textile" not in html


@pytest.mark.parametrize(
    "query",
    ["du=2019-13-01", "au=hier", "du=2019-12-31&au=2019-01-01", "du=0001-01-01", "programme=inconnu"],
)
def test_an_unreadable_selection_is_refused_in_french(client, make_user, query):
    login(client, make_user("admin"))
    response = client.get(f"/espace/indicateurs?{query}")
    assert response.status_code == 400
    assert 'role="alert"' in response.get_data(as_text=True)
    assert client.get(f"/espace/indicateurs/export.xlsx?{query}").status_code == 400


def test_the_default_period_is_the_current_year(client, make_user):
    login(client, make_user("admin"))
    year = clock.local_today().year
    html = client.get("/espace/indicateurs").get_data(as_text=True)
    assert f'value="{year}-01-01"' in html and f'value="{year}-12-31"' in html


def test_exports_open_back_and_are_logged(fixture_events, client, make_user):
    login(client, make_user("admin"))
    args = "&".join(f"{key}={value}" for key, value in last_months().items())
    response = client.get(f"/espace/indicateurs/export.xlsx?{args}")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[:3] == [
        "Synthèse",
        "Événements par type et par mois",
        "Participant·es par événement",
    ]
    summary = {row[0]: row[1] for row in workbook["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert summary["Participant·es (total)"] == 81
    assert summary["Vues des replays"] == 7
    text = client.get(f"/espace/indicateurs/export.txt?{args}").get_data(as_text=True)
    lines = text.splitlines()
    assert len(lines) == 3 and all(line.count(" – ") >= 3 for line in lines)
    assert any(line.endswith(" – 50 participants") for line in lines)
    csv = client.get(f"/espace/indicateurs/export.csv?{args}").data
    assert csv.startswith(b"\xef\xbb\xbfDate;Titre;Co-organisateurs;Participants")
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action == "indicators.exported")
    ).all()
    assert len(actions) == 3


def test_indicators_run_a_bounded_number_of_queries(fixture_events, make_event, app):
    from sqlalchemy import event as sa_event

    def count() -> int:
        statements = []
        listener = lambda *args: statements.append(1)  # noqa: E731
        sa_event.listen(db.engine, "before_cursor_execute", listener)
        try:
            figures()
        finally:
            sa_event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    few = count()
    start = clock.now() - timedelta(days=10)
    for _ in range(20):
        make_event(starts_at=start, ends_at=start + timedelta(hours=1), participants=5)
    assert count() == few
    assert db.session.scalar(select(Event.id).limit(1))
