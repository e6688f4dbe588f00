"""Registration by HTTP: the form, the registrant's page, cancellation and the e-mails they send."""

import re
from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select
from wtforms import SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf

from rtes_events import clock, registrations
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import OutboxMessage, Registration

from .conftest import PERSON, csrf_token

FORM = {**PERSON, "consent": "y"}


def form_url(event) -> str:
    return f"/evenements/{event.slug}/inscription"


def post_form(client, event, **changes):
    """Submit the registration form with a fresh CSRF token; ``None`` values are left out."""
    url = form_url(event)
    data = {**FORM, "csrf_token": csrf_token(client, url), **changes}
    return client.post(url, data={k: v for k, v in data.items() if v is not None})


def answer(client, response, status: int = 303):
    """The page a successful form leads to: its answer is a redirect (Post/Redirect/Get), followed by GET."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return page


def stored(event) -> list[Registration]:
    db.session.expire_all()
    return db.session.scalars(
        select(Registration).where(Registration.event_id == event.id).order_by(Registration.id)
    ).all()


def parts(message) -> dict[str, str]:
    return {
        "text": message.get_body(("plain",)).get_content(),
        "html": message.get_body(("html",)).get_content(),
    }


def manage_link(message) -> str:
    return re.search(r"http://rtes\.test(/inscription/[\w-]+/)", parts(message)["text"])[1]


def test_full_flow_sends_the_confirmation_with_the_calendar_file(client, make_event, outbox_messages):
    event = make_event(capacity=10, online_url="https://visio.example.org/secret-room")
    page = client.get(form_url(event))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert event.title in html and "10 places restantes" in html
    assert "conservées au plus tard un an" in html  # consent text: what, why, how long, erasure
    assert page.headers["Cache-Control"] == "no-store"

    posted = post_form(client, event)
    assert posted.headers["Location"] == f"/evenements/{event.slug}/inscription/envoyee"
    done = answer(client, posted)
    assert "Inscription confirmée" in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"
    [registration] = stored(event)
    assert registration.token not in done.get_data(as_text=True)  # the link goes by e-mail only
    assert (registration.status, registration.email, registration.function) == (
        "confirmed",
        FORM["email"],
        "agent",
    )

    reloaded = client.get(posted.headers["Location"])  # a reload asks for nothing to be sent again
    assert reloaded.status_code == 200 and "Inscription confirmée" in reloaded.get_data(as_text=True)
    [message] = outbox_messages()
    assert message["Subject"] == f"Inscription confirmée : {event.title}"
    assert message["To"] == FORM["email"]
    body = parts(message)
    assert f"/inscription/{registration.token}/" in body["text"]
    assert f"/inscription/{registration.token}/" in body["html"]
    assert "Bonjour Camille" in body["text"] and "https://visio.example.org/secret-room" in body["text"]
    assert '<html lang="fr">' in body["html"] and "https://visio.example.org/secret-room" in body["html"]
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [vevent] = calendar.walk("VEVENT")
    assert str(vevent["UID"]) == event.uid


def test_post_without_csrf_token_is_refused(client, make_event):
    event = make_event()
    assert client.post(form_url(event), data=FORM).status_code == 400
    assert stored(event) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"email": "pas-une-adresse"}, "L'adresse e-mail n'est pas valide"),
        ({"consent": None}, "Votre accord sur l'utilisation de vos données est nécessaire"),
        ({"first_name": "x" * 5000}, "Le champ « Prénom » ne doit pas dépasser 100 caractères."),
        ({"last_name": "x" * 5000}, "Le champ « Nom » ne doit pas dépasser 100 caractères."),
        ({"organisation": "x" * 5000}, "Le champ « Organisation » ne doit pas dépasser 200 caractères."),
        (
            {"email": "a" * 5000 + "@example.org"},
            "Le champ « Adresse e-mail » ne doit pas dépasser 254 caractères.",
        ),
        ({"function": "ministre"}, "Choisissez une fonction dans la liste."),
        ({"function": None}, "Choisissez votre fonction."),
        ({"first_name": "   "}, "Le champ « Prénom » est obligatoire."),
    ],
)
def test_invalid_input_is_shown_next_to_the_fields_and_nothing_is_stored(
    client, make_event, outbox_messages, changes, message
):
    event = make_event()
    response = post_form(client, event, **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'role="alert"' in html and message in html.replace("&#39;", "'").replace("&#34;", '"')
    assert 'aria-invalid="true"' in html and re.search(r'aria-describedby="[^"]*-erreur"', html)
    assert stored(event) == [] and outbox_messages() == []


def test_html_in_names_is_escaped_in_the_page_and_the_email(client, app, make_event, outbox_messages):
    event = make_event()
    script = "<script>alert(1)</script>"
    response = answer(client, post_form(client, event, first_name=script, last_name=script))
    assert "<script>" not in response.get_data(as_text=True)
    [registration] = stored(event)
    assert registration.first_name == script  # stored as typed, escaped on output
    [message] = outbox_messages()
    assert script not in parts(message)["html"] and "&lt;script&gt;" in parts(message)["html"]
    manage = client.get(manage_link(message)).get_data(as_text=True)
    assert script not in manage and "&lt;script&gt;" in manage


def test_line_breaks_in_names_do_not_inject_headers(client, make_event, outbox_messages):
    event = make_event(title="Atelier\r\nBcc: victime@example.org")
    response = post_form(
        client, event, first_name="Camille\r\nBcc: victime@example.org", last_name="Martin\nX-Evil: 1"
    )
    assert response.status_code == 303
    [message] = outbox_messages()
    assert message["Bcc"] is None and message["X-Evil"] is None
    assert "victime@example.org" not in message["To"]
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]


def test_resubmitting_the_same_email_resends_the_link_without_duplicate(client, make_event, outbox_messages):
    event = make_event()
    assert post_form(client, event).status_code == 303
    again = answer(
        client,
        post_form(
            client, event, email=FORM["email"].upper(), first_name="Autre", organisation="Autre structure"
        ),
    )
    html = again.get_data(as_text=True)
    assert "Une inscription existe déjà pour cette adresse" in html.replace("&#39;", "'")
    assert "Ville de Grenoble" not in html and "Inscription confirmée" not in html
    [registration] = stored(event)
    assert registration.first_name == "Camille"
    first, second = outbox_messages()
    assert second["Subject"] == f"Votre inscription : {event.title}"
    assert manage_link(first) == manage_link(second) == f"/inscription/{registration.token}/"


def test_full_event_without_waiting_list_refuses(client, make_event, make_registration):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, email="premier@example.org")
    assert "Complet" in client.get(form_url(event)).get_data(as_text=True)
    response = post_form(client, event)
    assert response.status_code == 409
    assert "Cet événement est complet." in response.get_data(as_text=True)
    assert len(stored(event)) == 1


def test_full_event_with_waiting_list_gives_the_position(
    client, make_event, make_registration, outbox_messages
):
    event = make_event(capacity=1, waitlist=True, online_url="https://visio.example.org/secret-room")
    make_registration(event, email="premier@example.org")
    make_registration(event, email="deuxieme@example.org")
    response = answer(client, post_form(client, event))
    html = response.get_data(as_text=True)
    assert "liste d'attente" in html.replace("&#39;", "'") and "position 2" in html
    message = outbox_messages()[-1]
    assert message["Subject"] == f"Inscription en liste d'attente : {event.title}"
    body = parts(message)
    assert "position 2" in body["text"] and "secret-room" not in body["text"] + body["html"]


def test_manage_page_shows_the_registration_and_private_headers(client, make_event, make_registration):
    event = make_event(online_url="https://visio.example.org/secret-room")
    registration = make_registration(event)
    response = client.get(f"/inscription/{registration.token}/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        response.headers["Referrer-Policy"] == "no-referrer"
        and response.headers["Cache-Control"] == "no-store"
    )
    assert event.title in html and "Confirmée" in html and "https://visio.example.org/secret-room" in html
    assert f"/evenements/{event.slug}.ics" in html
    personal = re.search(r"http://rtes\.test/mon-agenda/([\w-]+)\.ics", html)
    assert personal and f"webcal://rtes.test/mon-agenda/{personal[1]}.ics" in html
    assert client.get(f"/mon-agenda/{personal[1]}.ics").status_code == 200


def test_manage_page_of_a_waitlisted_registrant_hides_the_online_link(client, make_event, make_registration):
    event = make_event(capacity=1, online_url="https://visio.example.org/secret-room")
    make_registration(event, email="premier@example.org")
    waiting = make_registration(event)
    html = client.get(f"/inscription/{waiting.token}/").get_data(as_text=True)
    assert "position 1" in html and "secret-room" not in html


def test_unknown_token_is_not_found(client, make_event):
    assert client.get("/inscription/inconnu/").status_code == 404
    data = {"csrf_token": csrf_token(client, form_url(make_event()))}
    assert client.post("/inscription/inconnu/annuler", data=data).status_code == 404
    assert client.post("/inscription/inconnu/agenda/renouveler", data=data).status_code == 404


def test_cancel_promotes_the_first_waitlisted_and_tells_them(
    client, make_event, make_registration, outbox_messages
):
    event = make_event(capacity=1)
    registration = make_registration(event)
    waiting = make_registration(event, email="attente@example.org", first_name="Dominique")
    url = f"/inscription/{registration.token}/"
    response = client.post(f"{url}annuler", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303 and response.headers["Location"].endswith(url)
    page = client.get(url).get_data(as_text=True)
    assert "Votre inscription est annulée." in page and "Annulée" in page
    db.session.expire_all()
    assert (registration.status, waiting.status) == ("cancelled", "confirmed")
    promoted = [m for m in outbox_messages() if m["To"] == "attente@example.org"][-1]
    assert promoted["Subject"] == f"Une place s'est libérée, votre inscription est confirmée : {event.title}"
    assert "Bonjour Dominique" in parts(promoted)["text"]
    cancelled = [m for m in outbox_messages() if m["To"] == PERSON["email"]][-1]
    assert cancelled["Subject"] == f"Inscription annulée : {event.title}"
    # Cancelling again changes nothing and sends nothing.
    count = len(outbox_messages())
    again = client.post(f"{url}annuler", data={"csrf_token": csrf_token(client, url)})
    assert again.status_code == 303 and len(outbox_messages()) == count


def test_cancel_without_csrf_token_is_refused(client, make_event, make_registration):
    registration = make_registration(make_event())
    assert client.post(f"/inscription/{registration.token}/annuler").status_code == 400
    db.session.expire_all()
    assert registration.status == "confirmed"


def test_cancel_after_the_event_is_refused_with_a_message(client, make_event, make_registration):
    event = make_event()
    registration = make_registration(event)
    url = f"/inscription/{registration.token}/"
    token = csrf_token(client, url)
    event.starts_at = clock.now() - timedelta(days=2)
    event.ends_at = clock.now() - timedelta(days=2, hours=-2)
    db.session.commit()
    response = client.post(f"{url}annuler", data={"csrf_token": token}, follow_redirects=True)
    assert "l'inscription ne peut plus être annulée" in response.get_data(as_text=True).replace("&#39;", "'")
    db.session.expire_all()
    assert registration.status == "confirmed"


def test_renewing_the_personal_feed_revokes_the_old_link(client, make_event, make_registration):
    registration = make_registration(make_event())
    url = f"/inscription/{registration.token}/"
    old = re.search(r"/mon-agenda/([\w-]+)\.ics", client.get(url).get_data(as_text=True))[1]
    response = client.post(f"{url}agenda/renouveler", data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 303
    page = client.get(url).get_data(as_text=True)
    new = re.search(r"/mon-agenda/([\w-]+)\.ics", page)[1]
    assert new != old and "renouvelé" in page
    assert client.get(f"/mon-agenda/{old}.ics").status_code == 404
    assert client.get(f"/mon-agenda/{new}.ics").status_code == 200


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": "cancelled"}, "Cet événement est annulé"),
        (
            {
                "starts_at": clock.now() - timedelta(days=3),
                "ends_at": clock.now() - timedelta(days=3, hours=-2),
            },
            "déjà eu lieu",
        ),
        ({"registration_closes_at": clock.now() - timedelta(hours=1)}, "Les inscriptions sont closes."),
    ],
)
def test_events_that_take_no_registration_say_why(client, make_event, values, message):
    event = make_event(**values)
    page = client.get(form_url(event))
    assert page.status_code == 200
    html = page.get_data(as_text=True).replace("&#39;", "'")
    assert message in html and 'name="email"' not in html
    token = csrf_token(client, form_url(make_event()))
    response = client.post(form_url(event), data={**FORM, "csrf_token": token})
    assert response.status_code == 409 and message in response.get_data(as_text=True).replace("&#39;", "'")
    assert stored(event) == []


class PartnerHosted:
    @hookimpl
    def rtes_registration_url(self, event):
        hosted = event.registration_provider == "idealco"
        return "https://partenaire.example.org/inscription" if hosted else None


def test_partner_hosted_event_points_to_the_partner(app, client, make_event):
    app.extensions["rtes_plugins"].register(PartnerHosted(), name="partner-hosted")
    event = make_event(registration_provider="idealco")
    html = client.get(form_url(event)).get_data(as_text=True)
    assert "sur le site du partenaire" in html and "https://partenaire.example.org/inscription" in html
    assert 'name="email"' not in html


def test_unknown_or_draft_event_is_not_found(client, make_event):
    draft = make_event(status="draft")
    assert client.get(form_url(draft)).status_code == 404
    assert client.get("/evenements/inconnu/inscription").status_code == 404


class CnfptLike:
    """A test plugin asking for the registrant's category and refusing one of them."""

    @hookimpl
    def rtes_registration_fields(self, event):
        category = SelectField(
            "Catégorie",
            choices=[SelectChoice("", "Choisissez…"), *(SelectChoice(c) for c in "ABC")],
            validate_choice=False,
            validators=[AnyOf(["A", "B", "C"], message="Indiquez votre catégorie.")],
        )
        return [("category", category)]

    @hookimpl
    def rtes_validate_registration(self, event, data):
        return (
            ["Cette session est réservée aux catégories A et B."]
            if data["plugin_fields"]["category"] == "C"
            else []
        )


