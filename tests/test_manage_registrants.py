"""The registrants of a session in the workspace: list, manual add, cancellation, waiting list,
exports, sign-in sheet, attendance and messages, through the test client with CSRF on."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import AuditEntry, Event, OutboxMessage, Registration
from rtes_events.models.events import fold

from .conftest import OTHER_CLUB, OWN_CLUB, PERSON, csrf_token, login

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server (the service under its locks)
HEADERS = [
    "Nom",
    "Prénom",
    "E-mail",
    "Organisation",
    "Fonction",
    "Statut",
    "Position en liste d'attente",
    "Inscrit·e le",
]


@pytest.fixture
def session(clubs, make_event):
    """An on-site session of the Île-de-France club with three places."""
    return make_event(
        kind="club",
        club=clubs[OWN_CLUB],
        title="Rencontre du club francilien",
        capacity=3,
        mode="onsite",
        venue="Maison de l'ESS",
        city="Paris",
    )


@pytest.fixture
def organiser(client, clubs, make_user):
    user = make_user("coorganiser", clubs=[OWN_CLUB], email="organisatrice@cress-idf.example.org")
    user.name = "Alice Organisatrice"
    db.session.commit()
    login(client, user)
    return user


def people(event, make_registration, *names, **values):
    """Register ``names`` (« Prénom Nom ») to ``event``, in that order."""
    registrations = []
    for name in names:
        first, last = name.split(" ", 1)
        email = f"{fold(first)}.{fold(last)}@example.org".replace(" ", "-")
        registrations.append(
            make_registration(event, email=email, first_name=first, last_name=last, **values)
        )
    return registrations


def post(client, url: str, data: dict | None = None, **kwargs):
    token = csrf_token(client, "/espace/mot-de-passe")
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)


def audit_entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def reload(registration: Registration) -> Registration:
    db.session.expire_all()
    return db.session.get(Registration, registration.id)


def move_to_the_past(event: Event, hours: float = 1) -> None:
    """The session started ``hours`` ago (and ends an hour later than it started)."""
    event.starts_at = clock.now() - timedelta(hours=hours)
    event.ends_at = event.starts_at + timedelta(hours=2)
    db.session.commit()


# List and search


def test_the_list_shows_statuses_positions_counts_and_searches(client, organiser, session, make_registration):
    people(session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin")
    people(session, make_registration, "Denis Roux", "Élise Petit", organisation="Région Île-de-France")
    url = f"/espace/evenements/{session.id}/inscrits"
    page = client.get(url).get_data(as_text=True)
    assert all(name in page for name in ("Bernard", "Dupont", "Martin", "Roux", "Petit"))
    assert "(position 1)" in page and "(position 2)" in page
    assert "3 sur 3 places" in page and "5 inscriptions" in page
    assert f"/espace/evenements/{session.id}/export.xlsx" in page

    page = client.get(url, query_string={"q": "region ile"}).get_data(as_text=True)  # accents ignored
    assert "Roux" in page and "Petit" in page and "Bernard" not in page
    assert "2 inscriptions correspondant à la recherche" in page
    page = client.get(url, query_string={"q": "CHLOE.MARTIN@"}).get_data(as_text=True)
    assert "Martin" in page and "Bernard" not in page
    page = client.get(url, query_string={"statut": "waitlisted"}).get_data(as_text=True)
    assert "Roux" in page and "Petit" in page and "Dupont" not in page
    assert client.get(url, query_string={"statut": "nimporte"}).status_code == 200


# Manual add, cancellation, waiting list


def test_an_organiser_adds_someone_through_the_service_even_when_registration_is_closed(
    client, organiser, session, make_registration, outbox_messages
):
    people(session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin")
    session.registration_closes_at = clock.now() - timedelta(days=1)
    db.session.commit()
    url = f"/espace/evenements/{session.id}/inscrits/ajouter"
    page = client.get(url).get_data(as_text=True)
    assert "vous déclarez qu'elle a accepté" in page and 'name="consent"' not in page

    response = post(client, url, {"email": "pas-une-adresse", "first_name": "Zoé"})
    assert response.status_code == 400
    assert "L&#39;adresse e-mail n&#39;est pas valide" in response.get_data(as_text=True)

    data = {**PERSON, "email": "zoe.lambert@example.org", "first_name": "Zoé", "last_name": "Lambert"}
    del data["consent"]
    response = post(client, url, data)
    assert response.status_code == 303
    added = db.session.scalar(select(Registration).where(Registration.email == "zoe.lambert@example.org"))
    assert added.status == "waitlisted" and added.waitlist_position == 1  # full: the waiting list
    assert added.consent_at is not None
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Inscription de Zoé Lambert en liste d&#39;attente (position 1)" in page
    (entry,) = audit_entries("registration.added")
    assert entry.registration_id == added.id and entry.actor == organiser.email
    assert entry.details == {"status": "waitlisted"}
    mails = [m for m in outbox_messages() if m["To"] == "zoe.lambert@example.org"]
    assert [m["Subject"] for m in mails] == [f"Inscription en liste d'attente : {session.title}"]

    # Submitted again: nothing is created, the link is sent again, nothing is logged.
    assert post(client, url, data).status_code == 303
    assert db.session.scalar(select(func.count()).where(Registration.email == "zoe.lambert@example.org")) == 1
    assert len(audit_entries("registration.added")) == 1


def test_the_services_refusals_other_than_the_window_hold(client, organiser, session):
    session.status = "cancelled"
    db.session.commit()
    url = f"/espace/evenements/{session.id}/inscrits/ajouter"
    assert "Cet événement est annulé" in client.get(url).get_data(as_text=True)
    data = {**PERSON}
    del data["consent"]
    response = post(client, url, data)
    assert response.status_code == 409
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_cancelling_promotes_the_next_in_line(client, organiser, session, make_registration, outbox_messages):
    first, _, _, waiting = people(
        session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin", "Denis Roux"
    )
    assert waiting.status == "waitlisted"
    response = post(client, f"/espace/evenements/{session.id}/inscrits/{first.id}/annuler")
    assert response.status_code == 303
    assert reload(first).status == "cancelled"
    assert reload(waiting).status == "confirmed" and waiting.waitlist_position is None
    (entry,) = audit_entries("registration.cancelled")
    assert entry.registration_id == first.id and entry.event_id == session.id
    subjects = {(m["To"], m["Subject"].split(" :")[0]) for m in outbox_messages()}
    assert (first.email, "Inscription annulée") in subjects
    assert (waiting.email, "Une place s'est libérée, votre inscription est confirmée") in subjects

    again = post(
        client, f"/espace/evenements/{session.id}/inscrits/{first.id}/annuler", follow_redirects=True
    )
    assert "déjà annulée" in again.get_data(as_text=True)
    assert len(audit_entries("registration.cancelled")) == 1


def test_moving_up_the_waiting_list_renumbers_it(client, organiser, session, make_registration):
    session.capacity = 1
    db.session.commit()
    _, second, third, fourth = people(
        session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin", "Denis Roux"
    )
    assert [r.waitlist_position for r in (second, third, fourth)] == [1, 2, 3]
    response = post(client, f"/espace/evenements/{session.id}/inscrits/{fourth.id}/remonter")
    assert response.status_code == 303
    assert [reload(r).waitlist_position for r in (second, third, fourth)] == [1, 3, 2]
    (entry,) = audit_entries("registration.moved_up")
    assert entry.registration_id == fourth.id and entry.details == {"position": 2}

    page = post(
        client, f"/espace/evenements/{session.id}/inscrits/{second.id}/remonter", follow_redirects=True
    ).get_data(as_text=True)
    assert "déjà la première de la liste d&#39;attente" in page
    assert reload(second).waitlist_position == 1 and len(audit_entries("registration.moved_up")) == 1


# Exports


def test_the_csv_export_opens_in_french_excel_and_defuses_formulas(
    client, organiser, session, make_registration
):
    bernard, dupont, _ = people(session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin")
    people(session, make_registration, "Denis Roux", organisation='=HYPERLINK("http://x.example";"clic")')
    people(session, make_registration, "Élise Petit", organisation="@SUM(1+1)")
    post(client, f"/espace/evenements/{session.id}/inscrits/{dupont.id}/annuler")

    response = client.get(f"/espace/evenements/{session.id}/export.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith(
        f'attachment; filename="inscrits-{session.slug}-'
    )
    assert response.headers["Cache-Control"] == "no-store"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf") and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[0] == HEADERS
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Bernard", "Martin", "Roux", "Petit"}  # Dupont cancelled: not exported
    assert by_name["Bernard"][:7] == [
        "Bernard",
        "Amélie",
        bernard.email,
        PERSON["organisation"],
        "Agent·e",
        "Confirmée",
        "",
    ]
    assert by_name["Bernard"][7] == clock.to_local(bernard.created_at).strftime("%d/%m/%Y %H:%M")
    assert by_name["Roux"][3] == '\'=HYPERLINK("http://x.example";"clic")'
    assert by_name["Petit"][3] == "'@SUM(1+1)"
    assert [row[0] for row in rows[1:]] == ["Bernard", "Martin", "Roux", "Petit"]  # places, then the list

    (entry,) = audit_entries("registrants.exported")
    assert entry.event_id == session.id and entry.actor == organiser.email
    assert entry.details == {"format": "csv", "rows": 4}
    assert client.get(f"/espace/evenements/{session.id}/export.pdf").status_code == 404


def test_the_xlsx_export_is_a_real_sheet(client, organiser, session, make_registration):
    people(session, make_registration, "Amélie Bernard", organisation="=1+1")
    people(session, make_registration, "Bruno Dupont", "Chloé Martin", "Denis Roux")
    response = client.get(f"/espace/evenements/{session.id}/export.xlsx")
    assert response.status_code == 200
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADERS
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    assert sheet.column_dimensions["C"].width > len("E-mail")
    assert rows[1][:6] == ("Bernard", "Amélie", "amelie.bernard@example.org", "=1+1", "Agent·e", "Confirmée")
    assert sheet["D2"].data_type == "s"  # text, never a formula
    assert rows[4][5] == "En liste d'attente" and rows[4][6] == 1
    assert rows[1][7].year == clock.local_today().year  # a real date, Paris time
    assert audit_entries("registrants.exported")[0].details == {"format": "xlsx", "rows": 4}


class EmployerColumn:
    @hookimpl
    def rtes_export_columns(self, event):
        return [("Code session", lambda registration: f"S-{event.id}"), ("Employeur", self.employer)]

    @staticmethod
    def employer(registration):
        return registration.plugin_fields.get("employer") or None


def test_hook_rtes_export_columns(app, client, organiser, session, make_registration):
    app.extensions["rtes_plugins"].register(EmployerColumn(), name="employer-column")
    people(session, make_registration, "Amélie Bernard", plugin_fields={"employer": "-Mairie de Lyon"})
    people(session, make_registration, "Bruno Dupont")
    body = client.get(f"/espace/evenements/{session.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body, newline=""), delimiter=";"))
    assert rows[0] == [*HEADERS, "Code session", "Employeur"]
    assert rows[1][-2:] == [f"S-{session.id}", "'-Mairie de Lyon"]
    assert rows[2][-2:] == [f"S-{session.id}", ""]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/espace/evenements/{session.id}/export.xlsx").data)
    ).active
    assert [cell.value for cell in sheet[1]][-2:] == ["Code session", "Employeur"]
    assert [cell.value for cell in sheet[2]][-2:] == [f"S-{session.id}", "-Mairie de Lyon"]
    assert sheet.cell(3, len(HEADERS) + 2).value is None


# Sign-in sheet


def test_the_sign_in_sheet_lists_the_confirmed_by_name(client, organiser, session, make_registration):
    people(session, make_registration, "Chloé Martin", "Amélie Zola", "Bruno Dupont", "Denis Abel")
    page = client.get(f"/espace/evenements/{session.id}/emargement").get_data(as_text=True)
    assert "Feuille d&#39;émargement" in page and session.title in page
    assert "Maison de l&#39;ESS, Paris" in page and "Club ESS Île-de-France" in page
    order = [page.index(name) for name in ("Dupont", "Martin", "Zola")]
    assert order == sorted(order)
    assert "Abel" not in page  # on the waiting list
    assert '<th scope="col" class="signature">Signature</th>' in page
    assert audit_entries("registrants.exported")[0].details == {"format": "émargement", "rows": 3}


# Attendance


def test_attendance_is_refused_before_the_start(client, organiser, session, make_registration):
    (registration,) = people(session, make_registration, "Amélie Bernard")
    url = f"/espace/evenements/{session.id}/presences"
    response = client.get(url)
    assert response.status_code == 200 and 'value="present"' not in response.get_data(as_text=True)
    assert "Les présences se relèvent à partir du début de l&#39;événement" in response.get_data(as_text=True)
    response = post(client, url, {"registration": registration.id, "presence": "present"})
    assert response.status_code == 409
    assert reload(registration).status == "confirmed" and not audit_entries("registration.attendance")


def test_attendance_after_the_start_sets_the_reported_participants(
    client, organiser, session, make_registration
):
    bernard, dupont, martin, roux = people(
        session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin", "Denis Roux"
    )
    move_to_the_past(session)
    url = f"/espace/evenements/{session.id}/presences"
    page = client.get(url).get_data(as_text=True)
    assert "Bernard" in page and "Roux" not in page  # the waiting list does not sign
    assert 'value="present"' in page and 'value="absent"' in page

    response = post(client, url, {"registration": bernard.id, "presence": "present"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#inscription-{bernard.id}")
    post(client, url, {"registration": dupont.id, "presence": "absent"})
    assert reload(bernard).status == "attended" and reload(dupont).status == "absent"
    event = db.session.get(Event, session.id)
    assert event.participants == 1 and event.participants_note == "présences relevées"

    post(client, url, {"presence": "tous"})  # the unmarked only: Martin
    assert reload(martin).status == "attended" and reload(dupont).status == "absent"
    assert db.session.get(Event, session.id).participants == 2
    post(client, url, {"registration": dupont.id, "presence": "present"})  # corrected
    assert db.session.get(Event, session.id).participants == 3

    page = post(client, url, {"registration": roux.id, "presence": "present"}, follow_redirects=True)
    assert "Seules les inscriptions confirmées" in page.get_data(as_text=True)
    assert reload(roux).status == "waitlisted"
    assert post(client, url, {"presence": "peut-etre"}).status_code == 400
    entries = audit_entries("registration.attendance")
    assert [e.details for e in entries] == [
        {"present": True},
        {"present": False},
        {"present": True, "count": 1},
        {"present": True},
    ]


# Messages


def test_a_message_is_previewed_then_sent_through_the_outbox(
    client, organiser, session, make_registration, outbox_messages
):
    people(session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin", "Denis Roux")
    outbox_messages()  # the confirmations, out of the way
    sent_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    url = f"/espace/evenements/{session.id}/message"
    assert "Prévisualiser" in client.get(url).get_data(as_text=True)
    data = {
        "audience": "confirmed",
        "subject": "Programme de la rencontre",
        "body": "Bonjour à toutes et tous,\r\n\r\nLe programme est en ligne.\r\nÀ bientôt <b>!</b>",
    }
    preview = post(client, url, {**data, "step": "preview"})
    assert preview.status_code == 200
    page = preview.get_data(as_text=True)
    assert "Envoyer à 3 personnes" in page and "Alice Organisatrice" in page
    assert "Le programme est en ligne." in page and "&lt;b&gt;!&lt;/b&gt;" in page
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == sent_before  # nothing sent yet

    response = post(client, url, {**data, "step": "send"})
    assert response.status_code == 303
    mails = [m for m in outbox_messages() if m["Subject"] == "Programme de la rencontre"]
    assert sorted(m["To"] for m in mails) == [
        "amelie.bernard@example.org",
        "bruno.dupont@example.org",
        "chloe.martin@example.org",
    ]
    mail = next(m for m in mails if m["To"] == "amelie.bernard@example.org")
    assert mail["Reply-To"] == organiser.email
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    assert "Alice Organisatrice (organisatrice@cress-idf.example.org), qui organise" in text
    assert session.title in text and "Le programme est en ligne.\nÀ bientôt <b>!</b>" in text
    token = db.session.scalar(select(Registration.token).where(Registration.email == mail["To"]))
    assert (
        f"http://rtes.test/inscription/{token}/" in text and f"http://rtes.test/inscription/{token}/" in html
    )
    assert "À bientôt &lt;b&gt;!&lt;/b&gt;" in html and "Alice Organisatrice" in html

    (entry,) = audit_entries("registrants.messaged")
    assert entry.details == {"count": 3, "subject": "Programme de la rencontre", "audience": "confirmed"}
    assert "@" not in str(entry.details)


def test_a_message_to_the_waiting_list_and_bad_input(
    client, organiser, session, make_registration, outbox_messages
):
    people(session, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin", "Denis Roux")
    url = f"/espace/evenements/{session.id}/message"
    response = post(client, url, {"audience": "tout-le-monde", "subject": "", "body": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "Le champ « Objet » est obligatoire." in page
        and "Choisissez les destinataires dans la liste." in page
    )
    edit = post(
        client, url, {"audience": "waitlisted", "subject": "Liste", "body": "Patience", "step": "edit"}
    )
    assert edit.status_code == 200 and "Patience</textarea>" in edit.get_data(as_text=True)
    post(client, url, {"audience": "waitlisted", "subject": "Liste d'attente", "body": "Patience."})
    assert [m["To"] for m in outbox_messages() if m["Subject"] == "Liste d'attente"] == [
        "denis.roux@example.org"
    ]


def test_a_message_with_nobody_to_receive_it_is_refused(client, organiser, session):
    response = post(
        client, f"/espace/evenements/{session.id}/message", {"audience": "both", "subject": "S", "body": "B"}
    )
    assert response.status_code == 409 and "Aucun destinataire" in response.get_data(as_text=True)
    assert not audit_entries("registrants.messaged")


# Rights and CSRF (the full matrix is in test_workspace_rights.py)


def test_a_co_organiser_of_another_club_gets_404_and_changes_nothing(
    client, clubs, make_event, make_registration, make_user
):
    other = make_event(kind="club", club=clubs[OTHER_CLUB], title="Session de Nouvelle-Aquitaine", capacity=1)
    first, waiting, second_waiting = people(
        other, make_registration, "Amélie Bernard", "Bruno Dupont", "Chloé Martin"
    )
    move_to_the_past(other, hours=0.5)
    login(client, make_user("coorganiser", clubs=[OWN_CLUB]))
    base = f"/espace/evenements/{other.id}"
    gets = [
        "/inscrits",
        "/inscrits/ajouter",
        "/export.csv",
        "/export.xlsx",
        "/emargement",
        "/presences",
        "/message",
    ]
    for path in gets:
        response = client.get(base + path)
        assert response.status_code == 404, path
        assert "Bernard" not in response.get_data(as_text=True)
    posts = {
        "/inscrits/ajouter": {**PERSON, "email": "intrus@example.org"},
        f"/inscrits/{first.id}/annuler": {},
        f"/inscrits/{second_waiting.id}/remonter": {},
        "/presences": {"registration": first.id, "presence": "absent"},
        "/message": {"audience": "both", "subject": "Intrus", "body": "Intrus"},
    }
    outbox_before = db.session.scalar(select(func.count(OutboxMessage.id)))
    for path, data in posts.items():
        assert post(client, base + path, data).status_code == 404, path
    db.session.expire_all()
    assert [r.status for r in (reload(first), reload(waiting), reload(second_waiting))] == [
        "confirmed",
        "waitlisted",
        "waitlisted",
    ]
    assert reload(second_waiting).waitlist_position == 2
    assert db.session.scalar(select(func.count(Registration.id))) == 3
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == outbox_before
    assert db.session.scalar(select(func.count(AuditEntry.id))) == 0


def test_posts_need_the_csrf_token(client, organiser, session, make_registration):
    (registration,) = people(session, make_registration, "Amélie Bernard")
    response = client.post(f"/espace/evenements/{session.id}/inscrits/{registration.id}/annuler")
    assert response.status_code == 400
    assert reload(registration).status == "confirmed"
