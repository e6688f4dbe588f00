"""Registration pages: the form of an event, and a registrant's own page (reached by its secret link)."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from .. import attestations, pdf, personal_data, qr, questions, registrations, registry, tickets
from ..extensions import db
from ..forms import registration_form
from ..forms.attendance import with_attendance
from ..forms.questions import AnswersForm, field_name, initial, with_questions
from ..models import Registration
from ..plugins import hook
from ..rate_limits import per_client, per_email
from ..registrations import RegistrationRefused
from ..security import private
from ..urls import external_url, webcal

bp = Blueprint("registration", __name__)
SENT = "registration_sent"  # session key: the registration this browser's last form made or found


bp.after_request(private)


@bp.route("/evenements/<slug>/inscription", methods=["GET", "POST"])
@per_client("RTES_REGISTRATION_RATE_LIMIT")
@per_email("RTES_REGISTRATION_EMAIL_RATE_LIMIT", "registration")  # registered, or the link sent again
def form(slug: str):
    event = registry.by_slug(slug, speakers=False) or abort(404)  # the form shows no speakers
    fields = [pair for pairs in hook().rtes_registration_fields(event=event) for pair in pairs]
    slot_places = registrations.slots_places_left(event.id) if registrations.choice_groups(event) else {}
    form = with_attendance(registration_form(fields, event=event), event, slot_places)()

    def page(status: int = 200, **shown):
        mode_places = registrations.places_by_mode(event)  # counted only for a page shown
        return render_template(
            "registration/form.html",
            event=event,
            form=form,
            places_left=mode_places.get(None),
            mode_places=mode_places,
            slot_places=slot_places,
            **shown,
        ), status

    if reason := registrations.refusal(event):
        _, elsewhere = registrations.where_to_register(event)  # a partner's page, while open there
        return page(409 if form.is_submitted() else 200, refusal=reason, elsewhere=elsewhere)
    if not form.is_submitted():
        return page()
    if not form.validate():
        return page(400)
    try:
        outcome = registrations.register(event, form.registration_data(), account=current_user)
    except RegistrationRefused as refused:
        members_only = isinstance(refused, registrations.MembersOnly)
        return page(403 if members_only else 409, refused=refused.messages, members_only=members_only)
    # From here on, nothing reads the database: the registration is stored, whatever happens to it.
    session[SENT] = {"registration": outcome.registration_id, "created": outcome.created}
    return redirect(url_for(".done", slug=slug), 303)


@bp.get("/evenements/<slug>/inscription/envoyee")
def done(slug: str):
    """What the form did, reached by GET (a reload sends nothing again). Only the browser that sent
    the form knows which registration it was: the page never shows its secret link."""
    event = registry.by_slug(slug) or abort(404)
    sent = session.get(SENT) or {}
    registration = db.session.get(Registration, sent.get("registration") or 0)
    if registration is None or registration.event_id != event.id or not registration.is_active:
        return redirect(url_for(".form", slug=event.slug), 303)  # cancelled or erased since
    return render_template(
        "registration/done.html", event=event, registration=registration, created=sent.get("created")
    )


def _registration(token: str):
    return registrations.by_token(token) or abort(404)


@bp.get("/inscription/<token>/")
def manage(token: str):
    return _manage_page(_registration(token))


def _manage_page(
    registration: Registration,
    answers_form: AnswersForm | None = None,
    status: int = 200,
    refused: list[str] | None = None,
):
    """The registrant's own page: ``answers_form`` as sent (else their answers), ``refused`` says why
    a change they asked was not made."""
    event = registration.event
    feed_token = registrations.calendar_token(registration.email).token
    feed_url = external_url("feeds.personal_ics", token=feed_token)
    changeable = registration.is_active and registrations.unavailable(event) is None
    return render_template(
        "registration/manage.html",
        registration=registration,
        event=event,
        feed_url=feed_url,
        feed_webcal=webcal(feed_url),
        changeable=changeable,
        groups=registrations.choice_groups(event) if changeable else {},
        slot_places=registrations.slots_places_left(event.id) if changeable else {},
        mode_places=registrations.places_by_mode(event) if changeable else {},
        answers_form=_answers_form(registration) if answers_form is None else answers_form,
        answers_refusal=registrations.answers_refusal(registration),
        given={answer.question_id: answer.value for answer in registration.answers},
        attestation=attestations.of_registration(registration),
        refused=refused,
    ), status


@bp.post("/inscription/<token>/choix")
def choose_slot(token: str):
    """The person picks another slot of a group « au choix », while it has a free place."""
    return _change(token, registrations.choose_slot, request.form.get("creneau", ""), "Choix enregistré")


@bp.post("/inscription/<token>/mode")
def change_mode(token: str):
    """The person attends a hybrid event the other way, while that way has a free place."""
    return _change(token, registrations.change_mode, request.form.get("mode", ""), "Participation modifiée")


def _change(token: str, change, value: str, done: str):
    registration = _registration(token)
    try:
        changed = change(registration, value)
    except RegistrationRefused as refused:
        return _manage_page(registration, status=409, refused=refused.messages)
    if changed:
        flash(f"{done} ; un e-mail vous le confirme.", "success")
    return redirect(url_for(".manage", token=token, _anchor="participation"), 303)


def _answers_form(registration: Registration, sent: bool = False) -> AnswersForm:
    """The person's answers to the questions asked of their mode, as a form to change them (``sent``:
    as this request's form sent them)."""
    asked = questions.asked(registration.event, registration.mode)
    form_class = with_questions(AnswersForm, registration.event, asked, mode=registration.mode)
    given = {answer.question_id: answer.value for answer in registration.answers}
    data = {field_name(question): initial(question, given.get(question.id)) for question in asked}
    return form_class() if sent else form_class(formdata=None, data=data)