@pytest.fixture
def partner_plugin(app):
    app.extensions["rtes_plugins"].register(CnfptLike(), name="cnfpt-like")


def test_plugin_fields_are_asked_validated_and_stored(client, make_event, partner_plugin):
    event = make_event()
    assert 'name="category"' in client.get(form_url(event)).get_data(as_text=True)
    missing = post_form(client, event)
    assert missing.status_code == 400 and "Indiquez votre catégorie." in missing.get_data(as_text=True)
    refused = post_form(client, event, category="C")
    assert refused.status_code == 409
    assert "Cette session est réservée aux catégories A et B." in refused.get_data(as_text=True)
    assert stored(event) == []
    assert post_form(client, event, category="B").status_code == 303
    [registration] = stored(event)
    assert registration.plugin_fields == {"category": "B"}


def test_registration_posts_are_rate_limited(app_factory):
    from rtes_events.models import Event

    app = app_factory(RATELIMIT_ENABLED=True, RTES_REGISTRATION_RATE_LIMIT="2 per minute")
    with app.app_context():
        starts = clock.now() + timedelta(days=10)
        event = Event(
            slug="limite",
            kind="webinaire",
            title="Limite",
            starts_at=starts,
            ends_at=starts + timedelta(hours=1),
        )
        db.session.add(event)
        db.session.commit()
        client = app.test_client()
        assert client.get(form_url(event)).status_code == 200  # GET is not limited
        codes = [post_form(client, event, email=f"p{i}@example.org").status_code for i in range(3)]
        assert codes == [303, 303, 429]
        assert client.get(form_url(event)).status_code == 200
        db.session.remove()
        db.engine.dispose()


