"""The IdealCo plugin through the running app: hosted registration, replays, attendance import."""

import html
import io

import pytest
from rtes_idealco.attendance import UnreadableExport, count_present

from rtes_events import indicators
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.registry import by_slug
from tests.conftest import csrf_token, login


@pytest.fixture
def enabled_plugins():
    return "idealco"


def item(**values):
    return {
        "kind": "webinaire",
        "title": "Webinaire IdealCo",
        "start": "2031-03-04",
        "slug": "webinaire",
        **values,
    }


def test_a_hosted_event_registers_on_idealco_and_stays_in_agenda_and_feeds(client, app):
    url = "https://www.idealco.fr/formation/ess-123"
    import_data({"events": [item(registration_provider="idealco", idealco_url=url, start_time="14:00")]})
    page = client.get("/evenements/webinaire/").get_data(as_text=True)
    assert f'href="{url}"' in page and "IdealCo (inscription sur son site)" in page
    assert client.get("/evenements/webinaire/inscription").status_code == 200  # explains, links to IdealCo
    assert "webinaire" in client.get("/evenements/").get_data(as_text=True)
    assert "SUMMARY:Webinaire IdealCo" in client.get("/agenda.ics").get_data(as_text=True)
    with pytest.raises(InvalidImport, match="adresse IdealCo invalide"):
        import_data({"events": [item(idealco_url="ftp://idealco")]})


def test_the_2019_conferences_link_their_replay_on_idealco(client, app):
    from rtes_events.demo.loader import load_demo

    load_demo()
    event = by_slug("2019-11-19-conference-en-ligne-sur-les-spaser")
    assert event.plugin_data["idealco_replay_url"] == "https://www.idealco.fr/"
    page = client.get(f"/evenements/{event.slug}/").get_data(as_text=True)
    assert "Revisionnez-la sur le site d&#39;Ideal Co" in page


def test_count_present_reads_idealco_exports():
    export = "Nom;Prénom;Email;Présent\nA;a;a@x.org;Oui\nB;b;b@x.org;Non\nA;a;A@x.org;oui\nC;c;c@x.org;oui\n"
    assert count_present(export.encode("utf-8-sig")) == 2
    assert count_present("Adresse e-mail\na@x.org\nb@x.org\n".encode("cp1252")) == 2
    with pytest.raises(UnreadableExport, match="aucune colonne"):
        count_present(b"Nom,Pr\xe9nom\nA,a\n")


def test_attendance_import_in_the_workspace(client, make_event, make_user):
    event = make_event(registration_provider="idealco")
    login(client, make_user("admin"))
    assert "Importer les présences d&#39;IdealCo" in client.get(f"/espace/evenements/{event.id}/").get_data(
        as_text=True
    )
    url = f"/espace/idealco/evenements/{event.id}/presences"
    token = csrf_token(client, url)
    empty = client.post(url, data={"csrf_token": token})
    assert empty.status_code == 400 and "Choisissez le fichier CSV." in empty.get_data(as_text=True)
    export = (io.BytesIO(b"Email,Participation\na@x.org,oui\nb@x.org,oui\nc@x.org,non\n"), "export.csv")
    done = client.post(url, data={"csrf_token": token, "export": export}, content_type="multipart/form-data")
    assert done.status_code == 303
    db.session.refresh(event)
    assert event.participants == 2
    assert indicators.attendance(event) == (2, "partner")


def test_outside_ones_scope_no_import(client, make_event, make_user):
    import_data(
        {
            "regions": [{"code": "IDF", "name": "Île-de-France"}],
            "clubs": [{"slug": "club-a", "name": "Club A", "region": "IDF"}],
            "events": [],
        }
    )
    event = make_event(registration_provider="idealco")
    login(client, make_user("coorganiser", clubs=("club-a",)))
    assert client.get(f"/espace/idealco/evenements/{event.id}/presences").status_code == 404


@pytest.mark.parametrize("enabled_plugins", ["none"])
def test_disabled_registration_is_left_to_the_partner_and_no_replay_link(client, make_event):
    event = make_event(
        registration_provider="idealco", plugin_data={"idealco_replay_url": "https://idealco.fr/r"}
    )
    page = client.get(f"/evenements/{event.slug}/").get_data(as_text=True)
    assert "Les inscriptions se font auprès du partenaire" in page and "Ideal Co" not in page
    assert client.get(f"/espace/idealco/evenements/{event.id}/presences").status_code == 404


def test_the_personal_data_page_says_idealco_receives_nothing_from_the_platform(client):
    page = html.unescape(client.get("/donnees-personnelles").get_data(as_text=True))
    assert "<strong>IdealCo</strong> : rien de la plateforme" in page
