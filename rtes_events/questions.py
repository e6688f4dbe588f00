"""The organisers' own questions of an event: add, edit, reorder and remove them (ready-made ones in
one click), read them from import files, and show, count and export their answers.

Answers are personal data, stored and erased by ``rtes_events.registrations`` only. A question may
be asked of one mode of a hybrid event (``onsite`` or ``remote``); a ``sensitive`` one (dietary or
accessibility needs) may reveal health: its answers are shown to that event's organisers only and
erased ``RTES_SENSITIVE_RETENTION_DAYS`` after the event.
"""

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from . import audit
from .checks import InvalidImport
from .extensions import db
from .formatting import answer_text, one_line
from .models import Answer, Event, Question, Registration
from .models.events import fold
from .models.questions import TYPES
from .models.registrations import MODES

CHOICE_TYPES = ("choix", "choix-multiples")
LIMITS = {"label": 300, "help": 500, "choice": 200, "choices": 30}
TEXT_LIMITS = {"texte": 500, "texte-long": 5000}
NUMBER_RANGE = (0, 1_000_000)
# The import schema's modes (DESIGN.md §4), and the model's.
IMPORT_MODES = {"sur-place": "onsite", "a-distance": "remote"}
COUNTED = ("confirmed", "attended", "absent")  # the registrations holding a place

VEGETARIAN = "Végétarien"
NO_ACCESSIBILITY_NEED = "Aucun besoin particulier"


@dataclass(frozen=True)
class Preset:
    """A ready-made question: ``key`` is kept on the question (``Question.preset``)."""

    key: str
    title: str  # the button: « Ajouter : … »
    label: str
    type: str
    choices: tuple[str, ...] = ()
    mode: str | None = None
    help: str | None = None
    sensitive: bool = False


PRESETS = {
    preset.key: preset
    for preset in (
        Preset("dejeuner", "le déjeuner", "Je déjeunerai sur place", "oui-non", mode="onsite"),
        Preset(
            "regime",
            "les besoins alimentaires",
            "Besoins alimentaires",
            "choix-multiples",
            (VEGETARIAN, "Sans porc", "Sans gluten", "Allergies (précisez ci-dessous)"),
            mode="onsite",
            help="Cochez ce qui vous concerne, pour que le traiteur le prévoie.",
            sensitive=True,
        ),
        Preset(
            "allergies",
            "les allergies à préciser",
            "Allergies ou autre besoin alimentaire à préciser",
            "texte",
            mode="onsite",
            sensitive=True,
        ),
        Preset(
            "accessibilite",
            "les besoins d'accessibilité",
            "Besoins d'accessibilité",
            "choix-multiples",
            ("Fauteuil roulant", "Interprétation en langue des signes (LSF)", "Boucle magnétique", "Autre"),
            help="Pour que nous préparions votre accueil ; précisez au besoin ci-dessous.",
            sensitive=True,
        ),
        Preset(
            "accessibilite-precision",
            "les précisions d'accessibilité",
            "Précisions sur vos besoins d'accessibilité",
            "texte",
            sensitive=True,
        ),
        Preset(
            "connu",
            "« Comment avez-vous connu l'événement ? »",
            "Comment avez-vous connu cet événement ?",
            "choix",
            (
                "Lettre d'information du RTES",
                "Site du RTES",
                "Réseaux sociaux",
                "Un·e collègue",
                "Un partenaire",
                "Autre",
            ),
        ),
    )
}
# One click adds the question and, for a choice that asks to be precised, its text companion.
PRESET_GROUPS = {
    "dejeuner": ("dejeuner",),
    "regime": ("regime", "allergies"),
    "accessibilite": ("accessibilite", "accessibilite-precision"),
    "connu": ("connu",),
}
# Words of a question that may reveal health (an imported question matching no ready-made one).
HEALTH_WORDS = ("allerg", "aliment", "regime", "accessib", "handicap", "sante", "medic", "fauteuil")


class QuestionError(ValueError):
    """The question cannot be saved; ``messages`` say why, in French."""

    def __init__(self, *messages: str):
        super().__init__(" ".join(messages))
        self.messages = list(messages)


