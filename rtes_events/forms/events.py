"""The session forms of the workspace: create or edit a session, postpone it."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from slugify import slugify
from sqlalchemy import select
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import clock, editing, reminders
from ..config import reminder_offsets
from ..extensions import db
from ..models import Club, Partner
from ..models.events import KINDS, MODES, capacity_values
from ..permissions import managed_clubs
from .base import Form
from .fields import length, required, strip

AUDIENCES = {"all": "Ouvert à toutes et à tous", "members": "Réservé aux collectivités adhérentes"}
REMINDERS = {
    "reseau": "Ceux du réseau",
    "propres": "Personnalisés (délais ci-dessous)",
    "aucun": "Aucun rappel",
}
REMINDERS_LABEL = "Délais des rappels personnalisés"
MAX_CAPACITY = 100_000


class _French:
    """A date, time or number field that reads an empty input as no value and says, in French,
    what it expects when the input cannot be read."""

    def __init__(self, *args, invalid: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid = invalid

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            super().process_formdata([value.strip() for value in valuelist])
        except ValueError:
            raise ValueError(self.invalid) from None


class FrenchDateField(_French, DateField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            format=["%Y-%m-%d", "%d/%m/%Y"],
            invalid=f"« {label} » n'est pas une date valide (exemple : 04/09/2025).",
            **kwargs,
        )


class FrenchTimeField(_French, TimeField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            format=["%H:%M", "%H:%M:%S", "%Hh%M", "%H h %M", "%Hh", "%H h"],
            invalid=f"« {label} » n'est pas une heure valide (exemple : 14:30).",
            **kwargs,
        )


class FrenchDateTimeField(_French, DateTimeLocalField):
    def __init__(self, label, **kwargs):
        super().__init__(
            label,
            format=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
            invalid=f"« {label} » n'est pas une date et heure valides (exemple : 04/09/2025 14:30).",
            **kwargs,
        )


class FrenchIntegerField(_French, IntegerField):
    def __init__(self, label, **kwargs):
        super().__init__(label, invalid=f"« {label} » doit être un nombre entier.", **kwargs)


def places_field(label: str, description: str) -> FrenchIntegerField:
    """A number of places: empty for no limit, else from 1 to ``MAX_CAPACITY``."""
    return FrenchIntegerField(
        label,
        description=description,
        validators=[
            optional,
            NumberRange(
                min=1,
                max=MAX_CAPACITY,
                message="Le nombre de places doit être compris entre 1 et 100 000 "
                "(laissez vide pour ne pas limiter).",
            ),
        ],
    )


def checkboxes(label: str, message: str) -> SelectMultipleField:
    """Boxes to tick among choices set per form (``message`` for a value not among them)."""
    return SelectMultipleField(
        label,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
        validators=[one_of(message)],
    )


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def text(value):
    return value.strip() if isinstance(value, str) else value


def one_of(message: str):
    """The value is one of the field's choices (the choices are set per user: never trust a post)."""

    def check(form, field):
        allowed = {choice.value for choice in field.choices}
        values = field.data if isinstance(field.data, list) else [field.data]
        if any(value not in allowed for value in values):
            raise ValidationError(message)

    return check


def optional(form, field):
    """No more checks for an empty value, nor for an unreadable one (it keeps its own message)."""
    if field.data is None:
        raise StopValidation()


def needed(label: str):
    """Required, for the fields above: an unreadable value keeps its own message."""

    def check(form, field):
        if field.data is None:
            raise StopValidation(None if field.process_errors else f"Le champ « {label} » est obligatoire.")

    check.field_flags = {"required": True}
    return check


def web_address(form, field):
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
            raise ValidationError(
                "Le lien de connexion doit être une adresse web complète, commençant par https:// ou http://."
            )


class ScheduledForm(Form):
    """A form whose date and hours are checked together once each is readable: its ``schedule()``
    gives the times, or raises ValueError with a French message, shown under the end time."""

    SCHEDULE_FIELDS = ("date", "start_time", "end_time")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not any(self[name].errors for name in self.SCHEDULE_FIELDS):
            try:
                self.schedule()
            except ValueError as error:
                self.end_time.errors.append(str(error))
                return False
        return valid


