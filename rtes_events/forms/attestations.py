"""The admins' form of the attestations' signatory."""

from wtforms import StringField

from .base import Form
from .fields import length, required, strip


class SignatoryForm(Form):
    name = StringField(
        "Nom du ou de la signataire",
        filters=[strip],
        description="Imprimé au bas de chaque attestation, par exemple « Marie Dupont ». Vide : aucun nom.",
        validators=[length("Nom du ou de la signataire", 120)],
    )
    role = StringField(
        "Fonction",
        filters=[strip],
        description="Par exemple « Déléguée générale du RTES ».",
        validators=[required("Fonction"), length("Fonction", 120)],
    )
