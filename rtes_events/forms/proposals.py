"""The form of an event proposed by a member or partner, and the team's refusal."""

from urllib.parse import urlsplit

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, ValidationError

from .. import clock, editing, proposals
from ..models.events import KINDS, MODES
from .base import Form
from .events import FrenchDateField, FrenchTimeField, ScheduledForm, _choices, needed, one_of, text
from .fields import length, required, strip

REGISTRATION = {"lien": "Sur le site de l'organisateur (lien ci-dessous)", "aucune": "Sans inscription"}


def https_address(form, field):
    if form.registration.data == "lien":
        if not field.data:
            raise ValidationError("Indiquez le lien d'inscription, ou choisissez « Sans inscription ».")
        parts = urlsplit(field.data)
        if parts.scheme != "https" or not parts.netloc or " " in field.data:
            raise ValidationError(
                "Le lien d'inscription doit être une adresse web complète commençant par https://."
            )


class ProposalForm(ScheduledForm):
    """An event to relay in the agenda; ``values`` gives ``proposals`` what was typed."""

    organisation = StringField(
        "Organisation qui propose l'événement",
        description="Affichée dans l'agenda : « Proposé par … ».",
        filters=[strip],
        validators=[required("Organisation qui propose l'événement"), length("Organisation", 200)],
    )
    title = StringField("Titre", filters=[strip], validators=[required("Titre"), length("Titre", 300)])
    kind = SelectField(
        "Type d'événement",
        choices=_choices({kind: KINDS[kind] for kind in proposals.KINDS}),
        validate_choice=False,
        validators=[one_of("Choisissez un type d'événement dans la liste.")],
    )
    date = FrenchDateField("Date", validators=[needed("Date")])
    start_time = FrenchTimeField(
        "Heure de début", description="Heure de Paris.", validators=[needed("Heure de début")]
    )
    end_time = FrenchTimeField("Heure de fin", validators=[needed("Heure de fin")])
    mode = SelectField(
        "Format",
        choices=_choices({"": "Choisissez…", **MODES}),
        validate_choice=False,
        validators=[
            InputRequired(message="Choisissez le format de l'événement."),
            one_of("Choisissez un format dans la liste."),
        ],
    )
    venue = StringField(
        "Lieu", description="Salle, adresse.", filters=[strip], validators=[length("Lieu", 300)]
    )
    city = StringField(
        "Ville",
        description="Obligatoire sur place ou en hybride.",
        filters=[strip],
        validators=[length("Ville", 120)],
    )
    description = TextAreaField(
        "Description",
        description="En Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…).",
        filters=[text],
        validators=[length("Description", 20_000)],
    )
    registration = RadioField(
        "Inscription",
        choices=_choices(REGISTRATION),
        default="lien",
        validate_choice=False,
        validators=[one_of("Choisissez comment s'inscrire.")],
    )
    registration_url = StringField(
        "Lien d'inscription",
        description="La page où l'on s'inscrit auprès de l'organisateur, commençant par https://.",
        filters=[strip],
        validators=[length("Lien d'inscription", 500), https_address],
    )

    def without_organisation(self) -> "ProposalForm":
        """For an account whose organisation is known: the field is not asked."""
        del self.organisation
        return self

    def validate_date(self, field):
        if field.data is not None and field.data < clock.local_today():
            raise ValidationError("La date de l'événement doit être aujourd'hui ou plus tard.")

    def validate_city(self, field):
        if self.mode.data in ("onsite", "hybrid") and not field.data:
            raise ValidationError("Indiquez la ville d'un événement sur place ou hybride.")

    def schedule(self) -> dict:
        times = editing.schedule(self.date.data, self.start_time.data, self.end_time.data)
        return {"starts_at": times["starts_at"], "ends_at": times["ends_at"]}

    def values(self) -> dict:
        """The values for ``proposals.submit`` and ``proposals.update``; once the form is valid."""
        values = {
            "title": self.title.data,
            "kind": self.kind.data,
            **self.schedule(),
            "mode": self.mode.data,
            "venue": self.venue.data or None,
            "city": self.city.data or None,
            "description": self.description.data or None,
            "registration_url": self.registration_url.data if self.registration.data == "lien" else None,
        }
        if "organisation" in self:
            values["organisation"] = self.organisation.data
        return values

    @staticmethod
    def initial(proposal) -> dict:
        """The form's values for a proposal being edited."""
        start, end = proposal.local_start, proposal.local_end
        return {
            "organisation": proposal.organisation,
            "title": proposal.title,
            "kind": proposal.kind,
            "date": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "mode": proposal.mode,
            "venue": proposal.venue,
            "city": proposal.city,
            "description": proposal.description,
            "registration": "lien" if proposal.registration_url else "aucune",
            "registration_url": proposal.registration_url,
        }


class RefusalForm(Form):
    reason = TextAreaField(
        "Raison du refus",
        description="Envoyée par e-mail à la personne qui a proposé l'événement.",
        filters=[text],
        validators=[required("Raison du refus"), length("Raison du refus", proposals.MAX_REASON)],
    )
