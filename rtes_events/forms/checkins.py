"""Forms of the door (check-in): a typed code or part of a name, and a person added at the door."""

from wtforms import StringField

from .base import Form
from .fields import length, required, strip
from .registration import RegistrationForm


class FindForm(Form):
    """A check-in code (as printed beside the QR code) or part of a name."""

    q = StringField(
        "Code d'accueil ou nom",
        filters=[strip],
        validators=[required("Code d'accueil ou nom"), length("Code d'accueil ou nom", 200)],
    )


class WalkInForm(Form):
    """Someone who arrives without registering: name, organisation and function."""

    first_name = RegistrationForm.first_name
    last_name = RegistrationForm.last_name
    organisation = RegistrationForm.organisation
    function = RegistrationForm.function
