"""The satisfaction questionnaire: a mark from 1 to 5 per question (optional) and a comment."""

from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Optional

from ..models.surveys import QUESTIONS
from .base import Form
from .fields import length

MARKS = [
    SelectChoice("1", "1 — pas du tout"),
    SelectChoice("2", "2"),
    SelectChoice("3", "3"),
    SelectChoice("4", "4"),
    SelectChoice("5", "5 — tout à fait"),
]


class SurveyForm(Form):
    comment = TextAreaField(
        "Un commentaire, une suggestion ?",
        description="Facultatif. Ne mentionnez pas de nom : les réponses sont anonymes.",
        validators=[length("Commentaire", 2000)],
    )

    def marks(self) -> dict:
        return {name: int(self[name].data) if self[name].data else None for name in QUESTIONS}


for _name, _label in QUESTIONS.items():
    setattr(
        SurveyForm,
        _name,
        RadioField(
            _label,
            choices=MARKS,
            validate_choice=False,
            validators=[
                Optional(),
                AnyOf([choice.value for choice in MARKS], message="Choisissez une note de 1 à 5."),
            ],
        ),
    )
