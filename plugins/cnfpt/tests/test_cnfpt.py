"""The CNFPT plugin through the running app: code imported and edited, shown, in feeds, asked at
registration, exported, certified; and nothing of it when disabled."""

import html
import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from rtes_events import attestations, clock, registrations
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.registry import by_slug
from tests.conftest import PERSON, csrf_token, login

CNFPT = {"cnfpt_employer": "Ville de Lyon", "cnfpt_category": "B", "cnfpt_position": "Chargée de mission ESS"}


@pytest.fixture
def enabled_plugins():
    return "cnfpt"


@pytest.fixture
def session(make_event):
    return make_event(plugin_data={"cnfpt_code": "SX0042"}, capacity=2)


def item(**values):
    return {
        "kind": "webinaire",
        "title": "Formation ESS",
        "start": "2031-03-04",
        "slug": "formation",
        **values,
    }


def test_the_code_is_imported_and_checked(app):
    import_data({"events": [item(cnfpt_code="SX0042")]})
    assert by_slug("formation").plugin_data == {"cnfpt_code": "SX0042"}
    with pytest.raises(InvalidImport, match="code de session CNFPT invalide"):
        import_data({"events": [item(cnfpt_code="pas un code !")]})
    import_data({"events": [item()]})
    assert by_slug("formation").plugin_data == {}


def test_the_event_page_and_feeds_show_the_session(client, session, make_event):
    page = client.get(f"/evenements/{session.slug}/").get_data(as_text=True)
    assert "<dt>Formation CNFPT</dt>" in page and "Session n° SX0042" in page
    ics = client.get(f"/evenements/{session.slug}.ics").get_data(as_text=True)
    assert "CATEGORIES:Formation CNFPT" in ics and "X-RTES-CNFPT-CODE:SX0042" in ics
    other = make_event()
    assert "CNFPT" not in client.get(f"/evenements/{other.slug}.ics").get_data(as_text=True)
    agenda = client.get("/agenda.ics").get_data(as_text=True)
    assert agenda.count("X-RTES-CNFPT-CODE") == 1


def test_a_changed_code_reaches_the_cached_feed(client, session):
    assert "SX0042" in client.get("/agenda.ics").get_data(as_text=True)
    session.plugin_data = {"cnfpt_code": "SX0043"}
    db.session.commit()
    feed = client.get("/agenda.ics").get_data(as_text=True)
    assert "X-RTES-CNFPT-CODE:SX0043" in feed and "SX0042" not in feed


def test_registration_asks_what_the_cnfpt_needs(client, session):
    url = f"/evenements/{session.slug}/inscription"
    page = client.get(url).get_data(as_text=True)
    assert "Collectivité employeuse" in page and "Élu·e" in page
    data = {**PERSON, "consent": "y", "csrf_token": csrf_token(client, url)}
    missing = client.post(url, data={**data, "cnfpt_category": "D"})
    text = missing.get_data(as_text=True)
    assert missing.status_code == 400
    assert "Indiquez votre collectivité employeuse." in text and "Choisissez votre catégorie" in text
    assert client.post(url, data={**data, **CNFPT}).status_code == 303
    [registration] = session.registrations
    assert registration.plugin_fields == CNFPT


def test_the_service_refuses_without_the_cnfpt_fields(session, make_registration):
    with pytest.raises(registrations.RegistrationRefused) as refused:
        make_registration(session, plugin_fields={"cnfpt_category": "Z"})
    assert refused.value.messages == [
        "Le CNFPT demande votre collectivité employeuse.",
        "Le CNFPT demande votre poste.",
        "Le CNFPT demande votre catégorie : A, B, C ou élu·e.",
    ]


def test_other_events_ask_nothing_more(client, make_event, make_registration):
    event = make_event()
    assert "Collectivité employeuse" not in client.get(f"/evenements/{event.slug}/inscription").get_data(
        as_text=True
    )
    assert make_registration(event).plugin_fields == {}


def past(session, make_registration):
    """``session`` with two registrants, then moved to yesterday with one marked present."""
    present = make_registration(session, email="present@example.org", first_name="Zoé", plugin_fields=CNFPT)
    make_registration(session, email="absent@example.org", plugin_fields=CNFPT)
    session.starts_at = clock.now() - timedelta(days=1)
    session.ends_at = session.starts_at + timedelta(hours=2)
    db.session.commit()
    registrations.mark_attendance(present, True)
    return present


