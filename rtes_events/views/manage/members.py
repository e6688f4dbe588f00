"""Member authorities, for admins only: list and filters, add, edit, end a membership, CSV import
with a preview of every line before anything is written."""

import base64
import binascii

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ... import audit, memberships
from ...extensions import db
from ...forms.members import ConfirmImportForm, EndForm, ImportForm, MemberForm
from ...members import current_clause, current_year
from ...models import AuditEntry, MemberOrganisation, Region
from ...models.members import KINDS
from ...permissions import can_manage
from . import bp

STATES = {"adherents": "Adhérents", "anciens": "Anciens adhérents", "tous": "Tous"}
MEMBER_YEAR_ENDPOINT = "manage.member_year"  # a member's year of events (views/manage/member_year.py)


def admins_only() -> None:
    if not can_manage(current_user, None, "members"):
        abort(403)


def member_for(member_id: int) -> MemberOrganisation:
    admins_only()
    return db.session.get(MemberOrganisation, member_id) or abort(404)


def regions() -> list[Region]:
    return db.session.scalars(select(Region).order_by(Region.name)).all()


def member_url(member: MemberOrganisation) -> str:
    """Where a member's name leads: its year of events when that page exists, else its form."""
    if MEMBER_YEAR_ENDPOINT in current_app.view_functions:
        return url_for(MEMBER_YEAR_ENDPOINT, member_id=member.id)
    return url_for("manage.member_edit", member_id=member.id)


def history(member: MemberOrganisation, limit: int = 50) -> list[AuditEntry]:
    """What was done to ``member``, newest first (the audit log names it in its details)."""
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action.like("member.%"))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(5000)
    )
    return [entry for entry in entries if (entry.details or {}).get("member_id") == member.id][:limit]


def record(action: str, member: MemberOrganisation, **details) -> None:
    audit.record(action, member_id=member.id, member=member.name, **details)


@bp.get("/adherents/")
def members():
    admins_only()
    kind = request.args.get("type", "")
    region = request.args.get("region", "")
    state = request.args.get("etat", "adherents")
    query = request.args.get("q", "").strip()[:100]
    statement = select(MemberOrganisation).options(
        selectinload(MemberOrganisation.domains), selectinload(MemberOrganisation.region)
    )
    if kind in KINDS:
        statement = statement.where(MemberOrganisation.kind == kind)
    if region:
        statement = statement.where(MemberOrganisation.region_code == region)
    if state == "adherents":
        statement = statement.where(current_clause())
    elif state == "anciens":
        statement = statement.where(~current_clause())
    else:
        state = "tous"
    if query:
        statement = statement.where(
            func.lower(MemberOrganisation.name).contains(query.lower(), autoescape=True)
        )
    found = db.session.scalars(statement.order_by(MemberOrganisation.name)).all()
    return render_template(
        "manage/members.html",
        members=found,
        filters={"type": kind, "region": region, "etat": state, "q": query},
        kinds=KINDS,
        states=STATES,
        regions=regions(),
        member_url=member_url,
    )