def _code_holder(token: str) -> Registration:
    """The registration of ``token`` when it has a check-in code to show (404 otherwise, e.g. cancelled)."""
    registration = _registration(token)
    if not registration.shows_checkin_code or registration.event.status == "cancelled":
        abort(404)
    return registration


@bp.get("/inscription/<token>/code-accueil.png")
def checkin_qr(token: str):
    """The QR code of the registration's check-in code."""
    return current_app.response_class(qr.png(_code_holder(token).checkin_code), mimetype="image/png")


@bp.get("/inscription/<token>/billet.pdf")
def ticket(token: str):
    """The printable one-page ticket, with the QR code."""
    registration = _code_holder(token)
    response = current_app.response_class(tickets.ticket_pdf(registration), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="billet-{registration.event.slug}.pdf"'
    return response


@bp.post("/inscription/<token>/reponses")
def change_answers(token: str):
    registration = _registration(token)
    form = _answers_form(registration, sent=True)
    if not form.validate():
        return _manage_page(registration, form, 400)
    try:
        registrations.update_answers(registration, form.answers())
    except RegistrationRefused as refused:
        for message in refused.messages:
            flash(message, "error")
        return redirect(url_for(".manage", token=token), 303)
    flash("Vos réponses sont enregistrées.", "success")
    return redirect(url_for(".manage", token=token, _anchor="reponses"), 303)


@bp.get("/inscription/<token>/attestation.pdf")
def attestation_pdf(token: str):
    """The person's attestation de présence, once issued."""
    registration = _registration(token)
    attestation = attestations.of_registration(registration) or abort(404)
    return pdf.download(attestations.document([attestation]), attestations.filename(registration.event))


@bp.get("/inscription/<token>/donnees")
def download_data(token: str):
    """What the platform holds about this registration's e-mail address, as a JSON file (RGPD)."""
    registration = _registration(token)
    document = personal_data.as_json(registration.email)
    response = current_app.response_class(document, mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="mes-donnees-rtes.json"'
    return response


@bp.post("/inscription/<token>/annuler")
def cancel(token: str):
    registration = _registration(token)
    try:
        registrations.cancel(registration)
    except RegistrationRefused as refused:
        for message in refused.messages:
            flash(message, "error")
    else:
        flash("Votre inscription est annulée.", "success")
    return redirect(url_for(".manage", token=token), 303)


@bp.post("/inscription/<token>/effacer")
def erase(token: str):
    registrations.erase(_registration(token))
    flash(
        "Vos données sont effacées : votre nom, votre adresse e-mail et votre organisation ont été "
        "supprimés de cette inscription, et son lien de gestion ne fonctionne plus.",
        "success",
    )
    return redirect(url_for("public.agenda"), 303)


@bp.post("/inscription/<token>/agenda/renouveler")
def renew_feed(token: str):
    registration = _registration(token)
    registrations.renew_calendar_token(registration.email)
    flash(
        "Le lien de votre agenda personnel a été renouvelé : l'ancien ne fonctionne plus. "
        "Abonnez votre agenda au nouveau lien ci-dessous.",
        "success",
    )
    return redirect(url_for(".manage", token=token), 303)
