"""Who we reach among member authorities: registrations matched to their member when made, the
counts kept through the purge, the indicators (page, XLSX, CSV), a member's year and its export."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from rtes_events import clock, indicators, programmes, registrations
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, ReachedOrganisation, Registration

from . import member_factory
from .conftest import login
from .member_factory import EXAMPLE_DOMAIN, end_membership

BOTH_DATABASES = True
make_member = member_factory.make_member  # the fixture
YEAR = clock.local_today().year


@pytest.fixture
def members(make_member):
    return {
        "ville": make_member(),
        "departement": make_member(
            name="Département d'Exemple", kind="departement", domains=("departement-exemple.fr",)
        ),
    }


def days_ago(event, days: int) -> None:
    """Move ``event`` into the past (its registrations were taken while it was ahead)."""
    starts = clock.now() - timedelta(days=days)
    event.starts_at, event.ends_at = starts, starts + timedelta(hours=2)
    db.session.commit()


@pytest.fixture
def reached(members, make_event, make_registration):
    """Two past events of this year (if the year is old enough, else of the last days):

    - A: two agents of the Ville d'Exemple (one present, one absent), one of the Département
      (present), someone from a non-member and a Gmail address (present): attendance marked;
    - B: one agent of the Ville d'Exemple, confirmed, attendance not marked; one waitlisted there.
    """
    programme = programmes.create({"name": "Convention d'exemple"})
    a = make_event(title="Commande publique responsable", capacity=10, programmes=[programme])
    b = make_event(title="Tiers-lieux et ESS", capacity=1)
    people = {
        "present": make_registration(a, email=f"a@{EXAMPLE_DOMAIN}", organisation="Mairie d'Exemple"),
        "absent": make_registration(a, email=f"b@{EXAMPLE_DOMAIN}", organisation="Ville d'Exemple"),
        "dept": make_registration(
            a, email="c@departement-exemple.fr", organisation="CD Exemple", function="elu"
        ),
        "other": make_registration(a, email="d@ville-voisine.fr", organisation="Ville voisine"),
        "gmail": make_registration(a, email="e@gmail.com", organisation="Ville d'Exemple"),
        "confirmed": make_registration(b, email=f"f@{EXAMPLE_DOMAIN}", organisation="Ville d'Exemple"),
        "waiting": make_registration(b, email=f"g@{EXAMPLE_DOMAIN}", organisation="Ville d'Exemple"),
    }
    since = min((clock.local_today() - clock.local_today().replace(month=1, day=1)).days, 20)
    days_ago(a, max(since, 2))
    days_ago(b, 1)
    for key in ("present", "dept", "other", "gmail"):
        registrations.mark_attendance(people[key], True)
    registrations.mark_attendance(people["absent"], False)
    return {"event_a": a, "event_b": b, "programme": programme, **people}


def this_year(programme=None) -> indicators.Report:
    args = {"du": f"{YEAR}-01-01", "au": f"{YEAR}-12-31"}
    if programme is not None:
        args["programme"] = programme.slug
    return indicators.compute(indicators.Selection.from_args(args, None))


def test_registrations_are_matched_to_the_member_of_their_domain_when_made(reached, members):
    ville, departement = members["ville"].id, members["departement"].id
    matched = {
        key: reached[key].member_organisation_id for key in ("present", "absent", "dept", "other", "gmail")
    }
    assert matched == {"present": ville, "absent": ville, "dept": departement, "other": None, "gmail": None}
    assert reached["waiting"].status == "waitlisted" and reached["waiting"].member_organisation_id == ville


def test_an_ended_member_no_longer_matches(members, make_event, make_registration):
    end_membership(members["ville"])
    registration = make_registration(make_event(), email=f"x@{EXAMPLE_DOMAIN}")
    assert registration.member_organisation_id is None


def test_a_membership_ending_at_the_new_year_stops_matching_then(
    members, make_event, make_registration, monkeypatch
):
    """The lookup is built once, but reads the year of each registration."""
    members["ville"].until = YEAR + 1
    db.session.commit()
    event = make_event()
    assert make_registration(event, email=f"x@{EXAMPLE_DOMAIN}").member_organisation_id == members["ville"].id
    monkeypatch.setattr(clock, "local_today", lambda: date(YEAR + 1, 1, 2))
    assert make_registration(event, email=f"y@{EXAMPLE_DOMAIN}").member_organisation_id is None


def test_the_indicators_count_member_authorities_and_their_participants(reached, members):
    report = this_year()
    # Came: A's present agent and the Département's élu (the absent one did not), B's confirmed agent.
    assert (report.member_authorities, report.member_participants) == (2, 3)
    assert report.members == [("Ville d'Exemple", 2, 2), ("Département d'Exemple", 1, 1)]
    by_event = {item.event.id: item.member_participants for item in report.events}
    assert by_event == {reached["event_a"].id: 2, reached["event_b"].id: 1}
    # Per programme: only A is in the convention.
    programme = this_year(reached["programme"])
    assert (programme.member_authorities, programme.member_participants) == (2, 2)
    # Another period: none.
    empty = indicators.compute(indicators.Selection.from_args({"du": "2019-01-01", "au": "2019-12-31"}, None))
    assert (empty.member_authorities, empty.member_participants, empty.members) == (0, 0, [])


def test_the_purge_keeps_the_counts_per_member_without_anyone(reached, members):
    before = this_year()
    assert registrations.purge_personal_data(retention_days=0) == 7
    assert db.session.scalars(select(Registration.member_organisation_id).distinct()).all() == [None]
    kept = {
        (row.event_id, row.member_organisation_id, row.people)
        for row in db.session.scalars(
            select(ReachedOrganisation).where(ReachedOrganisation.member_organisation_id.isnot(None))
        )
    }
    ville, departement = members["ville"].id, members["departement"].id
    assert kept == {
        (reached["event_a"].id, ville, 1),
        (reached["event_a"].id, departement, 1),
        (reached["event_b"].id, ville, 1),
    }
    after = this_year()
    assert (after.member_authorities, after.member_participants, after.members) == (
        before.member_authorities,
        before.member_participants,
        before.members,
    )
    assert [(item.event.id, item.member_participants) for item in after.events] == [
        (item.event.id, item.member_participants) for item in before.events
    ]
    assert indicators.member_year(members["ville"], YEAR)[0].came == 1


def test_a_registrants_own_erasure_keeps_the_count_too(reached, members):
    registrations.erase(reached["confirmed"])
    assert this_year().members == [("Ville d'Exemple", 2, 2), ("Département d'Exemple", 1, 1)]


def test_the_indicators_page_and_exports_give_the_member_figures(reached, client, make_user):
    login(client, make_user("admin"))
    args = f"du={YEAR}-01-01&au={YEAR}-12-31"
    html = client.get(f"/espace/indicateurs?{args}").get_data(as_text=True)
    assert '<th scope="row">Dont collectivités adhérentes</th><td>2</td>' in html
    assert '<th scope="row">Participant·es de collectivités adhérentes</th><td>3</td>' in html
    assert "<caption>Collectivités adhérentes</caption>" in html
    assert '<th scope="row">Ville d&#39;Exemple</th><td>2</td><td>2</td>' in html
    assert "aucun compte" not in html

    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"/espace/indicateurs/export.xlsx?{args}").data))
    summary = {row[0]: row[1] for row in workbook["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert (
        summary["Dont collectivités adhérentes"],
        summary["Participant·es de collectivités adhérentes"],
    ) == (2, 3)
    sheet = list(workbook["Collectivités adhérentes"].iter_rows(values_only=True))
    assert sheet[:3] == [
        ("Collectivité adhérente", "Événements", "Participant·es"),
        ("Ville d'Exemple", 2, 2),
        ("Département d'Exemple", 1, 1),
    ]
    events = list(workbook["Participant·es par événement"].iter_rows(values_only=True))
    assert events[0][-1] == indicators.MEMBER_PARTICIPANTS and [row[-1] for row in events[1:3]] == [2, 1]

    csv = client.get(f"/espace/indicateurs/export.csv?{args}").data.decode("utf-8-sig").splitlines()
    assert csv[0].endswith(";Dont participant·es de collectivités adhérentes")
    assert [line.rsplit(";", 1)[1] for line in csv[1:]] == ["2", "1"]


# --- A member's year --------------------------------------------------------------------------------


def test_a_members_year_lists_its_events_and_counts_and_exports_them(reached, members, client, make_user):
    ville = members["ville"]
    login(client, make_user("admin"))
    page = client.get(f"/espace/adherents/{ville.id}?annee={YEAR}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Commande publique responsable" in html and "Tiers-lieux et ESS" in html
    assert "<strong>2</strong> événements du réseau" in html
    assert "<strong>4</strong> inscriptions, <strong>2</strong> venu·es" in html
    assert EXAMPLE_DOMAIN in html and "a@ville-exemple.fr" not in html  # nobody named

    export = client.get(f"/espace/adherents/{ville.id}/annee.xlsx?annee={YEAR}")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    assert f"adherent-ville-d-exemple-{YEAR}.xlsx" in export.headers["Content-Disposition"]
    rows = list(openpyxl.load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(indicators.MEMBER_YEAR_HEADERS)
    assert [row[1:] for row in rows[1:]] == [
        ("Commande publique responsable", "Webinaire", 2, 1, "oui"),
        ("Tiers-lieux et ESS", "Webinaire", 2, 1, "non"),
    ]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member_year.exported"))
    assert entry.details == {"member_id": ville.id, "member": "Ville d'Exemple", "year": YEAR, "events": 2}

    other_year = client.get(f"/espace/adherents/{ville.id}?annee=2019").get_data(as_text=True)
    assert "Aucune inscription de cette collectivité en 2019" in other_year
    for bad in ("abc", "0000", "99999"):
        refused = client.get(f"/espace/adherents/{ville.id}?annee={bad}")
        assert refused.status_code == 400 and "doit être une année" in refused.get_data(as_text=True)
        assert client.get(f"/espace/adherents/{ville.id}/annee.xlsx?annee={bad}").status_code == 400
    assert client.get("/espace/adherents/999999").status_code == 404


@pytest.mark.parametrize("role", ["coorganiser", "member"])
def test_only_admins_see_a_members_year(reached, members, client, make_user, role):
    ville = members["ville"]
    anonymous = client.get(f"/espace/adherents/{ville.id}")
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/connexion")
    user = make_user(role, clubs=["club-ess-ile-de-france"] if role == "coorganiser" else ())
    login(client, user)
    for path in (f"/espace/adherents/{ville.id}", f"/espace/adherents/{ville.id}/annee.xlsx"):
        response = client.get(path)
        assert response.status_code == 403 and "Commande publique" not in response.get_data(as_text=True)
