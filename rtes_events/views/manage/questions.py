"""The organisers' questions of a session: list, add (ready-made ones in one click), edit, reorder and
remove after confirmation. Changing a session's questions is editing it (``edit``)."""

from flask import abort, flash, redirect, render_template, request, url_for

from ... import questions
from ...extensions import db
from ...forms.questions import QuestionForm
from ...models import Event, Question
from . import bp, event_for


def _question_for(event: Event, question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None or question.event_id != event.id:
        abort(404)
    return question


def _to_list(event: Event, question: Question | None = None):
    anchor = f"question-{question.id}" if question is not None and question.id else None
    return redirect(url_for(".questions", event_id=event.id, _anchor=anchor), 303)


@bp.get("/evenements/<int:event_id>/questions", endpoint="questions")
def questions_list(event_id: int):
    event = event_for(event_id, "edit")
    return render_template(
        "manage/questions.html",
        event=event,
        counts=questions.answer_counts(event),
        presets=questions.presets_available(event),
    )


@bp.route("/evenements/<int:event_id>/questions/nouvelle", methods=["GET", "POST"])
def question_new(event_id: int):
    event = event_for(event_id, "edit")
    return _question_form(event, None, QuestionForm())


@bp.route("/evenements/<int:event_id>/questions/<int:question_id>/modifier", methods=["GET", "POST"])
def question_edit(event_id: int, question_id: int):
    event = event_for(event_id, "edit")
    question = _question_for(event, question_id)
    initial = QuestionForm.initial(question) if request.method == "GET" else None
    return _question_form(event, question, QuestionForm(data=initial))


def _question_form(event: Event, question: Question | None, form: QuestionForm):
    def page(status: int = 200, messages=()):
        count = questions.answer_count(question) if question is not None else 0
        return render_template(
            "manage/question_form.html",
            event=event,
            question=question,
            form=form,
            messages=messages,
            answers=count,
        ), status

    if not form.is_submitted():
        return page()
    if not form.validate():
        return page(400)
    try:
        if question is None:
            question = questions.add(event, form.values())
            message = f"Question « {question.label} » ajoutée."
        elif changed := questions.update(event, question, form.values()):
            message = f"Question modifiée ({', '.join(changed)}) ; ses réponses sont conservées."
        else:
            message = "Aucune modification à enregistrer."
    except questions.QuestionError as refused:
        db.session.rollback()
        return page(400, refused.messages)
    db.session.commit()
    flash(message, "success")
    return _to_list(event, question)


@bp.post("/evenements/<int:event_id>/questions/modeles")
def question_presets(event_id: int):
    event = event_for(event_id, "edit")
    try:
        added = questions.add_preset(event, request.form.get("modele", ""))
    except questions.QuestionError as refused:
        abort(400, refused.messages[0])
    db.session.commit()
    if added:
        flash(f"Ajouté : {', '.join(f'« {question.label} »' for question in added)}.", "success")
    else:
        flash("Cette question est déjà posée.", "info")
    return _to_list(event, added[0] if added else None)


@bp.post("/evenements/<int:event_id>/questions/<int:question_id>/deplacer")
def question_move(event_id: int, question_id: int):
    event = event_for(event_id, "edit")
    question = _question_for(event, question_id)
    step = {"monter": -1, "descendre": 1}.get(request.form.get("sens", ""))
    if step is None:
        abort(400, "Indiquez s'il faut monter ou descendre la question.")
    if questions.move(event, question, step):
        db.session.commit()
    else:
        flash("La question est déjà à cette extrémité de la liste.", "info")
    return _to_list(event, question)


@bp.route("/evenements/<int:event_id>/questions/<int:question_id>/supprimer", methods=["GET", "POST"])
def question_remove(event_id: int, question_id: int):
    """A page that says how many answers go, then the removal (POST)."""
    event = event_for(event_id, "edit")
    question = _question_for(event, question_id)
    if request.method == "GET":
        count = questions.answer_count(question)
        return render_template("manage/question_remove.html", event=event, question=question, answers=count)
    label = question.label
    count = questions.remove(event, question)
    db.session.commit()
    flash(f"Question « {label} » supprimée, avec {count} réponse{'s' if count > 1 else ''}.", "success")
    return _to_list(event)
