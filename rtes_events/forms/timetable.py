"""The forms of an event's programme in the workspace: a slot, and the event to copy a programme from."""

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from .. import timetable
from ..models.slots import KINDS
from .events import FrenchTimeField, _choices, checkboxes, needed, one_of, places_field, text
from .fields import length, required, strip

CHOICE_HELP = (
    "Seulement pour des créneaux en parallèle dont chaque personne inscrite choisit un seul : "
    "donnez-leur le même libellé, par exemple « Ateliers de l'après-midi »."
)


class SlotForm(FlaskForm):
    """A slot: ``configure`` sets the event's days and the speakers; ``values`` gives ``timetable``
    its values."""

    day = SelectField(
        "Jour", validate_choice=False, validators=[one_of("Choisissez un jour de la session dans la liste.")]
    )
    start_time = FrenchTimeField("Heure de début", validators=[needed("Heure de début")])
    end_time = FrenchTimeField("Heure de fin", validators=[needed("Heure de fin")])
    title = StringField("Titre", filters=[strip], validators=[required("Titre"), length("Titre", 300)])
    kind = SelectField(
        "Type de créneau",
        choices=_choices(KINDS),
        default="autre",
        validate_choice=False,
        validators=[one_of("Choisissez un type de créneau dans la liste.")],
    )
    place = StringField("Lieu ou salle", filters=[strip], validators=[length("Lieu ou salle", 200)])
    description = TextAreaField(
        "Description", filters=[text], validators=[length("Description", timetable.LIMITS["description"])]
    )
    speakers = checkboxes("Intervenant·es", "Choisissez les intervenant·es dans la liste.")
    choice = StringField(
        "Au choix", description=CHOICE_HELP, filters=[strip], validators=[length("Au choix", 120)]
    )
    capacity = places_field("Nombre de places", "Pour un créneau au choix ; vide : sans limite.")

    def configure(self, event) -> "SlotForm":
        self.days = timetable.event_days(event)
        self.day.choices = _choices({day.isoformat(): f"{day:%d/%m/%Y}" for day in self.days})
        if self.day.data is None or self.day.data == "None":
            self.day.data = self.days[0].isoformat()
        self.speaker_rows = {str(speaker.id): speaker for speaker in timetable.speaker_choices()}
        self.speakers.choices = _choices({key: str(speaker) for key, speaker in self.speaker_rows.items()})
        return self

    @staticmethod
    def initial(slot, event) -> dict:
        return {
            "day": timetable.slot_day(slot, event).isoformat(),
            "start_time": slot.starts,
            "end_time": slot.ends,
            "title": slot.title,
            "kind": slot.kind,
            "place": slot.place,
            "description": slot.description,
            "speakers": [str(speaker.id) for speaker in slot.speakers],
            "choice": slot.choice,
            "capacity": slot.capacity,
        }

    def values(self) -> dict:
        """The values for ``timetable.add`` and ``timetable.update``, once the form is valid."""
        days = {day.isoformat(): day for day in self.days}
        return {
            "day": days.get(self.day.data),
            "starts": self.start_time.data,
            "ends": self.end_time.data,
            "title": self.title.data,
            "kind": self.kind.data,
            "place": self.place.data,
            "description": self.description.data,
            "speakers": [self.speaker_rows[key] for key in self.speakers.data or []],
            "choice": self.choice.data,
            "capacity": self.capacity.data,
        }


class CopyForm(FlaskForm):
    source = SelectField(
        "Session dont copier le programme",
        validate_choice=False,
        validators=[one_of("Choisissez une session dans la liste.")],
    )

    def configure(self, sources) -> "CopyForm":
        self.sources = {str(event.id): event for event in sources}
        self.source.choices = _choices(
            {key: f"{event.local_start:%d/%m/%Y} — {event.title}" for key, event in self.sources.items()}
        )
        return self
