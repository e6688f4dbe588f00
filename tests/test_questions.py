"""The organisers' questions: the workspace pages, the registration form's answers and their checks,
counts and exports, the person's own page and data, erasure and the sensitive answers' purge, import."""

import csv
import html
import io
import json
import re
from datetime import timedelta

import openpyxl
import pytest
from sqlalchemy import func, select
from wtforms import StringField

from rtes_events import clock, questions, registrations
from rtes_events.checks import InvalidImport
from rtes_events.extensions import db
from rtes_events.forms.fields import required
from rtes_events.hookspecs import hookimpl
from rtes_events.importer import import_data
from rtes_events.models import Answer, AuditEntry, Event, Question, Registration

from .conftest import OWN_CLUB, PERSON, csrf_token, login

BOTH_DATABASES = True


@pytest.fixture
def rencontre(clubs, make_event):
    """An on-site club session asking lunch, dietary needs (and allergies), accessibility, a number."""
    event = make_event(kind="club", club=clubs[OWN_CLUB], mode="onsite", title="Rencontre régionale")
    for key in ("dejeuner", "regime", "accessibilite"):
        questions.add_preset(event, key)
    questions.add(event, {"label": "Nombre d'accompagnant·es", "type": "nombre"})
    event.questions[0].required = True
    db.session.commit()
    return event


def ids(event) -> dict[str, int]:
    return {question.preset or "nombre": question.id for question in event.questions}


def form_data(client, event, **answers) -> dict:
    """A complete registration POST with ``answers`` by preset key (``nombre`` for the number)."""
    url = f"/evenements/{event.slug}/inscription"
    data = {**PERSON, "consent": "y", "csrf_token": csrf_token(client, url)}
    for key, value in answers.items():
        data[f"question-{ids(event)[key]}"] = value
    return data


def register(client, event, **answers):
    return client.post(f"/evenements/{event.slug}/inscription", data=form_data(client, event, **answers))


@pytest.fixture
def organiser(client, clubs, make_user):
    user = make_user("coorganiser", clubs=[OWN_CLUB])
    login(client, user)
    return user


def post(client, url: str, data: dict | None = None):
    return client.post(url, data={"csrf_token": csrf_token(client, "/espace/mot-de-passe"), **(data or {})})


def test_the_form_asks_the_questions_with_the_health_notice_and_stores_the_answers(
    client, rencontre, outbox_messages
):
    page = client.get(f"/evenements/{rencontre.slug}/inscription").get_data(as_text=True)
    assert "Questions des organisateurs" in page and "Je déjeunerai sur place" in page
    assert "Sans gluten" in page and "Boucle magnétique" in page
    assert page.count("peut révéler une information de santé") == 4  # diet, allergies, access, details
    assert "effacée 30 jours après" in page
    response = register(client, rencontre, dejeuner="oui", regime=["Végétarien", "Sans gluten"], nombre="2")
    assert response.status_code == 303
    registration = db.session.scalar(select(Registration))
    given = {answer.question.preset or "nombre": answer.value for answer in registration.answers}
    assert given == {"dejeuner": True, "regime": ["Végétarien", "Sans gluten"], "nombre": 2}
    [confirmation] = outbox_messages()
    for body in (
        confirmation.get_body(("plain",)).get_content(),
        confirmation.get_body(("html",)).get_content(),
    ):
        assert "Je déjeunerai sur place : Oui" in body or "Je déjeunerai sur place</th><td>Oui" in body
        assert "ne sont pas recopiées dans les e-mails" in body and "Sans gluten" not in body  # sensitive


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({}, "Répondez à la question « Je déjeunerai sur place »."),
        ({"dejeuner": "peut-être"}, "Répondez par oui ou par non"),
        ({"dejeuner": "oui", "regime": "Végétalien"}, "Choisissez une réponse proposée"),
        ({"dejeuner": "oui", "nombre": "99999999999999999999999"}, "attend un nombre entre 0 et 1 000 000"),
        ({"dejeuner": "oui", "nombre": "<b>2</b>"}, "attend un nombre entier"),
        ({"dejeuner": "oui", "allergies": "a" * 10_000}, "ne doit pas dépasser 500 caractères"),
    ],
)
def test_bad_answers_are_refused_in_french_and_nothing_is_stored(client, rencontre, answers, message):
    response = register(client, rencontre, **answers)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 0


