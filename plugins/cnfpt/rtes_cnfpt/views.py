"""The CNFPT pages of the workspace (``/espace/cnfpt/``): the session code, the forwarding to the
CNFPT, the export in its column order, the attendance certificates."""

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Length, Optional, Regexp

from rtes_events import attestations, audit, clock, exports, outbox, registrants
from rtes_events.extensions import db
from rtes_events.forms.base import Form
from rtes_events.models import OutboxMessage
from rtes_events.permissions import can_manage
from rtes_events.views.manage import event_for, workspace_blueprint

from . import forwarding, session
from .session import CATEGORIES, CODE_KEY, CODE_PATTERN

bp = workspace_blueprint("cnfpt", __name__, template_folder="templates")

# The columns of the CNFPT's registrants file, in its order.
EXPORT_COLUMNS = [
    ("Code session", lambda r: session.code(r.event)),
    ("Nom", lambda r: r.last_name),
    ("Prénom", lambda r: r.first_name),
    ("Courriel", lambda r: r.email),
    ("Collectivité employeuse", lambda r: r.plugin_fields.get("cnfpt_employer")),
    ("Catégorie", lambda r: CATEGORIES.get(r.plugin_fields.get("cnfpt_category"))),
    ("Poste", lambda r: r.plugin_fields.get("cnfpt_position")),
    ("Statut", lambda r: r.status_label),
    ("Inscrit·e le", lambda r: clock.to_local(r.created_at).replace(tzinfo=None, second=0, microsecond=0)),
]


class CodeForm(Form):
    code = StringField(
        "Code de la session CNFPT",
        description="Laissez vide si la session n'est pas une formation du CNFPT.",
        filters=[lambda value: (value or "").strip()],
        validators=[
            Optional(),
            Length(max=40, message="Le code dépasse 40 caractères."),
            Regexp(
                rf"^(?:{CODE_PATTERN.pattern})$",
                message="Le code ne contient que lettres, chiffres, « . », « _ », « / » et « - ».",
            ),
        ],
    )


@bp.route("/evenements/<int:event_id>/", methods=["GET", "POST"])
def event(event_id: int):
    event = event_for(event_id, "view")
    editable = can_manage(current_user, event, "edit")
    form = CodeForm(data={"code": session.code(event) or ""})
    if form.is_submitted():
        if not editable:
            abort(404)
        if form.validate():
            _set_code(event, form.code.data or None)
            flash(
                "Code de session CNFPT enregistré." if form.code.data else "Ce n'est plus une session CNFPT.",
                "success",
            )
            return redirect(url_for(".event", event_id=event.id), 303)
    return render_template(
        "cnfpt/event.html",
        event=event,
        form=form,
        editable=editable,
        code=session.code(event),
        deliveries=forwarding.deliveries(event) if can_manage(current_user, event, "registrants") else [],
        can=lambda action: can_manage(current_user, event, action),
        issued=len(attestations.of_event(event)),
    ), 400 if form.errors else 200


def _set_code(event, code: str | None) -> None:
    before = session.code(event)
    data = {key: value for key, value in (event.plugin_data or {}).items() if key != CODE_KEY}
    event.plugin_data = {**data, CODE_KEY: code} if code else data
    audit.record("event.updated", event=event, code_cnfpt=f"{before or '—'} → {code or '—'}")
    db.session.commit()


@bp.post("/evenements/<int:event_id>/transmissions/<int:message_id>/relancer")
def retry(event_id: int, message_id: int):
    event = event_for(event_id, "registrants")
    message = db.session.get(OutboxMessage, message_id)
    if message is None or message not in forwarding.deliveries(event) or message.status != "failed":
        abort(404)
    outbox.retry(message)
    db.session.commit()
    flash("La transmission sera renvoyée au CNFPT dans un instant.", "success")
    return redirect(url_for(".event", event_id=event.id), 303)


@bp.get("/evenements/<int:event_id>/export-cnfpt.csv")
def export(event_id: int):
    event = event_for(event_id, "export")
    if not session.code(event):
        abort(404)
    rows = [[value(r) for _, value in EXPORT_COLUMNS] for r in registrants.of_event(event, exports.EXPORTED)]
    content = exports.to_csv([header for header, _ in EXPORT_COLUMNS], rows)
    audit.record("registrants.exported", event=event, format="CNFPT (CSV)", rows=len(rows))
    db.session.commit()
    return _download(content, "text/csv; charset=utf-8", f"cnfpt-{session.code(event)}-{event.slug}.csv")


@bp.get("/evenements/<int:event_id>/attestations.pdf")
def certificates_pdf(event_id: int):
    """The former address of the session's attestations: they are the core's, with the CNFPT's lines."""
    event = event_for(event_id, "export")
    return redirect(url_for("manage.attestations_pdf", event_id=event.id), 303)


def _download(content: bytes, mimetype: str, filename: str) -> Response:
    response = Response(content, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
