"""The organisers' questions: the workspace's question form, and the answer fields a registration
form (and the person's management page) adds, one per question, named ``question-<id>``."""

from flask import current_app, request
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .. import questions
from ..formatting import one_line
from ..models.questions import TYPES
from .base import Form
from .fields import length, required, strip

SCOPES = {
    "": "Toutes les personnes inscrites",
    "onsite": "Sur place uniquement",
    "remote": "À distance uniquement",
}
YES_NO = [SelectChoice("oui", "Oui"), SelectChoice("non", "Non")]
FIELD_PREFIX = "question-"


class QuestionForm(Form):
    label = StringField(
        "Question",
        filters=[strip],
        validators=[required("Question"), length("Question", questions.LIMITS["label"])],
    )
    type = SelectField(
        "Type de réponse",
        choices=[SelectChoice(key, label) for key, label in TYPES.items()],
        validate_choice=False,
        validators=[AnyOf(list(TYPES), message="Choisissez un type de réponse dans la liste.")],
    )
    choices = TextAreaField(
        "Réponses proposées",
        description="Pour une question à choix : une réponse par ligne.",
        render_kw={"rows": 5},
        validators=[length("Réponses proposées", 10_000)],
    )
    required = BooleanField("Réponse obligatoire")
    mode = RadioField(
        "Posée à",
        choices=[SelectChoice(key, label) for key, label in SCOPES.items()],
        default="",
        validate_choice=False,
        validators=[AnyOf(list(SCOPES), message="Choisissez à qui la question est posée dans la liste.")],
    )
    help = StringField(
        "Aide",
        description="Une phrase affichée sous la question (facultatif).",
        filters=[strip],
        validators=[length("Aide", questions.LIMITS["help"])],
    )
    sensitive = BooleanField(
        "Réponse sensible : elle peut révéler une information de santé (régime, allergie, handicap)",
        description="Seuls les organisateurs de la session la voient ; elle est effacée après la session "
        "et la personne en est informée à côté de la question.",
    )

    @classmethod
    def initial(cls, question) -> dict:
        return {
            "label": question.label,
            "type": question.type,
            "choices": "\n".join(question.choices or []),
            "required": question.required,
            "mode": question.mode or "",
            "help": question.help,
            "sensitive": question.sensitive,
        }

    def values(self) -> dict:
        return {
            "label": self.label.data,
            "type": self.type.data,
            "choices": (self.choices.data or "").splitlines(),
            "required": self.required.data,
            "mode": self.mode.data or None,
            "help": self.help.data,
            "sensitive": self.sensitive.data,
        }


def _integer(data) -> int | None:
    """A whole number as typed (« 1 200 » too), or None."""
    text = (data or "").replace(" ", "").replace("\u202f", "")
    return int(text) if text.isascii() and text.lstrip("-").isdigit() else None


def _number(form, field) -> None:
    if not (field.data or "").strip():
        return
    low, high = questions.NUMBER_RANGE
    if _integer(field.data) is None:
        raise ValidationError(f"Le champ « {field.label.text} » attend un nombre entier (exemple : 3).")
    if not low <= _integer(field.data) <= high:
        raise ValidationError(
            f"Le champ « {field.label.text} » attend un nombre entre {low} et {high:,}.".replace(",", " ")
        )


MODE_HINTS = {
    "onsite": "Question posée aux personnes qui participent sur place.",
    "remote": "Question posée aux personnes qui participent à distance.",
}


def _hint(question) -> str:
    """The help under a question: the organisers', to whom it is asked, and for a sensitive one, who
    sees the answer and when it is erased."""
    parts = [question.help or "", MODE_HINTS.get(question.mode, "")]
    if question.sensitive:
        days = current_app.config["RTES_SENSITIVE_RETENTION_DAYS"]
        parts.append(
            "Votre réponse peut révéler une information de santé : seuls les organisateurs de cet "
            f"événement la voient, pour préparer votre accueil, et elle est effacée {days} jours après "
            "l'événement."
        )
        if not question.required:
            parts.append("Vous pouvez ne pas répondre.")
    return " ".join(part for part in parts if part)


