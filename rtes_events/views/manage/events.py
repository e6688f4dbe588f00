"""Sessions in the workspace: the list, one session's page, and the forms and actions that create
and change sessions through ``editing``."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ... import audit, clock, editing, registrants
from ...extensions import db
from ...formatting import one_line, render_markdown
from ...forms.events import EventForm, PostponeForm
from ...models import Event
from ...models.events import STATUSES, fold
from ...permissions import can_manage, managed_events
from ...plugins import hook
from . import bp, event_for, wants_preview

PER_PAGE = 25
PERIODS = {"a-venir": "À venir", "passes": "Passées", "toutes": "Toutes"}


@bp.get("/evenements/")
def events():
    filters = {
        "statut": request.args.get("statut") if request.args.get("statut") in STATUSES else "",
        "periode": request.args.get("periode") if request.args.get("periode") in PERIODS else "a-venir",
        "q": one_line(request.args.get("q"))[:100],
    }
    page = db.paginate(_sessions(**filters), per_page=PER_PAGE, error_out=False)
    sessions = [event for event in page.items if can_manage(current_user, event, "view")]
    return render_template(
        "manage/events.html",
        page=page,
        sessions=sessions,
        counts=registrants.counts_by_event([event.id for event in sessions]),
        filters=filters,
        args={name: value for name, value in filters.items() if value},
        statuses=STATUSES,
        periods=PERIODS,
        can_create=editing.can_create(current_user),
    )


def _sessions(statut: str, periode: str, q: str):
    query = managed_events(current_user)
    if statut:
        query = query.where(Event.status == statut)
    for word in fold(q).split():
        query = query.where(Event.search_text.contains(word, autoescape=True))
    now = clock.now()
    if periode == "a-venir":
        return query.where(Event.ends_at >= now).order_by(Event.starts_at, Event.id)
    if periode == "passes":
        query = query.where(Event.ends_at < now)
    return query.order_by(Event.starts_at.desc(), Event.id.desc())


@bp.get("/evenements/<int:event_id>/")
def event(event_id: int):
    event = event_for(event_id, "view")
    return render_template(
        "manage/event.html",
        event=event,
        counts=registrants.counts(event),
        log=audit.for_event(event),
        label=audit.label,
        can=lambda action: can_manage(current_user, event, action),
        can_duplicate=editing.may_create(current_user, event.kind, event.club),
        refusal=editing.refusal,
        plugin_items=[
            item
            for items in hook().rtes_workspace_event_items(user=current_user, event=event)
            for item in items
        ],
    )


@bp.route("/evenements/nouveau", methods=["GET", "POST"])
def event_new():
    if not editing.can_create(current_user):
        abort(403)
    return _event_form(EventForm().configure(current_user), None)


@bp.route("/evenements/<int:event_id>/modifier", methods=["GET", "POST"])
def event_edit(event_id: int):
    event = event_for(event_id, "edit")
    initial = (
        EventForm.initial(event, blank_date="copie" in request.args) if request.method == "GET" else None
    )
    form = EventForm(data=initial).configure(current_user, event)
    return _event_form(form, event)


def _event_form(form: EventForm, event: Event | None):
    def page(status: int = 200, preview=None, messages=()):
        return render_template(
            "manage/event_form.html", form=form, event=event, preview=preview, messages=messages
        ), status

    if not form.is_submitted():
        return page()
    if wants_preview():
        return page(preview=render_markdown(form.description.data))
    if not form.validate():
        return page(400)
    try:
        if event is None:
            event = editing.create(current_user, form.event_data())
            flash("Session créée en brouillon : relisez-la, puis publiez-la.", "success")
        elif changes := editing.update(current_user, event, form.event_data()):
            flash(f"Session modifiée ({', '.join(changes)}).", "success")
        else:
            flash("Aucune modification à enregistrer.", "info")
    except editing.EditingRefused as refused:
        db.session.rollback()
        return page(400, messages=[str(refused)])
    return redirect(url_for("manage.event", event_id=event.id), 303)


@bp.post("/evenements/<int:event_id>/publier")
def event_publish(event_id: int):
    event = event_for(event_id, "edit")
    return _act(
        event, editing.publish, "Session publiée : elle est dans l'agenda et ses inscriptions sont ouvertes."
    )


@bp.route("/evenements/<int:event_id>/reporter", methods=["GET", "POST"])
def event_postpone(event_id: int):
    event = event_for(event_id, "edit")
    if message := editing.refusal(event, "postpone"):
        flash(message, "error")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    form = PostponeForm(event)
    if not form.is_submitted():
        return render_template("manage/event_postpone.html", event=event, form=form)
    if not form.validate():
        return render_template("manage/event_postpone.html", event=event, form=form), 400
    new = form.schedule()
    done = (
        "Session reportée : les personnes inscrites sont prévenues."
        if new
        else ("Session marquée « reportée » : les inscriptions sont suspendues jusqu'à sa nouvelle date.")
    )
    return _act(event, lambda user, event: editing.postpone(user, event, new), done)


@bp.route("/evenements/<int:event_id>/annuler", methods=["GET", "POST"])
def event_cancel(event_id: int):
    event = event_for(event_id, "edit")
    if request.method == "POST":
        return _act(event, editing.cancel, "Session annulée : les personnes inscrites sont prévenues.")
    if message := editing.refusal(event, "cancel"):
        flash(message, "error")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    return render_template(
        "manage/event_cancel.html",
        event=event,
        counts=registrants.counts(event),
    )


@bp.post("/evenements/<int:event_id>/dupliquer")
def event_duplicate(event_id: int):
    event = event_for(event_id, "view")
    try:
        copy = editing.duplicate(current_user, event)
    except editing.EditingRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("manage.event", event_id=event.id), 303)
    flash(
        "Session dupliquée en brouillon : choisissez sa date, vérifiez le reste, puis publiez-la.", "success"
    )
    return redirect(url_for("manage.event_edit", event_id=copy.id, copie=1), 303)


def _act(event: Event, action, done: str):
    """Do ``action(user, event)``, then back to the session's page with what happened."""
    try:
        action(current_user, event)
    except editing.EditingRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        flash(done, "success")
    return redirect(url_for("manage.event", event_id=event.id), 303)
