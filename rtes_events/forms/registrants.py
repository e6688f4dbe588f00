"""Forms of the workspace's registrant pages: manual add, message to the registrants."""

from flask import current_app
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired

from ..formatting import retention
from .base import Form
from .fields import length, required, strip
from .registration import CONSENT_TEXT, RegistrationForm, registration_form


class RegistrantForm(RegistrationForm):
    """The registration form an organiser fills for someone: no consent box, the organiser states
    (on the page, by submitting) that the person agreed to the terms of the public form."""

    consent = None
    CORE_FIELDS = ("email", "first_name", "last_name", "organisation", "function")

    @property
    def consent_text(self) -> str:
        """What the person agreed to: the public form's consent text."""
        return CONSENT_TEXT.format(retention=retention(current_app.config["RTES_RETENTION_DAYS"]))

    def registration_data(self) -> dict:
        return {**super().registration_data(), "consent": True}


def registrant_form(extra_fields: list[tuple[str, object]], event=None) -> type[RegistrantForm]:
    """RegistrantForm with the plugins' extra fields and the event's questions, as in the public form."""
    return registration_form(extra_fields, base=RegistrantForm, event=event)


# Who a message goes to: choice → registration statuses (people holding a place, the waiting list).
AUDIENCES = {
    "confirmed": ("Inscrit·es confirmé·es", ("confirmed", "attended", "absent")),
    "waitlisted": ("Liste d'attente", ("waitlisted",)),
    "both": ("Inscrit·es confirmé·es et liste d'attente", ("confirmed", "attended", "absent", "waitlisted")),
}


class MessageForm(Form):
    """A plain-text message to the registrants of one event."""

    audience = RadioField(
        "Destinataires",
        choices=[SelectChoice(key, label) for key, (label, _) in AUDIENCES.items()],
        default="confirmed",
        validate_choice=False,
        validators=[
            InputRequired(message="Choisissez les destinataires."),
            AnyOf(list(AUDIENCES), message="Choisissez les destinataires dans la liste."),
        ],
    )
    subject = StringField("Objet", filters=[strip], validators=[required("Objet"), length("Objet", 150)])
    body = TextAreaField(
        "Message",
        description="Texte simple. Le lien de gestion de l'inscription est ajouté à chaque message.",
        render_kw={"rows": 12},
        validators=[required("Message"), length("Message", 10_000)],
    )