def answer_field(question):
    """The unbound field of ``question`` (the requirement is checked by ``AnswersForm.validate``,
    which knows the registrant's mode)."""
    options = {"description": _hint(question), "validators": []}
    label = question.label
    if question.type in ("texte", "texte-long"):
        options["validators"].append(length(label, questions.TEXT_LIMITS[question.type]))
        if question.type == "texte":
            return StringField(label, filters=[strip], **options)
        return TextAreaField(label, render_kw={"rows": 4}, **options)
    if question.type == "nombre":
        options["validators"].append(_number)
        return StringField(label, filters=[strip], render_kw={"inputmode": "numeric"}, **options)
    if question.type == "oui-non":
        wrong = AnyOf(["oui", "non", None], message=f"Répondez par oui ou par non à la question « {label} ».")
        return RadioField(label, choices=YES_NO, validate_choice=False, **_with(options, wrong))
    choices = [SelectChoice(choice, choice) for choice in question.choices]
    wrong = f"Choisissez une réponse proposée à la question « {label} »."
    if question.type == "choix":
        among = AnyOf([*question.choices, None], message=wrong)
        return RadioField(label, choices=choices, validate_choice=False, **_with(options, among))
    return SelectMultipleField(
        label,
        choices=choices,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        **_with(options, _among(question.choices, wrong)),
    )


def _with(options: dict, validator) -> dict:
    return {**options, "validators": [*options["validators"], validator]}


def _among(choices, message: str):
    def check(form, field) -> None:
        if any(value not in choices for value in field.data or []):
            raise ValidationError(message)

    return check


class AnswersForm(Form):
    """A form with the answer fields of an event's questions; ``with_questions`` makes one."""

    asked_questions: tuple = ()  # the event's questions, each with its field
    event = None
    fixed_mode: str | None = None  # the registrant's mode, when the form does not ask it

    @property
    def question_fields(self) -> list:
        return [self[field_name(question)] for question in self.asked_questions]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for question in self.asked_questions:
            self[field_name(question)].flags.required = question.required  # « (obligatoire) »

    def registrant_mode(self) -> str | None:
        mode = self["mode"].data if "mode" in self._fields else self.fixed_mode
        return questions.effective_mode(self.event, mode) if self.event is not None else None

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        mode = self.registrant_mode()
        for question in self.asked_questions:
            field = self[field_name(question)]
            if (
                question.required
                and questions.is_asked(question, mode)
                and _value(question, field.data) is None
            ):
                field.errors = [*field.errors, f"Répondez à la question « {question.label} »."]
                valid = False
        own = {field_name(question) for question in self.asked_questions}
        if any(key.startswith(FIELD_PREFIX) and key not in own for key in request.form):
            self.form_errors.append(
                "Une réponse porte sur une question qui n'est pas posée pour cet événement."
            )
            valid = False
        return valid

    def answers(self) -> dict[int, object]:
        """``{question id: value}`` of the questions asked of the registrant's mode (those of the other
        mode are ignored, whatever was sent), None for an unanswered one."""
        mode = self.registrant_mode()
        return {
            question.id: _value(question, self[field_name(question)].data)
            for question in self.asked_questions
            if questions.is_asked(question, mode)
        }


def field_name(question) -> str:
    return f"{FIELD_PREFIX}{question.id}"


def _value(question, data):
    """A field's data as the stored answer: text, True/False, a list of choices, an int, or None."""
    if question.type == "oui-non":
        return {"oui": True, "non": False}.get(data)
    if question.type == "choix-multiples":
        return [choice for choice in question.choices if choice in (data or [])] or None
    if question.type == "nombre":
        return _integer(data)
    if question.type == "texte":
        return one_line(data) or None
    return (data or "").strip() or None


def initial(question, value):
    """A stored answer as its field's data (to show the person what they answered)."""
    if question.type == "oui-non":
        return {True: "oui", False: "non"}.get(value)
    if question.type == "nombre":
        return "" if value is None else str(value)
    return value


def with_questions(base: type, event, asked, mode: str | None = None) -> type:
    """A subclass of ``base`` (an ``AnswersForm``) with one field per question of ``asked``."""
    asked = tuple(asked)
    attributes = {field_name(question): answer_field(question) for question in asked}
    attributes |= {"asked_questions": asked, "event": event, "fixed_mode": mode}
    return type(f"Answers{base.__name__}", (base,), attributes)
