"""Accounts, for admins only: list, invite, role and scope, deactivation, password links."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ... import accounts, audit
from ...extensions import db
from ...forms.accounts import AccountForm, InviteForm
from ...models import Club, MemberOrganisation, Partner, User
from ...permissions import can_manage
from . import allowed, bp


def admins_only() -> None:
    if not can_manage(current_user, None, "accounts"):
        abort(403)


def account_for(user_id: int) -> User:
    admins_only()
    return allowed(db.session.get(User, user_id), "accounts")


def choose(form: AccountForm) -> AccountForm:
    return form.choose(
        db.session.scalars(select(Club).order_by(Club.name)),
        db.session.scalars(select(Partner).order_by(Partner.name)),
        db.session.scalars(select(MemberOrganisation).order_by(MemberOrganisation.name)),
    )


def scope_of(form: AccountForm) -> accounts.Scope:
    """The scope the form asks for; clubs and partner only count for a co-organiser, the member
    authority for a member."""
    if form.role.data == "member":
        return accounts.Scope("member", member=form.member.data or None)
    if form.role.data != "coorganiser":
        return accounts.Scope(form.role.data)
    return accounts.Scope("coorganiser", tuple(form.clubs.data), form.partner.data or None)


def described(user: User) -> dict:
    """What an account is, as the audit log records it."""
    return {
        "name": user.name,
        "role": user.role,
        "clubs": [club.slug for club in user.clubs],
        "partner": user.partner.key if user.partner else None,
        "member": user.member_organisation.name if user.member_organisation else None,
    }


def sentence(error: Exception) -> str:
    text = str(error)
    return text[:1].upper() + text[1:]


@bp.get("/comptes/", endpoint="accounts")
def account_list():
    admins_only()
    users = db.session.scalars(
        select(User)
        .options(selectinload(User.clubs), selectinload(User.partner), selectinload(User.member_organisation))
        .order_by(User.email)
    ).all()
    return render_template("manage/accounts.html", users=users)


@bp.route("/comptes/inviter", methods=["GET", "POST"])
def account_invite():
    admins_only()
    form = choose(InviteForm())
    if not form.is_submitted():
        return render_template("manage/account_form.html", form=form, user=None)
    if form.validate():
        try:
            user = accounts.create_user(form.email.data, scope_of(form), name=form.name.data)
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors.append(sentence(exc))
        else:
            audit.record("user.created", target_user=user, **described(user))
            accounts.queue_password_email(user, "invitation", sender=current_user)
            db.session.commit()
            days = accounts.LINK_AGES["invitation"] // 86400
            flash(f"Invitation envoyée à {user.email} (lien valable {days} jours).", "success")
            return redirect(url_for("manage.account_edit", user_id=user.id), 303)
    return render_template("manage/account_form.html", form=form, user=None), 400


@bp.route("/comptes/<int:user_id>/", methods=["GET", "POST"])
def account_edit(user_id: int):
    user = account_for(user_id)
    before = described(user)
    form = choose(
        AccountForm(data={**before, "partner": before["partner"] or "", "member": before["member"] or ""})
    )
    if not form.is_submitted():
        return render_template(
            "manage/account_form.html", form=form, user=user, history=audit.for_user(user), label=audit.label
        )
    if form.validate():
        if user.id == current_user.id and form.role.data != "admin":
            form.role.errors.append("Vous ne pouvez pas retirer votre propre rôle d'administration.")
        else:
            try:
                user.name = form.name.data
                accounts.set_scope(user, scope_of(form))
            except accounts.AccountError as exc:
                db.session.rollback()
                form.clubs.errors.append(sentence(exc))
            else:
                return _saved(user, before)
    return render_template(
        "manage/account_form.html", form=form, user=user, history=audit.for_user(user), label=audit.label
    ), 400


def _saved(user: User, before: dict):
    after = described(user)
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if not changes:
        flash("Aucune modification.", "info")
    else:
        audit.record("user.updated", target_user=user, **changes)
        db.session.commit()
        signed_out = " ; la personne devra se reconnecter" if "role" in changes else ""
        flash(f"Compte de {user.email} modifié{signed_out}.", "success")
    return redirect(url_for("manage.account_edit", user_id=user.id), 303)


@bp.post("/comptes/<int:user_id>/desactiver")
def account_deactivate(user_id: int):
    user = account_for(user_id)
    if user.id == current_user.id:
        flash("Vous ne pouvez pas désactiver votre propre compte.", "error")
    elif user.active:
        accounts.set_active(user, False)
        audit.record("user.deactivated", target_user=user)
        db.session.commit()
        flash(f"Compte de {user.email} désactivé : ses sessions sont fermées.", "success")
    return redirect(url_for("manage.account_edit", user_id=user.id), 303)


@bp.post("/comptes/<int:user_id>/reactiver")
def account_reactivate(user_id: int):
    user = account_for(user_id)
    if not user.active:
        accounts.set_active(user, True)
        audit.record("user.reactivated", target_user=user)
        db.session.commit()
        flash(f"Compte de {user.email} réactivé.", "success")
    return redirect(url_for("manage.account_edit", user_id=user.id), 303)


@bp.post("/comptes/<int:user_id>/lien")
def account_send_link(user_id: int):
    """E-mail the invitation again (no password chosen yet) or a reset link."""
    user = account_for(user_id)
    if not user.active:
        flash("Ce compte est désactivé : réactivez-le avant de lui envoyer un lien.", "error")
    else:
        purpose = "reset" if user.password_hash else "invitation"
        accounts.queue_password_email(user, purpose, sender=current_user)
        audit.record("user.link_sent", target_user=user, purpose=purpose)
        db.session.commit()
        what = "Lien de réinitialisation" if purpose == "reset" else "Invitation"
        flash(f"{what} envoyé{'e' if purpose == 'invitation' else ''} à {user.email}.", "success")
    return redirect(url_for("manage.account_edit", user_id=user.id), 303)
