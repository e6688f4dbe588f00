"""Validators and filters shared by the forms, with French messages."""

from wtforms.validators import DataRequired, Length

from ..formatting import one_line


def strip(value):
    return one_line(value) if isinstance(value, str) else value


def required(label: str) -> DataRequired:
    return DataRequired(message=f"Le champ « {label} » est obligatoire.")


def length(label: str, limit: int) -> Length:
    return Length(max=limit, message=f"Le champ « {label} » ne doit pas dépasser {limit} caractères.")