@bp.route("/adherents/nouveau", methods=["GET", "POST"])
def member_new():
    admins_only()
    form = MemberForm().choose(regions())
    if form.validate_on_submit():
        values = form.values()
        try:
            if existing := memberships.find(values):  # a new member, not an update by name or SIREN
                field = "siren" if values["siren"] and existing.siren == values["siren"] else "name"
                raise memberships.MemberError(
                    f"« {existing.name} » a déjà ce {'SIREN' if field == 'siren' else 'nom'} : "
                    "modifiez cet adhérent plutôt.",
                    field,
                )
            member, _ = memberships.save(values)
        except memberships.MemberError as error:
            db.session.rollback()
            _error(form, error)
        else:
            record("member.created", member, **memberships.describe(member))
            db.session.commit()
            flash(f"Adhérent « {member.name} » ajouté.", "success")
            return redirect(url_for("manage.members"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("manage/member_form.html", form=form, member=None), status


def _error(form: MemberForm, error: memberships.MemberError) -> None:
    field = getattr(form, error.field or "name")
    text = str(error)
    field.errors = [*field.errors, text[:1].upper() + text[1:]]


@bp.route("/adherents/<int:member_id>/modifier", methods=["GET", "POST"])
def member_edit(member_id: int):
    member = member_for(member_id)
    form = MemberForm().choose(regions())
    if not form.is_submitted():
        form.fill(member)
    elif form.validate():
        try:
            _, changes = memberships.save(form.values(), member)
        except memberships.MemberError as error:
            db.session.rollback()
            _error(form, error)
        else:
            if not changes:
                flash("Aucune modification.", "info")
            else:
                record("member.updated", member, **changes)
                db.session.commit()
                flash(f"Adhérent « {member.name} » modifié : {memberships.changes_text(changes)}.", "success")
            return redirect(url_for("manage.member_edit", member_id=member.id), 303)
    return render_template(
        "manage/member_form.html",
        form=form,
        member=member,
        end_form=EndForm(year=str(current_year())),
        year_url=member_url(member) if MEMBER_YEAR_ENDPOINT in current_app.view_functions else None,
        history=history(member),
        label=audit.label,
    ), (400 if form.is_submitted() else 200)


@bp.post("/adherents/<int:member_id>/fin")
def member_end(member_id: int):
    member = member_for(member_id)
    form = EndForm()
    if form.validate():
        year = memberships.year_of(form.year.data, "")
        try:
            memberships.end(member, year)
        except memberships.MemberError as error:
            db.session.rollback()
            flash(str(error)[:1].upper() + str(error)[1:], "error")
        else:
            record("member.ended", member, until=year)
            db.session.commit()
            now = " : ses agent·es perdent l'accès adhérent" if not member.is_current else ""
            flash(f"Adhésion de « {member.name} » terminée en {year}{now}.", "success")
    else:
        flash(" ".join(form.year.errors) or "Le formulaire a expiré : recommencez.", "error")
    return redirect(url_for("manage.member_edit", member_id=member.id), 303)


@bp.route("/adherents/importer", methods=["GET", "POST"])
def members_import():
    """Step 1, a file: its preview. Step 2, « confirmer »: the same content, checked again, saved."""
    admins_only()
    if request.form.get("step") == "confirmer":
        return _confirm()
    form = ImportForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("manage/members_import.html", form=form), status
    data = form.file.data.read(memberships.MAX_CSV_BYTES + 1)
    return _preview(form, data, form.file.data.filename or "")


def _preview(form, data: bytes, filename: str, status: int = 200):
    try:
        lines = memberships.read_csv(data)
    except memberships.MemberError as error:
        form.file.errors = [*form.file.errors, str(error)[:1].upper() + str(error)[1:]]
        return render_template("manage/members_import.html", form=form), 400
    errors = [line for line in lines if line.error]
    confirm = ConfirmImportForm(
        content=base64.b64encode(memberships.decode(data).encode()).decode(), filename=filename
    )
    return render_template(
        "manage/members_import.html",
        form=ImportForm(formdata=None),
        lines=lines,
        errors=errors,
        confirm=None if errors else confirm,
        filename=filename,
        labels=memberships.FIELD_LABELS,
    ), (status if status != 200 or not errors else 422)


def _confirm():
    confirm = ConfirmImportForm()
    if not confirm.validate():
        flash("Le formulaire a expiré : choisissez le fichier à nouveau.", "error")
        return redirect(url_for("manage.members_import"), 303)
    try:
        data = base64.b64decode(confirm.content.data, validate=True)
    except (binascii.Error, ValueError):
        abort(400)
    try:
        lines = memberships.read_csv(data)
        saved = memberships.apply_csv(lines)
    except memberships.MemberError:
        db.session.rollback()  # the database changed since the preview: show the new verdict
        return _preview(ImportForm(formdata=None), data, confirm.filename.data or "", 409)
    created = updated = 0
    for member, changes in saved:
        if changes is None:
            created += 1
            record("member.created", member, source="csv", **memberships.describe(member))
        else:
            updated += 1
            record("member.updated", member, source="csv", **changes)
    audit.record(
        "members.imported",
        filename=(confirm.filename.data or "")[:200],
        lines=len(lines),
        created=created,
        updated=updated,
    )
    db.session.commit()
    flash(
        f"Import terminé : {created} adhérent(s) ajouté(s), {updated} modifié(s), "
        f"{len(lines) - created - updated} inchangé(s).",
        "success",
    )
    return redirect(url_for("manage.members"), 303)
