"""Satisfaction questionnaires: sent once to those who came, answered once per link, anonymous."""

import io
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import select

from rtes_events import clock, indicators, registrations
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, SurveyAnswer, SurveyInvitation

from .conftest import csrf_token, login


@pytest.fixture
def past_events(app, make_event, make_registration):
    """A marked event (A present, B absent, C confirmed but unmarked) and an unmarked one (D)."""
    marked, unmarked = make_event(title="Relevé"), make_event(title="Non relevé")
    a = make_registration(marked, email="a@example.org", first_name="Alice")
    b = make_registration(marked, email="b@example.org")
    make_registration(marked, email="c@example.org")
    make_registration(unmarked, email="d@example.org", first_name="Dominique")
    start = clock.now() - timedelta(days=2)
    for event in (marked, unmarked):
        event.starts_at, event.ends_at = start, start + timedelta(hours=2)
    db.session.commit()
    registrations.mark_attendance(a, True)
    registrations.mark_attendance(b, False)
    return marked, unmarked


def survey_links(messages) -> dict[str, str]:
    found = {}
    for message in messages:
        if message["Subject"].startswith("Votre avis sur"):
            text = message.get_body(("plain",)).get_content()
            found[message["To"]] = re.search(r"http://rtes\.test(/questionnaire/[^/\s]+/)", text)[1]
            assert not any(part.get_content_type() == "text/calendar" for part in message.walk())
    return found


def test_the_command_sends_to_those_who_came_once(past_events, runner, outbox_messages):
    result = runner.invoke(args=["send-surveys", "--days", "7"])
    assert result.exit_code == 0, result.output
    assert "2 questionnaire(s) mis en file d'envoi (2 événement(s))" in result.output
    links = survey_links(outbox_messages())
    assert set(links) == {"a@example.org", "d@example.org"}
    again = runner.invoke(args=["send-surveys"])
    assert "0 questionnaire(s)" in again.output
    assert len(survey_links(outbox_messages())) == 2
    assert runner.invoke(args=["send-surveys", "--days", "1"]).output.startswith("0 questionnaire(s)")


def test_a_questionnaire_is_answered_once_and_anonymously(past_events, runner, client, outbox_messages):
    marked, _ = past_events
    runner.invoke(args=["send-surveys"])
    link = survey_links(outbox_messages())["a@example.org"]
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Votre avis sur « Relevé »" in page.get_data(as_text=True)
    token = csrf_token(client, link)
    assert client.post(link, data={"overall": "5", "useful": "4"}).status_code == 400  # no CSRF token
    early = client.get(link + "merci")  # nothing answered yet: back to the questionnaire
    assert early.status_code == 303 and early.headers["Location"] == link
    wrong = client.post(link, data={"overall": "7", "csrf_token": token})
    assert wrong.status_code == 422 and "Choisissez une note de 1 à 5." in wrong.get_data(as_text=True)
    done = client.post(
        link, data={"overall": "5", "useful": "4", "comment": " Très utile ", "csrf_token": token}
    )
    assert done.status_code == 303 and done.headers["Location"] == link + "merci"
    thanks = client.get(done.headers["Location"])  # reached by GET: a reload sends nothing again
    assert thanks.status_code == 200 and "Merci pour votre réponse" in thanks.get_data(as_text=True)
    assert thanks.headers["Cache-Control"] == "no-store"
    second = client.post(link, data={"overall": "1", "csrf_token": token})
    assert second.status_code == 410
    assert "déjà été envoyée" in second.get_data(as_text=True)
    assert client.get(link).status_code == 410
    answer = db.session.scalar(select(SurveyAnswer))
    assert (answer.event_id, answer.overall, answer.useful, answer.speakers, answer.comment) == (
        marked.id,
        5,
        4,
        None,
        "Très utile",
    )
    assert not {"registration_id", "email", "created_at"} & set(SurveyAnswer.__table__.columns.keys())
    assert db.session.scalars(select(SurveyInvitation.answered)).all().count(True) == 1
    assert client.get("/questionnaire/inconnu/").status_code == 404

    start, end = clock.local_today() - timedelta(days=10), clock.local_today()
    report = indicators.compute(indicators.Selection(start, end))
    assert report.totals["survey_answers"] == 1
    (item, marks), *_ = report.satisfaction_events
    assert (item.event.id, marks["answers"], marks["overall"], marks["speakers"]) == (marked.id, 1, 5.0, None)


def test_nothing_is_sent_to_someone_erased_meanwhile(past_events, runner, outbox_messages):
    runner.invoke(args=["send-surveys"])
    alice = db.session.scalar(select(SurveyInvitation)).registration
    registrations.erase(alice)
    assert set(survey_links(outbox_messages())) == {"d@example.org"}


def test_organisers_send_it_from_the_event_page(past_events, client, make_user, outbox_messages):
    _, unmarked = past_events
    login(client, make_user("admin"))
    page = f"/espace/evenements/{unmarked.id}/"
    assert "Envoyer le questionnaire" in client.get(page).get_data(as_text=True)
    response = client.post(
        f"/espace/evenements/{unmarked.id}/questionnaire", data={"csrf_token": csrf_token(client, page)}
    )
    assert response.status_code == 303
    assert set(survey_links(outbox_messages())) == {"d@example.org"}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "surveys.sent"))
    assert entry.details == {"count": 1}


def test_organisers_read_the_comments_with_their_marks_as_text(past_events, clubs, client, make_user):
    """On the event's questionnaire page (its organisers only) and in the indicators' XLSX: the
    comment is text, escaped on the page, never a formula in the spreadsheet."""
    marked, unmarked = past_events
    hostile = '<script>alert("x")</script> =HYPERLINK("https://mal.example")'
    db.session.add_all(
        [
            SurveyAnswer(event_id=marked.id, overall=5, useful=4, comment="Très utile\nMerci"),
            SurveyAnswer(event_id=marked.id, overall=2, comment=hostile),
            SurveyAnswer(event_id=marked.id, speakers=3),
        ]
    )
    db.session.commit()
    url = f"/espace/evenements/{marked.id}/questionnaire"
    login(client, make_user("coorganiser", clubs=("club-ess-ile-de-france",)))
    assert client.get(url).status_code == 404  # not an event this co-organiser manages
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/espace/")})
    login(client, make_user("admin"))
    event_page = client.get(f"/espace/evenements/{marked.id}/").get_data(as_text=True)
    assert f'href="{url}">Lire les réponses et les commentaires</a>' in event_page
    page = client.get(url).get_data(as_text=True)
    assert "Notes moyennes (3 réponses)" in page and "<td>3.5</td>" in page
    assert "Très utile\nMerci" in page and "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "Aucune réponse pour l'instant." in client.get(
        f"/espace/evenements/{unmarked.id}/questionnaire"
    ).get_data(as_text=True)

    start, end = clock.local_today() - timedelta(days=10), clock.local_today()
    response = client.get(f"/espace/indicateurs/export.xlsx?du={start}&au={end}")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["Commentaires des questionnaires"]
    rows = list(sheet.iter_rows(min_row=2, max_row=3))
    assert [row[1].value for row in rows] == ["Relevé", "Relevé"]
    assert [(row[2].value, row[-1].value) for row in rows] == [(5, "Très utile\nMerci"), (2, hostile)]
    assert rows[1][-1].data_type == "s"  # text, not a formula