def check(event: Event, values: dict) -> dict:
    """``values`` (label, type, choices, required, mode, help, sensitive) checked and normalised."""
    errors = []
    label = one_line(values.get("label"))
    if not label:
        errors.append("Le libellé de la question est obligatoire.")
    elif len(label) > LIMITS["label"]:
        errors.append(f"Le libellé ne doit pas dépasser {LIMITS['label']} caractères.")
    kind = values.get("type")
    if not isinstance(kind, str) or kind not in TYPES:
        errors.append(f"Type de question inconnu (attendu : {', '.join(TYPES)}).")
    choices = [one_line(choice) for choice in values.get("choices") or [] if one_line(choice)]
    if kind in CHOICE_TYPES:
        if len(choices) < 2:
            errors.append("Une question à choix propose au moins deux réponses.")
        if len(choices) > LIMITS["choices"]:
            errors.append(f"Une question propose au plus {LIMITS['choices']} réponses.")
        if any(len(choice) > LIMITS["choice"] for choice in choices):
            errors.append(f"Une réponse proposée ne doit pas dépasser {LIMITS['choice']} caractères.")
        if len({fold(choice) for choice in choices}) < len(choices):
            errors.append("Deux réponses proposées sont identiques.")
    else:
        choices = []
    mode = values.get("mode") or None
    if mode is not None and (not isinstance(mode, str) or mode not in MODES):
        errors.append("Choisissez à qui la question est posée dans la liste.")
    elif mode is not None and event.mode != "hybrid":
        errors.append(
            "Seule une session hybride pose une question aux seules personnes sur place ou à distance."
        )
    help_text = one_line(values.get("help")) or None
    if help_text and len(help_text) > LIMITS["help"]:
        errors.append(f"L'aide ne doit pas dépasser {LIMITS['help']} caractères.")
    if errors:
        raise QuestionError(*errors)
    return {
        "label": label,
        "type": kind,
        "choices": choices,
        "required": bool(values.get("required")),
        "mode": mode,
        "help": help_text,
        "sensitive": bool(values.get("sensitive")),
    }


def add(event: Event, values: dict, preset: str | None = None) -> Question:
    """A new question, last of the event's; recorded in the audit log (in the caller's transaction)."""
    question = Question(position=_next_position(event), preset=preset, **check(event, values))
    event.questions.append(question)
    db.session.flush()
    audit.record("question.added", event=event, question=question.label)
    return question


def _next_position(event: Event) -> int:
    last = db.session.scalar(select(func.max(Question.position)).where(Question.event_id == event.id))
    return 0 if last is None else last + 1


def add_preset(event: Event, key: str) -> list[Question]:
    """Add a ready-made question (and its companion) in one click; those the event has are skipped.
    A question for one mode becomes everyone's on an event that is not hybrid."""
    if key not in PRESET_GROUPS:
        raise QuestionError("Question toute prête inconnue.")
    present = {question.preset for question in event.questions}
    added = []
    for name in PRESET_GROUPS[key]:
        if name in present:
            continue
        preset = PRESETS[name]
        values = {**preset.__dict__, "mode": preset.mode if event.mode == "hybrid" else None}
        added.append(add(event, values, preset=name))
    return added


def presets_available(event: Event) -> list[Preset]:
    """The ready-made questions the event does not ask yet (one button each)."""
    present = {question.preset for question in event.questions}
    return [PRESETS[key] for key, group in PRESET_GROUPS.items() if not set(group) <= present]


def update(event: Event, question: Question, values: dict) -> list[str]:
    """Change a question of ``event``; its answers are kept as they are. Returns what changed."""
    changed = []
    for name, value in check(event, values).items():
        if getattr(question, name) != value:
            setattr(question, name, value)
            changed.append(name)
    if changed:
        audit.record("question.updated", event=event, question=question.label, changed=", ".join(changed))
    return changed