class EventForm(ScheduledForm):
    """A session: ``configure`` sets what the user may choose, ``event_data`` gives ``editing`` its values."""

    SCHEDULE_FIELDS = ("date", "start_time", "end_time", "end_date")

    kind = SelectField(
        "Type de session",
        validate_choice=False,
        validators=[one_of("Choisissez un type de session dans la liste.")],
    )
    club = SelectField("Club", validate_choice=False, description="Obligatoire pour une séance de club.")
    title = StringField("Titre", filters=[strip], validators=[required("Titre"), length("Titre", 300)])
    summary = TextAreaField(
        "Résumé",
        description="Une ou deux phrases, reprises dans l'agenda.",
        filters=[text],
        validators=[length("Résumé", 1000)],
    )
    description = TextAreaField(
        "Description",
        description="En Markdown : **gras**, *italique*, listes avec « - », liens [texte](https://…). "
        "« Prévisualiser » montre le rendu sans enregistrer.",
        filters=[text],
        validators=[length("Description", 20_000)],
    )
    date = FrenchDateField("Date", validators=[needed("Date")])
    start_time = FrenchTimeField(
        "Heure de début",
        description="Heure de Paris ; laissez les deux heures vides pour une journée entière.",
    )
    end_time = FrenchTimeField("Heure de fin")
    end_date = FrenchDateField("Date de fin", description="Seulement si la session dure plusieurs jours.")
    mode = SelectField(
        "Format",
        choices=_choices({"": "Choisissez…", **MODES}),
        validate_choice=False,
        validators=[
            InputRequired(message="Choisissez le format de la session."),
            one_of("Choisissez un format dans la liste."),
        ],
    )
    venue = StringField("Lieu", filters=[strip], validators=[length("Lieu", 300)])
    city = StringField("Ville", filters=[strip], validators=[length("Ville", 120)])
    online_url = StringField(
        "Lien de connexion",
        description="Montré aux seules personnes inscrites et confirmées.",
        filters=[strip],
        validators=[length("Lien de connexion", 500), web_address],
    )
    capacity = places_field(
        "Nombre de places",
        "Laissez vide pour ne pas limiter les inscriptions. Session hybride : indiquez plutôt les "
        "places sur place et à distance.",
    )
    capacity_onsite = places_field(
        "Places sur place",
        "Session hybride : les places de la salle, avec leur liste d'attente ; vide : illimité.",
    )
    capacity_remote = places_field(
        "Places à distance",
        "Session hybride : les places en ligne, avec leur liste d'attente ; vide : illimité.",
    )
    waitlist = BooleanField("Liste d'attente quand la session est complète", default=True)
    send_attestations = BooleanField(
        "Envoyer les attestations de présence par e-mail à la clôture des présences",
        description="Chaque personne présente reçoit la sienne (PDF) ; sinon, elle la télécharge "
        "depuis sa page d'inscription.",
    )
    registration_opens = FrenchDateTimeField(
        "Ouverture des inscriptions", description="Heure de Paris ; vide : dès la publication."
    )
    registration_closes = FrenchDateTimeField(
        "Clôture des inscriptions", description="Heure de Paris ; vide : jusqu'au début de la session."
    )
    audience = RadioField(
        "Public",
        choices=_choices(AUDIENCES),
        default="all",
        validate_choice=False,
        validators=[one_of("Choisissez le public de la session.")],
    )
    reminders = RadioField(
        "Rappels aux inscrit·es",
        description="Un e-mail avant la session, avec le fichier calendrier et le lien d'inscription.",
        choices=_choices(REMINDERS),
        default="reseau",
        validate_choice=False,
        validators=[one_of("Choisissez les rappels dans la liste.")],
    )
    reminder_offsets = StringField(
        REMINDERS_LABEL,
        description="Avant le début, séparés par des virgules, par exemple : 3j, 1j, 2h (j : jours, "
        "h : heures, min : minutes). Moins d'un jour : sessions en ligne ou hybrides seulement, avec le "
        "lien de connexion.",
        filters=[strip],
        validators=[length(REMINDERS_LABEL, 60)],
    )
    themes = StringField(
        "Thèmes",
        description="Séparés par des virgules, par exemple : commande publique, emploi.",
        filters=[strip],
        validators=[length("Thèmes", 1000)],
    )
    partners = checkboxes("Partenaires co-organisateurs", "Choisissez les partenaires dans la liste.")

    def configure(self, user, event=None) -> "EventForm":
        """The kinds and clubs ``user`` may choose (with those ``event`` already has), every partner."""
        self.user, self.event = user, event
        kinds = set(editing.creatable_kinds(user)) | ({event.kind} if event else set())
        clubs = managed_clubs(user)
        if event and event.club and event.club not in clubs:
            clubs.append(event.club)
        self.kind.choices = _choices({kind: label for kind, label in KINDS.items() if kind in kinds})
        self.club.choices = _choices({"": "Aucun club", **{club.slug: club.name for club in clubs}})
        partners = db.session.scalars(select(Partner).order_by(Partner.name))
        self.partners.choices = _choices({partner.key: partner.name for partner in partners})
        network = reminder_offsets(current_app.config["RTES_REMINDERS"])
        label = f"Ceux du réseau : {reminders.describe(network)}"
        if network and min(network) < reminders.DAY:
            label += " (moins d'un jour : en ligne et hybride)"
        self.reminders.choices = _choices({**REMINDERS, "reseau": label})
        return self

    @staticmethod
    def initial(event, blank_date: bool = False) -> dict:
        """The form's values for ``event``; without its date for a copy whose date is to be chosen."""
        start, end = event.local_start, event.local_end
        last_day = end.date() - (timedelta(days=1) if event.all_day else timedelta(0))
        return {
            "kind": event.kind,
            "club": event.club.slug if event.club else "",
            "title": event.title,
            "summary": event.summary,
            "description": event.description,
            "date": None if blank_date else start.date(),
            "start_time": None if event.all_day else start.time(),
            "end_time": None if event.all_day else end.time(),
            "end_date": None if blank_date or last_day <= start.date() else last_day,
            "mode": event.mode or "",
            "venue": event.venue,
            "city": event.city,
            "online_url": event.online_url,
            "capacity": event.capacity,
            "capacity_onsite": event.capacity_onsite,
            "capacity_remote": event.capacity_remote,
            "waitlist": event.waitlist,
            "send_attestations": event.send_attestations,
            "registration_opens": _local(event.registration_opens_at),
            "registration_closes": _local(event.registration_closes_at),
            "audience": event.audience,
            "themes": ", ".join(theme.name for theme in event.themes),
            "partners": [partner.key for partner in event.partners],
            "reminders": {None: "reseau", "": "aucun"}.get(event.reminders, "propres"),
            "reminder_offsets": event.reminders or "",
        }

    def validate_club(self, field):
        club = self.selected_club()
        if field.data and club is None:
            raise ValidationError(
                "Choisissez un club dans la liste : vous ne pouvez pas organiser de session dans ce club."
            )
        if self.kind.data == "club" and club is None:
            raise ValidationError("Choisissez le club de cette séance.")
        current = (self.event.kind, self.event.club) if self.event else None
        if (self.kind.data, club) != current and not editing.may_create(self.user, self.kind.data, club):
            raise ValidationError("Vous ne pouvez pas créer ce type de session dans ce club.")

    def validate_end_date(self, field):
        if field.data and self.date.data and field.data < self.date.data:
            raise ValidationError("La date de fin précède la date de début.")

    def validate_registration_closes(self, field):
        if field.data and self.registration_opens.data and field.data <= self.registration_opens.data:
            raise ValidationError("La clôture des inscriptions doit suivre leur ouverture.")

    def validate_reminder_offsets(self, field):
        if self.reminders.data != "propres":
            return
        if not field.data:
            raise ValidationError(
                "Indiquez les délais des rappels personnalisés, ou choisissez une autre option."
            )
        offsets = reminder_offsets(field.data, name=REMINDERS_LABEL)  # a ValueError is the field's error
        if not offsets:
            raise ValidationError("Pour n'envoyer aucun rappel, choisissez « Aucun rappel ».")
        if self.mode.data == "onsite" and min(offsets) < reminders.DAY:
            raise ValidationError(
                "Les rappels à moins d'un jour sont réservés aux sessions en ligne ou hybrides "
                "(ils redonnent le lien de connexion)."
            )

    def reminder_setting(self) -> str | None:
        """``Event.reminders``: None for the network's, "" for none, else the offsets as written."""
        if self.reminders.data == "propres":
            return reminders.written(reminder_offsets(self.reminder_offsets.data, name=REMINDERS_LABEL))
        return None if self.reminders.data == "reseau" else ""

    def validate_themes(self, field):
        for name in self.theme_names():
            if not slugify(name):
                raise ValidationError(f"Le thème « {name} » doit contenir des lettres ou des chiffres.")
            if len(name) > 120:
                raise ValidationError("Un thème ne doit pas dépasser 120 caractères.")

    def selected_club(self) -> Club | None:
        """The chosen club when it is one the form offers, else None."""
        if not self.club.data or self.club.data not in {choice.value for choice in self.club.choices}:
            return None
        return db.session.scalar(select(Club).where(Club.slug == self.club.data))

    def schedule(self) -> dict:
        return editing.schedule(self.date.data, self.start_time.data, self.end_time.data, self.end_date.data)

    def theme_names(self) -> list[str]:
        """The themes typed, without repeats (two spellings of one theme count once)."""
        names = {}
        for name in (self.themes.data or "").split(","):
            if name := name.strip():
                names.setdefault(slugify(name) or name, name)
        return list(names.values())

    def event_data(self) -> dict:
        """The values for ``editing.create`` and ``editing.update``; call it once the form is valid."""
        partners = db.session.scalars(select(Partner).where(Partner.key.in_(self.partners.data or [])))
        return capacity_values(
            {
                "kind": self.kind.data,
                "club": self.selected_club(),
                "title": self.title.data,
                "summary": self.summary.data or None,
                "description": self.description.data or None,
                **self.schedule(),
                "mode": self.mode.data,
                "venue": self.venue.data or None,
                "city": self.city.data or None,
                "online_url": self.online_url.data or None,
                "capacity": self.capacity.data,
                "capacity_onsite": self.capacity_onsite.data,
                "capacity_remote": self.capacity_remote.data,
                "waitlist": self.waitlist.data,
                "send_attestations": self.send_attestations.data,
                "registration_opens_at": _utc(self.registration_opens.data),
                "registration_closes_at": _utc(self.registration_closes.data),
                "audience": self.audience.data,
                "partners": sorted(partners, key=lambda partner: partner.name),
                "themes": self.theme_names(),
                "reminders": self.reminder_setting(),
            }
        )