def test_a_nul_or_an_answer_to_another_events_question_is_refused(client, rencontre, make_event):
    assert register(client, rencontre, dejeuner="oui", allergies="noix\x00").status_code == 400
    other = make_event(title="Autre session")
    foreign = questions.add(other, {"label": "Question d'ailleurs", "type": "texte"})
    db.session.commit()
    data = {**form_data(client, rencontre, dejeuner="oui"), f"question-{foreign.id}": "forgée"}
    response = client.post(f"/evenements/{rencontre.slug}/inscription", data=data)
    assert response.status_code == 400
    assert "pas posée pour cet événement" in response.get_data(as_text=True)
    with pytest.raises(registrations.RegistrationRefused):  # the service refuses it too
        registrations.register(rencontre, {**PERSON, "answers": {foreign.id: "forgée"}})
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_a_question_of_one_mode_is_asked_of_that_mode_only(app, make_event):
    from wtforms import RadioField
    from wtforms.fields.choices import SelectChoice

    from rtes_events.forms.questions import AnswersForm, with_questions

    event = make_event(mode="hybrid", capacity=10)
    questions.add_preset(event, "dejeuner")
    lunch = event.questions[0]
    lunch.required = True
    db.session.commit()
    assert lunch.mode == "onsite"
    assert questions.asked(event, "remote") == [] and questions.asked(event, "onsite") == [lunch]
    assert questions.asked(event, None) == [lunch]  # mode not chosen yet: the form shows it, with its hint

    class ModeForm(AnswersForm):  # the form's `mode` radio (as the registration form has it)
        mode = RadioField(choices=[SelectChoice("onsite", "Sur place"), SelectChoice("remote", "À distance")])

    form_class = with_questions(ModeForm, event, event.questions)
    with app.test_request_context(method="POST", data={"mode": "remote", f"question-{lunch.id}": "oui"}):
        form = form_class(meta={"csrf": False})
        assert form.validate() and form.answers() == {}  # answered by a remote registrant: ignored
    with app.test_request_context(method="POST", data={"mode": "onsite"}):
        form = form_class(meta={"csrf": False})
        assert not form.validate()  # required of those on site
    data = {**PERSON, "mode": "onsite", "answers": {lunch.id: True}}
    registration = registrations.register(event, data).registration
    assert questions.summary(event)[0] == "1 déjeuner"
    registration.mode = "remote"  # switched to remote since: their lunch is no longer counted
    db.session.commit()
    assert questions.summary(event)[0] == "0 déjeuner"


def test_organisers_manage_questions_with_the_audit_log(client, organiser, rencontre, make_registration):
    base = f"/espace/evenements/{rencontre.id}/questions"
    page = client.get(base).get_data(as_text=True)
    assert "Besoins alimentaires" in page and "Ajouter « Comment avez-vous connu" in page
    assert post(client, base + "/modeles", {"modele": "regime"}).status_code == 303  # already there
    assert len(rencontre.questions) == 6
    response = post(
        client, base + "/nouvelle", {"label": "Atelier préféré", "type": "choix", "choices": "A\nA"}
    )
    assert response.status_code == 400 and "Deux réponses proposées sont identiques" in response.get_data(
        as_text=True
    )
    response = post(
        client, base + "/nouvelle", {"label": "<b>Atelier</b>", "type": "choix", "choices": "A\nB"}
    )
    assert response.status_code == 303
    assert post(client, base + "/nouvelle", {"label": "x" * 10_000, "type": "texte"}).status_code == 400
    assert (
        post(client, base + "/nouvelle", {"label": "Mode", "type": "texte", "mode": "remote"}).status_code
        == 400
    )
    assert "&lt;b&gt;Atelier" in client.get(base).get_data(as_text=True)

    registration = make_registration(rencontre, answers={ids(rencontre)["regime"]: ["Sans porc"]})
    regime = db.session.get(Question, ids(rencontre)["regime"])
    edit = f"{base}/{regime.id}/modifier"
    assert "1 personne a déjà répondu" in client.get(edit).get_data(as_text=True)
    data = {"label": "Régime", "type": "choix-multiples", "choices": "Végétarien\nHalal", "sensitive": "y"}
    assert post(client, edit, data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Registration, registration.id).answers[0].value == ["Sans porc"]  # kept

    assert post(client, f"{base}/{regime.id}/deplacer", {"sens": "monter"}).status_code == 303
    db.session.expire_all()
    assert [q.preset for q in db.session.get(Event, rencontre.id).questions][:2] == ["regime", "dejeuner"]
    assert post(client, f"{base}/{regime.id}/deplacer", {"sens": "ailleurs"}).status_code == 400

    confirm = client.get(f"{base}/{regime.id}/supprimer").get_data(as_text=True)
    assert "1 réponse à cette question sera effacée" in confirm
    assert post(client, f"{base}/{regime.id}/supprimer").status_code == 303
    assert db.session.get(Question, regime.id) is None
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.event_id == rencontre.id)).all()
    assert {"question.added", "question.updated", "question.moved", "question.removed"} <= set(actions)