def move(event: Event, question: Question, step: int) -> bool:
    """Move a question of ``event`` one place up (``step=-1``) or down (``1``); False at that end."""
    ordered = list(event.questions)
    index = ordered.index(question)
    other = index + step
    if step not in (-1, 1) or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    for position, each in enumerate(ordered):
        each.position = position
    audit.record("question.moved", event=event, question=question.label, position=other + 1)
    return True


def remove(event: Event, question: Question) -> int:
    """Remove a question of ``event`` and its answers (the page asked for confirmation); returns how
    many answers went."""
    count = answer_count(question)
    audit.record("question.removed", event=event, question=question.label, answers=count)
    event.questions.remove(question)
    db.session.flush()
    return count


def answer_count(question: Question) -> int:
    return db.session.scalar(select(func.count()).where(Answer.question_id == question.id))


def answer_counts(event: Event) -> dict[int, int]:
    """Answers per question of ``event``, in one query."""
    rows = db.session.execute(
        select(Answer.question_id, func.count())
        .join(Question)
        .where(Question.event_id == event.id)
        .group_by(Answer.question_id)
    )
    return dict(rows.all())


def effective_mode(event: Event, mode: str | None) -> str | None:
    """How a registrant attends, for the questions: the chosen mode of a hybrid event (None when not
    chosen yet), the event's own otherwise (None when it has none)."""
    if event.mode == "hybrid":
        return mode if mode in MODES else None
    return {"onsite": "onsite", "online": "remote"}.get(event.mode)


def is_asked(question: Question, mode: str | None) -> bool:
    """Whether ``question`` is asked of a registrant attending in ``mode`` (see ``effective_mode``)."""
    return question.mode is None or mode is None or question.mode == mode


def asked(event: Event, mode: str | None) -> list[Question]:
    return [question for question in event.questions if is_asked(question, effective_mode(event, mode))]


def answers_by_registration(event: Event) -> dict[int, dict[int, object]]:
    """``{registration id: {question id: value}}`` of ``event``, in one query."""
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value)
        .join(Question)
        .where(Question.event_id == event.id)
    )
    found: dict[int, dict[int, object]] = {}
    for registration_id, question_id, value in rows:
        found.setdefault(registration_id, {})[question_id] = value
    return found


def export_columns(event: Event) -> list[tuple[str, object]]:
    """One export column per question of ``event``: its label, and the registrant's answer as text."""
    if not event.questions:
        return []
    answers = answers_by_registration(event)
    return [
        (question.label, lambda r, qid=question.id: answer_text(answers.get(r.id, {}).get(qid)) or None)
        for question in event.questions
    ]


def summary(event: Event, details: bool = True) -> list[str]:
    """The counts organisers need before the day, among the registrations holding a place:
    « 74 déjeuners, dont 18 végétariens », « 3 besoins d'accessibilité », then (``details``) per
    question."""
    if not event.questions:
        return []
    rows = db.session.execute(
        select(Answer.registration_id, Answer.question_id, Answer.value, Registration.mode, Question.mode)
        .join(Question)
        .join(Registration, Registration.id == Answer.registration_id)
        .where(Question.event_id == event.id, Registration.status.in_(COUNTED))
    ).all()
    by_question: dict[int, dict[int, object]] = {}
    for registration_id, question_id, value, mode, asked_of in rows:
        if not (mode and asked_of and mode != asked_of):  # not the lunch of someone now remote
            by_question.setdefault(question_id, {})[registration_id] = value
    presets = {question.preset: question.id for question in event.questions if question.preset}
    lines = []
    if "dejeuner" in presets:
        lunches = {rid for rid, value in by_question.get(presets["dejeuner"], {}).items() if value is True}
        line = _plural(len(lunches), "déjeuner", "déjeuners")
        if "regime" in presets:
            diets = by_question.get(presets["regime"], {})
            vegetarians = sum(1 for rid in lunches if VEGETARIAN in (diets.get(rid) or []))
            line += f", dont {_plural(vegetarians, 'végétarien', 'végétariens')}"
        lines.append(line)
    if "accessibilite" in presets:
        needs = sum(1 for value in by_question.get(presets["accessibilite"], {}).values() if value)
        lines.append(_plural(needs, "besoin d'accessibilité", "besoins d'accessibilité"))
    for question in event.questions if details else ():
        lines.append(
            f"{question.label} : {_detail(question, list(by_question.get(question.id, {}).values()))}"
        )
    return lines