class PostponeForm(ScheduledForm):
    """The new date of a session, or none yet; the hours stay the same unless new ones are given."""

    date = FrenchDateField(
        "Nouvelle date",
        description="Laissez vide si elle n'est pas encore connue : la session sera « reportée ».",
    )
    start_time = FrenchTimeField("Nouvelle heure de début", description="Vide : même horaire qu'avant.")
    end_time = FrenchTimeField("Nouvelle heure de fin")

    def __init__(self, event, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event

    def validate_date(self, field):
        if field.process_errors:
            return
        if field.data is not None:
            if field.data < clock.local_today():
                raise ValidationError("La nouvelle date doit être aujourd'hui ou plus tard.")
        elif self.event.status == "postponed":
            raise ValidationError("La session est déjà reportée : indiquez sa nouvelle date.")
        elif self.start_time.data or self.end_time.data:
            raise ValidationError("Indiquez la nouvelle date, ou laissez les heures vides.")

    def schedule(self) -> dict | None:
        """The session's new times, or None when the new date is not known yet."""
        if self.date.data is None:
            return None
        return editing.moved(self.event, self.date.data, self.start_time.data, self.end_time.data)


def _local(moment):
    """A stored time as the Paris wall-clock time the form shows."""
    return clock.to_local(moment).replace(tzinfo=None) if moment else None


def _utc(moment):
    """A Paris wall-clock time from the form, as stored."""
    return clock.to_utc(moment.date(), moment.time()) if moment else None