def test_organisers_read_the_counts_answers_and_exports(client, organiser, rencontre):
    for n, (lunch, diet) in enumerate([("oui", ["Végétarien"]), ("oui", []), ("non", ["Végétarien"])]):
        data = form_data(
            client, rencontre, dejeuner=lunch, regime=diet, accessibilite=["Boucle magnétique"] * (n == 0)
        )
        data["email"] = f"p{n}@example.org"
        assert client.post(f"/evenements/{rencontre.slug}/inscription", data=data).status_code == 303
    page = html.unescape(client.get(f"/espace/evenements/{rencontre.id}/inscrits").get_data(as_text=True))
    assert "2 déjeuners, dont 1 végétarien" in page and "1 besoin d'accessibilité" in page
    assert "Besoins alimentaires : Végétarien 2" in page and "Boucle magnétique" in page
    rows = list(
        csv.reader(
            io.StringIO(client.get(f"/espace/evenements/{rencontre.id}/export.csv").data.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    header = rows[0]
    assert header[8:11] == [
        "Je déjeunerai sur place",
        "Besoins alimentaires",
        "Allergies ou autre besoin alimentaire à préciser",
    ]
    assert sorted(row[8] for row in rows[1:]) == ["Non", "Oui", "Oui"]
    sheet = openpyxl.load_workbook(
        io.BytesIO(client.get(f"/espace/evenements/{rencontre.id}/export.xlsx").data)
    )
    assert [list(row[8:10]) for row in sheet.active.iter_rows(values_only=True)] == [
        header[8:10],
        *([row[8], row[9] or None] for row in rows[1:]),
    ]


def test_the_person_sees_changes_downloads_and_erases_their_answers(client, rencontre, make_registration):
    registration = make_registration(rencontre, answers={ids(rencontre)["dejeuner"]: True})
    url = f"/inscription/{registration.token}/"
    page = client.get(url).get_data(as_text=True)
    assert "Vos réponses aux questions des organisateurs" in page
    token = csrf_token(client, url)
    field = f"question-{ids(rencontre)['dejeuner']}"
    bad = client.post(url + "reponses", data={"csrf_token": token, field: "peut-être"})
    assert bad.status_code == 400 and "Répondez par oui ou par non" in bad.get_data(as_text=True)
    data = {"csrf_token": token, field: "non", f"question-{ids(rencontre)['regime']}": "Sans porc"}
    assert client.post(url + "reponses", data=data).status_code == 303
    document = json.loads(client.get(url + "donnees").data)
    assert document["inscriptions"][0]["reponses_aux_questions"] == [
        {"question": "Je déjeunerai sur place", "reponse": "Non"},
        {"question": "Besoins alimentaires", "reponse": "Sans porc"},
    ]
    rencontre.registration_closes_at = clock.now() - timedelta(minutes=1)
    db.session.commit()
    closed = client.get(url).get_data(as_text=True)
    assert "Les inscriptions sont closes." in closed and "Enregistrer mes réponses" not in closed
    assert client.post(url + "reponses", data=data).status_code == 303  # refused, told on the page
    registrations.erase(db.session.get(Registration, registration.id))
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_sensitive_answers_are_erased_after_their_retention_the_rest_later(app, rencontre, make_registration):
    make_registration(
        rencontre, answers={ids(rencontre)["dejeuner"]: True, ids(rencontre)["regime"]: ["Sans porc"]}
    )
    assert registrations.purge_sensitive_answers(30) == 0  # the event is ahead
    rencontre.starts_at, rencontre.ends_at = (
        clock.now() - timedelta(days=40, hours=2),
        clock.now() - timedelta(days=40),
    )
    db.session.commit()
    from rtes_events import worker

    worker.one_pass()  # the worker erases what is due (RTES_SENSITIVE_RETENTION_DAYS: 30)
    [kept] = db.session.scalars(select(Answer)).all()
    assert kept.value is True  # lunch is not sensitive: kept with the registration
    assert registrations.purge_personal_data(30) == 1
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_import_questions_is_idempotent_and_matched_by_label(app):
    def data(questions_list):
        event = {
            "kind": "rencontre",
            "title": "Rencontre",
            "start": "2030-03-05",
            "start_time": "09:30",
            "end_time": "17:00",
            "mode": "hybrid",
            "slug": "rencontre",
            "questions": questions_list,
        }
        return {"events": [event]}

    items = [
        {"label": "Je déjeunerai sur place", "type": "oui-non", "required": True, "mode": "sur-place"},
        {
            "label": "Besoins d'accessibilité",
            "type": "choix-multiples",
            "choices": ["Fauteuil roulant", "Autre"],
        },
        {"label": "Vos allergies", "type": "texte", "mode": "sur-place"},
    ]
    assert import_data(data(items)).created == ["rencontre"]
    assert import_data(data(items)).unchanged == ["rencontre"]
    event = db.session.scalar(select(Event).where(Event.slug == "rencontre"))
    lunch, access, allergies = event.questions
    assert (lunch.mode, lunch.required, lunch.sensitive, lunch.preset) == ("onsite", True, False, "dejeuner")
    assert access.sensitive and access.preset == "accessibilite" and allergies.sensitive  # by its words
    registrations.register(event, {**PERSON, "mode": "remote", "answers": {access.id: ["Autre"]}})
    items[1]["help"] = "Précisez."
    assert import_data(data(list(reversed(items[:2])))).updated == ["rencontre"]
    db.session.expire_all()
    assert [q.label for q in event.questions] == ["Besoins d'accessibilité", "Je déjeunerai sur place"]
    assert db.session.scalar(select(Answer.value)) == ["Autre"]  # kept with its question
    bad = data([{"label": "Déjeuner", "type": "oui-non", "mode": "sur-site"}])
    with pytest.raises(InvalidImport, match="mode inconnu"):
        import_data(bad)
    with pytest.raises(InvalidImport, match="au moins deux réponses"):
        import_data(data([{"label": "Choix", "type": "choix", "choices": ["seul"]}]))
    with pytest.raises(InvalidImport, match="Type de question inconnu"):
        import_data(data([{"label": "Liste", "type": ["texte"], "mode": None}]))
    with pytest.raises(InvalidImport, match="mode inconnu"):
        import_data(data([{"label": "Liste", "type": "texte", "mode": ["sur-place"]}]))


def test_the_demo_rencontre_asks_lunch_diet_and_accessibility(app):
    from rtes_events.demo.loader import load_demo

    load_demo()
    event = db.session.scalar(select(Event).where(Event.slug == "exemple-rencontre-nationale-alimentation"))
    assert [q.preset for q in event.questions] == [
        "dejeuner",
        "regime",
        "allergies",
        "accessibilite",
        "accessibilite-precision",
    ]
    assert [q.sensitive for q in event.questions] == [False, True, True, True, True]
    assert re.search("déjeuner", "\n".join(questions.summary(event)))


class EmployerField:
    """A partner's required field (as the CNFPT's), beside the organisers' questions."""

    @hookimpl
    def rtes_registration_fields(self, event):
        return [("employer", StringField("Employeur", validators=[required("Employeur")]))]


def test_partner_fields_stay_required_beside_the_questions(app, client, rencontre):
    app.extensions["rtes_plugins"].register(EmployerField(), name="employer")
    page = client.get(f"/evenements/{rencontre.slug}/inscription").get_data(as_text=True)
    assert "Employeur" in page and "Je déjeunerai sur place" in page
    response = register(client, rencontre)
    body = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 400
    assert (
        "Le champ « Employeur » est obligatoire." in body and "Répondez à la question « Je déjeunerai" in body
    )
    data = {**form_data(client, rencontre, dejeuner="non"), "employer": "Ville de Lyon"}
    assert client.post(f"/evenements/{rencontre.slug}/inscription", data=data).status_code == 303
    registration = db.session.scalar(select(Registration))
    assert registration.plugin_fields == {"employer": "Ville de Lyon"}
    assert [answer.value for answer in registration.answers] == [False]
