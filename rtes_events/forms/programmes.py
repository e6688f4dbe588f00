"""The admins' programme form (« action » of a funding agreement)."""

from wtforms import StringField, TextAreaField
from wtforms.validators import ValidationError

from .base import Form
from .events import FrenchDateField
from .fields import length, required, strip


class ProgrammeForm(Form):
    name = StringField("Nom", filters=[strip], validators=[required("Nom"), length("Nom", 200)])
    funder = StringField(
        "Financeur",
        filters=[strip],
        description="Par exemple : ANCT, Banque des Territoires.",
        validators=[length("Financeur", 200)],
    )
    starts_on = FrenchDateField("Début de la période")
    ends_on = FrenchDateField("Fin de la période")
    description = TextAreaField("Description", validators=[length("Description", 5000)])

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError("La fin de la période précède son début.")

    def values(self) -> dict:
        return {
            name: getattr(self, name).data
            for name in ("name", "funder", "starts_on", "ends_on", "description")
        }
