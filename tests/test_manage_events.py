"""Managing sessions in the workspace, through the test client with CSRF on: create, edit, publish,
postpone, cancel, duplicate; scoped rights; French messages on bad input; the registrants told."""

import html
import re
from datetime import time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.formatting import when
from rtes_events.importer import import_data
from rtes_events.models import AuditEntry, Club, Event

from .conftest import OTHER_CLUB, OWN_CLUB, csrf_token, login

IDF, NAQ = OWN_CLUB, OTHER_CLUB
DAY = clock.local_today() + timedelta(days=30)
FORM = {
    "kind": "club",
    "club": IDF,
    "title": "Commande publique responsable",
    "summary": "Retours d'expérience des collectivités franciliennes.",
    "description": "Une séance **pratique**.",
    "date": DAY.isoformat(),
    "start_time": "14:00",
    "end_time": "16:00",
    "mode": "online",
    "online_url": "https://visio.example.org/salle",
    "capacity": "30",
    "waitlist": "y",
    "audience": "all",
    "themes": "Commande publique, emploi",
    "partners": ["cress-idf"],
}


@pytest.fixture
def network(clubs):
    return clubs


def club(slug: str) -> Club:
    return db.session.scalar(select(Club).where(Club.slug == slug))


@pytest.fixture
def admin(network, make_user):
    return make_user("admin")


@pytest.fixture
def idf(network, make_user):
    """A co-organiser of the Île-de-France club."""
    return make_user("coorganiser", clubs=(IDF,))


@pytest.fixture
def session_idf(network, make_event):
    """A published Île-de-France club session, 14 h – 16 h three weeks ahead."""
    return make_event(kind="club", club=club(IDF), title="Séance francilienne", capacity=20)


@pytest.fixture
def session_naq(network, make_event):
    return make_event(kind="club", club=club(NAQ), title="Séance néo-aquitaine", status="draft")


def page(event, action: str = "") -> str:
    return f"/espace/evenements/{event.id}/{action}"


def post(client, url: str, data: dict | None = None, token_from: str | None = None):
    """POST ``data`` with the CSRF token of the form at ``token_from`` (``url`` by default)."""
    token = csrf_token(client, token_from or url)
    return client.post(url, data={**(data or {}), "csrf_token": token})


def reload(event) -> Event:
    db.session.expire_all()
    return db.session.get(Event, event.id)


def audit_actions(event) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.event_id == event.id).order_by(AuditEntry.id)
    ).all()


def count_events() -> int:
    return db.session.scalar(select(func.count()).select_from(Event))


def attachment(message) -> icalendar.Event:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


