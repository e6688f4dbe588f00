"""Validators and filters shared by the forms, with French messages."""

from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length

from ..formatting import one_line


def strip(value):
    return one_line(value) if isinstance(value, str) else value


def required(label: str) -> DataRequired:
    return DataRequired(message=f"Le champ « {label} » est obligatoire.")


def length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"Le champ « {label} » ne doit pas dépasser {limit} caractères.")


def email_field(label: str = "Adresse e-mail") -> EmailField:
    """An e-mail address, required and checked."""
    return EmailField(
        label,
        filters=[strip],
        validators=[
            required(label),
            length(label, 254),
            Email(message="L'adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr)."),
        ],
    )
