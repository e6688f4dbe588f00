"""The registration form, with the fields plugins add."""

from flask import current_app
from wtforms import BooleanField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired

from ..formatting import retention
from ..models.registrations import FUNCTIONS
from .fields import email_field, length, required, strip
from .questions import AnswersForm, with_questions

CONSENT_TEXT = (
    "J'accepte que le RTES utilise ces informations (e-mail, nom, organisation, fonction) pour "
    "organiser cet événement et m'écrire à son sujet ; elles sont partagées avec ses "
    "co-organisateurs pour ce seul usage et conservées au plus tard {retention} après l'événement, "
    "puis effacées (seul le nombre de participants est gardé). Je peux annuler mon inscription "
    "à tout moment depuis le lien reçu par e-mail, et demander l'accès à mes données ou leur "
    "effacement au RTES."
)


class RegistrationForm(AnswersForm):
    """The registration form of the platform; ``registration_form`` adds the plugins' fields and the
    answer fields of the event's questions."""

    email = email_field()
    first_name = StringField(
        "Prénom", filters=[strip], validators=[required("Prénom"), length("Prénom", 100)]
    )
    last_name = StringField("Nom", filters=[strip], validators=[required("Nom"), length("Nom", 100)])
    organisation = StringField(
        "Organisation",
        description="Collectivité, structure de l'ESS, administration…",
        filters=[strip],
        validators=[required("Organisation"), length("Organisation", 200)],
    )
    function = SelectField(
        "Fonction",
        choices=[
            SelectChoice("", "Choisissez…"),
            *(SelectChoice(key, label) for key, label in FUNCTIONS.items()),
        ],
        validate_choice=False,
        validators=[
            InputRequired(message="Choisissez votre fonction."),
            AnyOf(list(FUNCTIONS), message="Choisissez une fonction dans la liste."),
        ],
    )
    consent = BooleanField(
        "Accord sur l'utilisation des données",
        validators=[
            DataRequired(
                message="Votre accord sur l'utilisation de vos données est nécessaire pour vous inscrire."
            )
        ],
    )

    CORE_FIELDS = ("email", "first_name", "last_name", "organisation", "function", "consent")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.consent is not None:  # None in the organisers' form (forms/registrants.py)
            self.consent.label.text = CONSENT_TEXT.format(
                retention=retention(current_app.config["RTES_RETENTION_DAYS"])
            )

    plugin_field_names: tuple[str, ...] = ()

    @property
    def plugin_fields(self) -> list:
        return [self[name] for name in self.plugin_field_names]

    def registration_data(self) -> dict:
        """The values for ``registrations.register``."""
        data = {name: self[name].data for name in self.CORE_FIELDS}
        data["plugin_fields"] = {field.name: _jsonable(field.data) for field in self.plugin_fields}
        data["answers"] = self.answers()
        return data


def _jsonable(value):
    """Dates and times as ISO text, so that plugin values can be stored as JSON."""
    return value.isoformat() if hasattr(value, "isoformat") else value


def registration_form(
    extra_fields: list[tuple[str, object]], base: type[RegistrationForm] = RegistrationForm, event=None
) -> type[RegistrationForm]:
    """A subclass of ``base`` with the plugins' extra ``(name, unbound field)`` pairs, and the answer
    fields of ``event``'s questions."""
    if event is not None and event.questions:
        base = with_questions(base, event, event.questions)
    if not extra_fields:
        return base
    names = [name for name, _ in extra_fields]
    reserved = {*RegistrationForm.CORE_FIELDS, "csrf_token", "meta"}
    clashes = {name for name in names if name in reserved or names.count(name) > 1}
    if clashes:
        raise ValueError(f"plugin registration fields reuse a taken name: {sorted(clashes)}")
    attributes = dict(extra_fields)
    attributes["plugin_field_names"] = tuple(names)
    return type(f"Plugin{base.__name__}", (base,), attributes)