def text(response) -> str:
    """The page's text, entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def created(response) -> Event:
    assert response.status_code == 303, text(response)
    event_id = int(re.search(r"/espace/evenements/(\d+)/", response.headers["Location"])[1])
    return db.session.get(Event, event_id)


# Creating and publishing


def test_admin_creates_a_webinar_as_a_draft_then_publishes_it(client, admin):
    login(client, admin)
    form = client.get("/espace/evenements/nouveau")
    assert form.status_code == 200
    assert 'value="webinaire"' in text(form)
    data = {**FORM, "kind": "webinaire", "club": "", "partners": ["cress-idf", "amif"]}
    event = created(post(client, "/espace/evenements/nouveau", data))

    assert (event.kind, event.club, event.status) == ("webinaire", None, "draft")
    assert event.slug == f"{DAY.isoformat()}-commande-publique-responsable"
    assert event.uid.endswith("@rtes.fr")
    assert (event.starts_at, event.ends_at) == (clock.to_utc(DAY, time(14)), clock.to_utc(DAY, time(16)))
    assert [t.name for t in event.themes] == ["Commande publique", "emploi"]
    assert [p.key for p in event.partners] == ["amif", "cress-idf"]
    assert (event.capacity, event.waitlist, event.online_url) == (30, True, "https://visio.example.org/salle")
    assert audit_actions(event) == ["event.created"]
    assert client.get(f"/evenements/{event.slug}/").status_code == 404  # a draft is not public

    body = text(client.get(page(event)))
    assert "Brouillon" in body and "Événement créé" in body and admin.email in body
    assert '<th scope="col">Action</th>' in body  # the audit log
    sequence = event.sequence
    response = post(client, page(event, "publier"), token_from=page(event))
    assert response.status_code == 303
    event = reload(event)
    assert (event.status, event.sequence) == ("published", sequence + 1)
    assert audit_actions(event) == ["event.created", "event.published"]
    assert client.get(f"/evenements/{event.slug}/").status_code == 200


def test_an_all_day_session_over_two_days(client, admin):
    login(client, admin)
    data = {**FORM, "kind": "rencontre", "club": "", "start_time": "", "end_time": ""}
    data["end_date"] = (DAY + timedelta(days=1)).strftime("%d/%m/%Y")
    event = created(post(client, "/espace/evenements/nouveau", data))
    assert event.all_day
    assert (event.starts_at, event.ends_at) == (clock.to_utc(DAY), clock.to_utc(DAY + timedelta(days=2)))


def test_a_slug_taken_gets_a_suffix(client, admin, make_event):
    make_event(slug=f"{DAY.isoformat()}-commande-publique-responsable")
    login(client, admin)
    event = created(post(client, "/espace/evenements/nouveau", FORM))
    assert event.slug == f"{DAY.isoformat()}-commande-publique-responsable-2"


def test_a_coorganiser_creates_club_sessions_of_their_club_only(client, idf):
    login(client, idf)
    body = text(client.get("/espace/evenements/nouveau"))
    assert 'value="webinaire"' not in body and f'value="{NAQ}"' not in body and f'value="{IDF}"' in body
    event = created(post(client, "/espace/evenements/nouveau", {**FORM, "send_attestations": "y"}))
    assert (event.kind, event.club.slug, event.status) == ("club", IDF, "draft")
    assert event.send_attestations and audit_actions(event) == ["event.created"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"club": NAQ}, "vous ne pouvez pas organiser de session dans ce club"),
        ({"club": "club-inconnu"}, "vous ne pouvez pas organiser de session dans ce club"),
        ({"club": ""}, "Choisissez le club de cette séance."),
        ({"kind": "webinaire"}, "Choisissez un type de session dans la liste."),
    ],
)
def test_a_coorganiser_cannot_create_for_another_club_whatever_is_posted(client, idf, changes, message):
    login(client, idf)
    before = count_events()
    response = post(client, "/espace/evenements/nouveau", {**FORM, **changes})
    assert response.status_code == 400
    assert message in text(response)
    assert count_events() == before


def test_a_member_has_no_sessions_to_manage(client, network, make_user, session_idf):
    login(client, make_user("member"))
    for url in ("/espace/evenements/", "/espace/evenements/nouveau", page(session_idf)):
        assert client.get(url).status_code == 403


# Rights over another club's session


def test_a_coorganiser_cannot_see_or_change_another_clubs_session(client, idf, session_naq):
    login(client, idf)
    before = (session_naq.title, session_naq.status, session_naq.sequence, session_naq.starts_at)
    for action in ("", "modifier", "reporter", "annuler"):
        assert client.get(page(session_naq, action)).status_code == 404
    token_page = "/espace/evenements/nouveau"
    posts = {
        "modifier": {**FORM, "club": NAQ, "title": "Piraté"},
        "publier": {},
        "reporter": {"date": (DAY + timedelta(days=7)).isoformat()},
        "annuler": {},
        "dupliquer": {},
    }
    count = count_events()
    for action, data in posts.items():
        assert post(client, page(session_naq, action), data, token_from=token_page).status_code == 404
    event = reload(session_naq)
    assert (event.title, event.status, event.sequence, event.starts_at) == before
    assert audit_actions(event) == [] and count_events() == count
    listing = text(client.get("/espace/evenements/?periode=toutes"))
    assert "Séance néo-aquitaine" not in listing


def test_a_partner_coorganiser_manages_the_sessions_of_the_clubs_it_co_organises(
    client, network, make_user, session_idf, session_naq
):
    login(client, make_user("coorganiser", partner="amif"))
    assert client.get(page(session_idf)).status_code == 200
    assert client.get(page(session_naq)).status_code == 404


def test_posts_without_a_csrf_token_are_refused(client, admin, session_idf):
    login(client, admin)
    response = client.post(page(session_idf, "annuler"))
    assert response.status_code == 400
    assert reload(session_idf).status == "published"


# Editing: SEQUENCE, feeds and the « changed » e-mails


def test_moving_the_time_tells_the_registrants_with_the_updated_calendar_file(
    client, idf, session_idf, make_registration, outbox_messages
):
    make_registration(session_idf, email="camille@example.org")
    sent = len(outbox_messages())
    sequence = session_idf.sequence
    login(client, idf)
    edit = text(client.get(page(session_idf, "modifier")))
    assert 'value="14:00"' in edit and 'value="Séance francilienne"' in edit
    day = session_idf.local_start.date()
    old_when = when(session_idf)
    data = {**FORM, "title": "Séance francilienne", "date": day.isoformat(), "start_time": "15:00"}
    data["end_time"] = "17:30"
    response = post(client, page(session_idf, "modifier"), data)
    assert response.status_code == 303

    event = reload(session_idf)
    assert event.sequence == sequence + 1
    assert event.starts_at == clock.to_utc(day, time(15))
    [changed] = outbox_messages()[sent:]
    assert changed["To"] == "camille@example.org"
    assert changed["Subject"] == "Changement de date, d'horaire ou de lieu : Séance francilienne"
    assert "15 h – 17 h 30" in changed.get_body(("plain",)).get_content()
    vevent = attachment(changed)
    assert vevent["SEQUENCE"] == event.sequence + 1  # + 1: a confirmed registration
    assert vevent.decoded("DTSTART").hour == 15
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.updated")).all()
    assert entry.details["date initiale"] == old_when and "début" in entry.details["modifications"]
    assert old_when in text(client.get(page(event)))


def test_editing_texts_only_tells_nobody(client, idf, session_idf, make_registration, outbox_messages):
    make_registration(session_idf)
    sent = len(outbox_messages())
    login(client, idf)
    data = {**FORM, "date": session_idf.local_start.date().isoformat(), "title": "Nouveau titre"}
    data["capacity"] = "20"
    post(client, page(session_idf, "modifier"), data)
    event = reload(session_idf)
    assert (event.title, event.sequence) == ("Nouveau titre", session_idf.sequence)
    assert len(outbox_messages()) == sent


def test_saving_an_unchanged_form_records_nothing(client, admin, session_idf):
    login(client, admin)
    form = text(client.get(page(session_idf, "modifier")))
    assert "Aucun club" in form
    data = {
        **FORM,
        "title": session_idf.title,
        "summary": "",
        "description": "",
        "date": session_idf.local_start.date().isoformat(),
        "online_url": "",
        "capacity": "20",
        "themes": "",
        "partners": [],
    }
    response = post(client, page(session_idf, "modifier"), data)
    assert response.status_code == 303
    assert "Aucune modification" in text(client.get(response.headers["Location"]))
    assert audit_actions(session_idf) == []


def test_an_event_known_by_its_month_only_stays_so_when_its_texts_change(client, admin):
    import_data({"events": [{"kind": "rencontre", "title": "Rencontre nationale", "start": "2024-06"}]})
    event = db.session.scalar(select(Event).where(Event.title == "Rencontre nationale"))
    login(client, admin)
    form = text(client.get(page(event, "modifier")))
    assert 'value="2024-06-01"' in form and 'id="start_time" name="start_time" type="time" value=""' in form
    data = {**FORM, "kind": "rencontre", "club": "", "date": "2024-06-01", "start_time": "", "end_time": ""}
    data["title"] = "Rencontre nationale des collectivités"
    assert post(client, page(event, "modifier"), data).status_code == 303
    event = reload(event)
    assert (event.title, event.month_only, event.all_day) == (data["title"], True, True)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.event_id == event.id)).all()
    assert "début" not in entry.details["modifications"] and "date initiale" not in entry.details


# Postponing, cancelling


def test_postponing_to_a_new_date_moves_the_session_and_keeps_the_old_date(
    client, idf, session_idf, make_registration, outbox_messages
):
    make_registration(session_idf)
    sent = len(outbox_messages())
    old_day, old_when, sequence = session_idf.local_start.date(), when(session_idf), session_idf.sequence
    new_day = old_day + timedelta(days=14)
    login(client, idf)
    assert client.get(page(session_idf, "reporter")).status_code == 200
    response = post(client, page(session_idf, "reporter"), {"date": new_day.strftime("%d/%m/%Y")})
    assert response.status_code == 303

    event = reload(session_idf)
    assert (event.status, event.postponed_from, event.sequence) == ("published", old_day, sequence + 1)
    assert (event.starts_at, event.ends_at) == (
        clock.to_utc(new_day, time(14)),
        clock.to_utc(new_day, time(16)),
    )
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "event.postponed")).all()
    assert entry.details == {"date initiale": old_when, "nouvelle date": when(event)}
    [changed] = outbox_messages()[sent:]
    assert attachment(changed).decoded("DTSTART").date() == new_day
    body = text(client.get(page(event)))
    assert old_when in body and "Initialement prévue le" in body


def test_postponing_without_a_date_suspends_registrations_until_published_again(
    client, idf, session_idf, make_registration, outbox_messages
):
    make_registration(session_idf)
    sent = len(outbox_messages())
    login(client, idf)
    assert post(client, page(session_idf, "reporter"), {"date": ""}).status_code == 303
    event = reload(session_idf)
    assert event.status == "postponed"
    [changed] = outbox_messages()[sent:]
    assert changed["Subject"] == "Événement reporté : Séance francilienne"
    registration = text(client.get(f"/evenements/{event.slug}/inscription"))
    assert "Cet événement est reporté" in registration

    response = post(client, page(event, "reporter"), {"date": ""})
    assert response.status_code == 400
    assert "La session est déjà reportée : indiquez sa nouvelle date." in text(response)
    post(client, page(event, "publier"), token_from=page(event))
    assert reload(event).status == "published"
    assert audit_actions(event) == ["event.postponed", "event.published"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2001-01-01"}, "La nouvelle date doit être aujourd'hui ou plus tard."),
        ({"date": "", "start_time": "10:00"}, "Indiquez la nouvelle date, ou laissez les heures vides."),
        ({"date": DAY.isoformat(), "start_time": "10:00"}, "Indiquez l'heure de début et l'heure de fin"),
        ({"date": "demain"}, "« Nouvelle date » n'est pas une date valide"),
    ],
)
def test_a_bad_new_date_is_refused_in_french(client, idf, session_idf, data, message):
    login(client, idf)
    response = post(client, page(session_idf, "reporter"), data)
    assert response.status_code == 400
    assert message in text(response)
    assert reload(session_idf).starts_at == session_idf.starts_at


def test_cancelling_asks_for_confirmation_then_tells_the_registrants(
    client, idf, session_idf, make_registration, outbox_messages
):
    make_registration(session_idf)
    sent = len(outbox_messages())
    login(client, idf)
    confirm = client.get(page(session_idf, "annuler"))
    assert confirm.status_code == 200
    body = text(confirm)
    assert "Confirmer l'annulation" in body and "1 personne inscrite" in body
    assert reload(session_idf).status == "published"

    assert post(client, page(session_idf, "annuler")).status_code == 303
    event = reload(session_idf)
    assert event.status == "cancelled"
    [changed] = outbox_messages()[sent:]
    assert changed["Subject"] == "Événement annulé : Séance francilienne"
    assert attachment(changed)["STATUS"] == "CANCELLED"

    sequence = event.sequence
    again = post(client, page(event, "annuler"), token_from=page(event))
    assert "Cette session est déjà annulée." in text(client.get(again.headers["Location"]))
    assert reload(event).sequence == sequence
    assert audit_actions(event) == ["event.cancelled"]


def test_a_draft_is_not_cancelled_nor_postponed(client, admin, session_naq):
    login(client, admin)
    body = text(client.get(page(session_naq)))
    assert "Reporter" not in body and "Annuler la session" not in body and "Publier" in body
    for action in ("annuler", "reporter"):
        post(client, page(session_naq, action), token_from=page(session_naq))
    assert reload(session_naq).status == "draft" and audit_actions(session_naq) == []


# Duplicating


def test_duplicating_makes_a_draft_with_the_same_club_partners_themes_speakers_and_texts(client, idf):
    source_day = clock.local_today() - timedelta(days=10)
    import_data(
        {
            "events": [
                {
                    "kind": "club",
                    "club": IDF,
                    "title": "Séance mensuelle",
                    "start": source_day.isoformat(),
                    "start_time": "09:30",
                    "end_time": "12:00",
                    "mode": "onsite",
                    "venue": "Maison de l'ESS",
                    "city": "Paris",
                    "partners": ["cress-idf"],
                    "themes": ["Emploi"],
                    "speakers": ["Maud Leblois (Région)"],
                    "summary": "Le rendez-vous du mois.",
                    "description": "Ordre du jour **à venir**.",
                }
            ]
        }
    )
    source = db.session.scalar(select(Event).where(Event.title == "Séance mensuelle"))
    login(client, idf)
    response = post(client, page(source, "dupliquer"), token_from=page(source))
    assert response.status_code == 303
    assert re.search(r"/espace/evenements/(\d+)/modifier\?copie=1$", response.headers["Location"])
    copy = db.session.scalar(select(Event).where(Event.title == "Séance mensuelle", Event.id != source.id))

    assert copy.status == "draft"
    assert (copy.slug, copy.uid) != (source.slug, source.uid)
    assert (copy.club, copy.partners, copy.themes) == (source.club, source.partners, source.themes)
    assert [str(s) for s in copy.speakers] == ["Maud Leblois (Région)"]
    assert (copy.summary, copy.description, copy.venue, copy.city) == (
        source.summary,
        source.description,
        "Maison de l'ESS",
        "Paris",
    )
    assert copy.local_start.date() > clock.local_today()
    assert copy.local_start.weekday() == source_day.weekday()
    assert (copy.local_start.time(), copy.local_end.time()) == (time(9, 30), time(12))
    assert audit_actions(copy) == ["event.duplicated"]

    form = text(client.get(response.headers["Location"]))
    assert re.search(r'<input[^>]*id="date"[^>]*value=""', form)  # the date is to be chosen
    assert 'value="09:30"' in form


# Bad input, preview


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Le champ « Titre » est obligatoire."),
        ({"date": "31/02/2030"}, "« Date » n'est pas une date valide"),
        ({"date": " "}, "Le champ « Date » est obligatoire."),
        ({"start_time": "25:00"}, "« Heure de début » n'est pas une heure valide"),
        ({"end_time": "13:00"}, "L'heure de fin doit suivre l'heure de début."),
        ({"end_time": ""}, "Indiquez l'heure de début et l'heure de fin"),
        ({"end_date": (DAY - timedelta(days=1)).isoformat()}, "La date de fin précède la date de début."),
        ({"online_url": "javascript:alert(1)"}, "Le lien de connexion doit être une adresse web complète"),
        ({"capacity": "0"}, "Le nombre de places doit être compris entre 1 et 100 000"),
        ({"capacity": "trente"}, "« Nombre de places » doit être un nombre entier."),
        ({"mode": "telepathie"}, "Choisissez un format dans la liste."),
        ({"audience": "vip"}, "Choisissez le public de la session."),
        ({"partners": ["inconnu"]}, "Choisissez les partenaires dans la liste."),
        ({"themes": "Emploi, !!!"}, "Le thème « !!! » doit contenir des lettres ou des chiffres."),
        (
            {"registration_opens": "2030-01-02T10:00", "registration_closes": "2030-01-01T10:00"},
            "La clôture des inscriptions doit suivre leur ouverture.",
        ),
    ],
)
def test_bad_input_answers_400_in_french_and_keeps_what_was_typed(client, idf, changes, message):
    login(client, idf)
    before = count_events()
    response = post(client, "/espace/evenements/nouveau", {**FORM, **changes})
    body = text(response)
    assert response.status_code == 400
    assert message in body
    assert "La session n'a pas pu être enregistrée" in body and "<title>Erreur" in body
    assert "Retours d'expérience des collectivités franciliennes." in body  # nothing lost
    assert body.count('<li><a href="#') == 1  # one message, on its field
    assert count_events() == before


def test_the_preview_renders_sanitised_markdown_and_saves_nothing(client, idf):
    login(client, idf)
    before = count_events()
    description = (
        "**Programme** <script>alert(1)</script> [lien](javascript:alert(2)) <img src=x onerror=alert(3)>"
    )
    response = post(
        client, "/espace/evenements/nouveau", {**FORM, "description": description, "step": "preview"}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    preview = body.split('id="apercu-titre"')[1].split("</section>")[0]
    assert "<strong>Programme</strong>" in preview
    assert "<script" not in body and "javascript:" not in preview and "onerror" not in preview
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body  # kept in the text area, escaped
    assert count_events() == before


# The list of sessions


def test_the_list_shows_the_users_sessions_with_filters_and_pages(
    client, idf, session_idf, session_naq, make_event, monkeypatch
):
    from rtes_events.views.manage import events as views

    past = make_event(
        kind="club",
        club=club(IDF),
        title="Séance passée",
        starts_at=clock.now() - timedelta(days=30),
        ends_at=clock.now() - timedelta(days=30) + timedelta(hours=2),
    )
    draft = make_event(kind="club", club=club(IDF), title="Brouillon francilien", status="draft")
    login(client, idf)

    upcoming = text(client.get("/espace/evenements/"))
    assert session_idf.title in upcoming and draft.title in upcoming
    assert past.title not in upcoming and session_naq.title not in upcoming
    passed = text(client.get("/espace/evenements/?periode=passes"))
    assert past.title in passed and session_idf.title not in passed
    drafts = text(client.get("/espace/evenements/?statut=draft&periode=toutes"))
    assert draft.title in drafts and session_idf.title not in drafts
    found = text(client.get("/espace/evenements/?q=francilien&periode=toutes"))
    assert draft.title in found and past.title not in found

    monkeypatch.setattr(views, "PER_PAGE", 2)
    first = text(client.get("/espace/evenements/?periode=toutes"))
    assert "Page 1 sur 2" in first and "3 sessions" in first
    second = text(client.get("/espace/evenements/?periode=toutes&page=2"))
    assert past.title in second


def test_the_event_page_links_to_the_registrants_pages(client, idf, session_idf):
    login(client, idf)
    body = text(client.get(page(session_idf)))
    for link in ("inscrits", "presences", "message", "export.csv", "export.xlsx", "emargement"):
        assert f"/espace/evenements/{session_idf.id}/{link}" in body


def test_editing_form_for_an_unknown_session_is_not_found(client, admin):
    login(client, admin)
    assert client.get("/espace/evenements/9999/modifier").status_code == 404


def test_dates_and_hours_typed_the_french_way_are_read(client, admin):
    login(client, admin)
    data = {**FORM, "date": DAY.strftime("%d/%m/%Y"), "start_time": "9h30", "end_time": "11 h"}
    event = created(post(client, "/espace/evenements/nouveau", data))
    assert (event.local_start.date(), event.local_start.time(), event.local_end.time()) == (
        DAY,
        time(9, 30),
        time(11),
    )


def test_a_hybrid_session_s_on_site_and_remote_places_replace_its_capacity(client, admin, session_idf):
    login(client, admin)
    assert "Places sur place" in text(client.get(page(session_idf, "modifier")))
    data = {**FORM, "title": "Séance francilienne", "mode": "hybrid", "city": "Paris", "venue": "Salle"}
    data.update({"capacity": "120", "capacity_remote": "300"})
    assert post(client, page(session_idf, "modifier"), data).status_code == 303
    event = reload(session_idf)
    assert (event.capacity, event.capacity_onsite, event.capacity_remote) == (None, 120, 300)
    assert "sur place : 120 ; à distance : 300" in text(client.get(page(event)))
    data["mode"] = "online"  # no places per mode outside a hybrid session
    assert post(client, page(session_idf, "modifier"), data).status_code == 303
    event = reload(session_idf)
    assert (event.capacity, event.capacity_onsite, event.capacity_remote) == (120, None, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("12345678901234567890123", "Le nombre de places doit être compris entre 1 et 100 000"),
        ("0", "Le nombre de places doit être compris entre 1 et 100 000"),
        ("<b>3</b>", "« Places à distance » doit être un nombre entier."),
        ("2026-02-30", "« Places à distance » doit être un nombre entier."),
        ("x" * 10_000, "« Places à distance » doit être un nombre entier."),
    ],
)
def test_hostile_remote_places_are_refused_in_french(client, admin, session_idf, value, message):
    login(client, admin)
    data = {**FORM, "mode": "hybrid", "city": "Paris", "capacity_remote": value}
    response = post(client, page(session_idf, "modifier"), data)
    assert response.status_code == 400 and message in html.unescape(response.get_data(as_text=True))
    assert reload(session_idf).capacity_remote is None