def test_export_in_the_cnfpt_column_order_and_attendance_certificates(
    client, session, make_registration, make_user
):
    past(session, make_registration)
    login(client, make_user("admin"))
    csv = client.get(f"/espace/cnfpt/evenements/{session.id}/export-cnfpt.csv")
    lines = csv.get_data().decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "Code session;Nom;Prénom;Courriel;Collectivité employeuse;Catégorie;Poste;Statut;Inscrit·e le"
    )
    assert (
        lines[1].startswith("SX0042;Martin;")
        and "Ville de Lyon;Catégorie B;Chargée de mission ESS" in lines[1]
    )
    core = client.get(f"/espace/evenements/{session.id}/export.csv").get_data().decode("utf-8-sig")
    assert core.splitlines()[0].endswith(";Collectivité employeuse;Catégorie;Poste")
    attestations.close_attendance(session)  # the core's attestations, with the CNFPT's lines
    pdf = client.get(f"/espace/cnfpt/evenements/{session.id}/attestations.pdf", follow_redirects=True)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (page,) = PdfReader(io.BytesIO(pdf.get_data())).pages  # the present person only
    text = " ".join(page.extract_text().split())
    assert "Session de formation CNFPT : n° SX0042" in text and "Poste : Chargée de mission ESS" in text


def test_no_certificates_before_attendance(client, session, make_user):
    login(client, make_user("admin"))
    pdf = client.get(f"/espace/cnfpt/evenements/{session.id}/attestations.pdf", follow_redirects=True)
    assert pdf.status_code == 409 and "clôturez-les" in pdf.get_data(as_text=True)


def test_the_code_is_edited_in_the_workspace_by_who_may_edit(client, make_event, make_user):
    event = make_event(kind="club")
    page = f"/espace/cnfpt/evenements/{event.id}/"
    login(client, make_user("admin"))
    workspace = client.get(f"/espace/evenements/{event.id}/").get_data(as_text=True)
    assert "Déclarer une session de formation CNFPT" in workspace
    bad = client.post(page, data={"code": "pas un code !", "csrf_token": csrf_token(client, page)})
    assert bad.status_code == 400 and "Le code ne contient que" in bad.get_data(as_text=True)
    saved = client.post(page, data={"code": " SX0099 ", "csrf_token": csrf_token(client, page)})
    assert saved.status_code == 303
    db.session.refresh(event)
    assert event.plugin_data == {"cnfpt_code": "SX0099"}
    assert "SX0099" in client.get(f"/evenements/{event.slug}/").get_data(as_text=True)


def test_outside_ones_scope_the_cnfpt_pages_answer_404(client, session, make_user):
    import_data(
        {
            "regions": [{"code": "IDF", "name": "Île-de-France"}],
            "clubs": [{"slug": "club-a", "name": "Club A", "region": "IDF"}],
            "events": [],
        }
    )
    login(client, make_user("coorganiser", clubs=("club-a",)))
    for url in ("/", "/export-cnfpt.csv", "/attestations.pdf"):
        assert client.get(f"/espace/cnfpt/evenements/{session.id}{url}").status_code == 404
    assert client.post(f"/espace/cnfpt/evenements/{session.id}/", data={"code": "X"}).status_code in (
        400,
        404,
    )


@pytest.mark.parametrize("enabled_plugins", ["none", "idealco,cress"])
def test_disabled_the_plugin_adds_nothing(client, session, enabled_plugins):
    assert "CNFPT" not in client.get(f"/evenements/{session.slug}/").get_data(as_text=True)
    assert "CNFPT" not in client.get(f"/evenements/{session.slug}.ics").get_data(as_text=True)
    assert "Collectivité employeuse" not in client.get(f"/evenements/{session.slug}/inscription").get_data(
        as_text=True
    )
    assert client.get(f"/espace/cnfpt/evenements/{session.id}/").status_code == 404


def test_the_personal_data_page_names_what_goes_to_the_cnfpt(client):
    page = html.unescape(client.get("/donnees-personnelles").get_data(as_text=True))
    assert "<strong>Le CNFPT</strong> : pour chaque inscription à une session de formation CNFPT" in page
    assert "la collectivité employeuse, la catégorie et le poste" in page
