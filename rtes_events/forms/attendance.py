"""The registration form's questions on how one attends: a hybrid event's mode (« Sur place »,
« À distance ») and one slot of each group « au choix », radio buttons labelled with the slots' titles.

The places are counted again by the registration service under the event's lock: a slot full
when the page was shown is only disabled here, the service refuses it when the form is sent.
"""

from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Optional

from ..models.registrations import MODES
from ..registrations import MODE_REQUIRED, UNKNOWN_SLOT, choice_groups
from .registration import RegistrationForm


class AttendanceForm(RegistrationForm):
    """Mixed into a registration form by ``with_attendance``: its mode and choice fields."""

    # (field name, group label, its slots), in programme order
    choice_groups: tuple = ()

    @property
    def attendance_fields(self) -> list:
        names = (["mode"] if "mode" in self else []) + [name for name, _, _ in self.choice_groups]
        return [self[name] for name in names]

    def registration_data(self) -> dict:
        data = super().registration_data()
        data["mode"] = self.mode.data if "mode" in self else None
        data["slots"] = [self[name].data for name, _, _ in self.choice_groups if self[name].data]
        return data


def with_attendance(base: type[RegistrationForm], event, slot_places: dict[int, int | None]) -> type:
    """``base`` with ``event``'s mode (hybrid events) and groups « au choix », if it has any; a group
    must be answered while one of its slots has a free place (``slot_places``)."""
    groups = choice_groups(event)
    if event.mode != "hybrid" and not groups:
        return base
    attributes: dict = {"choice_groups": ()}
    if event.mode == "hybrid":
        attributes["mode"] = RadioField(
            "Comment participez-vous ?",
            choices=[SelectChoice(key, label) for key, label in MODES.items()],
            validate_choice=False,
            validators=[InputRequired(message=MODE_REQUIRED), AnyOf(list(MODES), message=MODE_REQUIRED)],
        )
    for index, (label, slots) in enumerate(groups.items(), start=1):
        name = f"choix_{index}"
        needed = InputRequired(message=f"Choisissez un créneau pour « {label} ».")
        open_slots = any(slot_places.get(slot.id) != 0 for slot in slots)
        attributes[name] = RadioField(
            label,
            choices=[SelectChoice(str(slot.id), slot.title) for slot in slots],
            validate_choice=False,
            validators=[
                needed if open_slots else Optional(),
                AnyOf([str(slot.id) for slot in slots], message=UNKNOWN_SLOT),
            ],
        )
        attributes["choice_groups"] += ((name, label, slots),)
    return type(f"Attendance{base.__name__}", (AttendanceForm, base), attributes)