def _detail(question: Question, values: list) -> str:
    if question.type in CHOICE_TYPES:
        counts = Counter(
            choice for value in values for choice in (value if isinstance(value, list) else [value])
        )
        parts = [f"{choice} {counts[choice]}" for choice in question.choices if counts[choice]]
        parts += [f"{choice} {count}" for choice, count in counts.items() if choice not in question.choices]
        return ", ".join(parts) or "aucune réponse"
    if question.type == "oui-non":
        yes = sum(1 for value in values if value is True)
        return f"oui {yes}, non {sum(1 for value in values if value is False)}"
    if question.type == "nombre":
        numbers = [value for value in values if isinstance(value, int)]
        return f"{_plural(len(numbers), 'réponse', 'réponses')}, total {sum(numbers)}"
    return _plural(len(values), "réponse", "réponses")


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count <= 1 else many}"


def parse_import(item: dict) -> list[dict] | None:
    """The ``questions`` of an event in an import file, as values for ``check`` (None: key absent).

    ``{label, type, choices, required, mode, help}`` with ``mode`` ``sur-place`` or ``a-distance``. A
    question labelled as a ready-made one is that one (sensitive as it is); another is sensitive
    when its label speaks of health, diet or accessibility."""
    if "questions" not in item:
        return None
    if not isinstance(item["questions"], list):
        raise InvalidImport("« questions » doit être une liste.")
    by_label = {fold(preset.label): preset for preset in PRESETS.values()}
    parsed, labels = [], set()
    for index, question in enumerate(item["questions"], start=1):
        if not isinstance(question, dict):
            raise InvalidImport(f"question n° {index} : chaque question doit être un objet JSON.")
        mode = question.get("mode") or None
        if mode is not None and (not isinstance(mode, str) or mode not in IMPORT_MODES):
            raise InvalidImport(
                f"question n° {index} : mode inconnu {mode!r} (attendu : sur-place, a-distance)."
            )
        label = one_line(question.get("label"))
        if fold(label) in labels:
            raise InvalidImport(f"question n° {index} : le libellé {label!r} est déjà utilisé plus haut.")
        labels.add(fold(label))
        preset = by_label.get(fold(label))
        choices = question.get("choices") or []
        if not isinstance(choices, list) or not all(isinstance(choice, str) for choice in choices):
            raise InvalidImport(f"question n° {index} : « choices » doit être une liste de textes.")
        parsed.append(
            {
                "label": label,
                "type": question.get("type"),
                "choices": choices,
                "required": bool(question.get("required")),
                "mode": IMPORT_MODES.get(mode),
                "help": question.get("help"),
                "sensitive": preset.sensitive
                if preset
                else any(word in fold(label) for word in HEALTH_WORDS),
                "preset": preset.key if preset else None,
            }
        )
    return parsed


def apply_import(event: Event, parsed: list[dict] | None) -> bool:
    """Make the event's questions those of the import file, matched by label (answers stay with their
    question); questions the file no longer lists are removed. True when something changed."""
    if parsed is None:
        return False
    existing = {fold(question.label): question for question in event.questions}
    ordered, changed = [], False
    for position, values in enumerate(parsed):
        preset = values.pop("preset")
        try:
            checked = check(event, values) | {"preset": preset, "position": position}
        except QuestionError as error:
            raise InvalidImport(f"question {values['label']!r} : {error}") from None
        question = existing.pop(fold(checked["label"]), None)
        if question is None:
            question = Question(**checked)
            changed = True
        else:
            for name, value in checked.items():
                if getattr(question, name) != value:
                    setattr(question, name, value)
                    changed = True
        ordered.append(question)
    if existing or changed:
        event.questions = ordered
        changed = True
    return changed