def test_the_retention_period_told_to_registrants_follows_the_configuration(
    app, client, make_event, make_registration, outbox_messages
):
    app.config["RTES_RETENTION_DAYS"] = 730
    event = make_event()
    form = client.get(f"/evenements/{event.slug}/inscription").get_data(as_text=True)
    assert "conservées au plus tard 2 ans après" in form
    make_registration(event)
    [message] = outbox_messages()
    assert "tard 2 ans après" in message.get_body(("plain",)).get_content()


def test_a_registrant_erases_their_data_and_the_next_in_line_is_promoted(
    client, make_event, make_registration, outbox_messages
):
    event = make_event(capacity=1)
    registration = make_registration(event, email="moi@example.org")
    waiting = make_registration(event, email="suivant@example.org")
    url = f"/inscription/{registration.token}/"
    response = client.post(url + "effacer", data={"csrf_token": csrf_token(client, url)})
    assert response.headers["Location"] == "/evenements/"
    assert "Vos données sont effacées" in answer(client, response).get_data(as_text=True)
    db.session.expire_all()
    assert (registration.status, registration.first_name, registration.email) == (
        "cancelled",
        "",
        f"efface-{registration.id}",
    )
    assert waiting.status == "confirmed"
    assert client.get(url).status_code == 404
    sent_to = [m.recipient for m in db.session.scalars(select(OutboxMessage))]
    assert "moi@example.org" not in sent_to and "suivant@example.org" in sent_to
    assert (
        client.post(
            url + "effacer", data={"csrf_token": csrf_token(client, f"/inscription/{waiting.token}/")}
        ).status_code
        == 404
    )


def test_an_oversized_post_is_refused_before_reading_it(client, make_event):
    event = make_event()
    response = client.post(f"/evenements/{event.slug}/inscription", data={"first_name": "x" * 2_000_000})
    assert response.status_code == 413
    assert "dépassent la taille autorisée" in response.get_data(as_text=True)
    assert db.session.scalars(select(Registration)).all() == []


def test_the_page_after_registering_belongs_to_the_browser_that_sent_the_form(client, app, make_event):
    event = make_event()
    done = post_form(client, event).headers["Location"]
    other = app.test_client()  # another browser: nothing to show, back to the form
    elsewhere = other.get(done)
    assert elsewhere.status_code == 303 and elsewhere.headers["Location"] == form_url(event)
    later = make_event(slug="une-autre-session")
    assert client.get(f"/evenements/{later.slug}/inscription/envoyee").status_code == 303
    assert client.get("/evenements/inconnu/inscription/envoyee").status_code == 404
    [registration] = stored(event)
    registrations.cancel(registration)
    assert client.get(done).status_code == 303  # cancelled since: no « Inscription confirmée »
