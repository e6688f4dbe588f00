"""Member access without an admin (``/adherents/acces``): a work e-mail on a current member
authority's domain receives a single-use link, valid 24 h, that opens (creates or reactivates) a
``member`` account tied to that authority and signs it in; a password is optional, for later.

The answer never tells whether an account exists; requests are limited per client address and per
e-mail address (``RTES_MEMBER_ACCESS_RATE_LIMIT``, ``RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT``).
"""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user

from .. import accounts
from ..extensions import db
from ..forms.accounts import MemberAccessForm, SetPasswordForm
from ..members import domain_of, is_public_webmail
from ..permissions import is_member
from ..rate_limits import per_client, per_email
from ..security import private

bp = Blueprint("member_access", __name__, url_prefix="/adherents/acces")

bp.after_request(private)


@bp.route("", methods=["GET", "POST"], endpoint="request_access")
@per_client("RTES_MEMBER_ACCESS_RATE_LIMIT")
@per_email("RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT", "member-access")
def request_access():
    form = MemberAccessForm()
    if not form.is_submitted():
        return render_template("members/acces.html", form=form)
    if not form.validate():
        return render_template("members/acces.html", form=form), 400
    try:
        organisation = accounts.request_member_access(form.email.data)
    except accounts.AccountError:
        form.email.errors.append("L'adresse e-mail n'est pas valide (exemple : prenom.nom@exemple.fr).")
        return render_template("members/acces.html", form=form), 400
    if organisation is None:
        domain = domain_of(form.email.data)
        refusal = "webmail" if is_public_webmail(domain) else "not_member"
        return render_template("members/acces.html", form=form, refusal=refusal, domain=domain), 403
    db.session.commit()  # the outbox worker sends the e-mail
    flash(
        f"Un lien d'accès vient d'être envoyé à {form.email.data}, adresse de {organisation.name}. "
        f"Il est valable {accounts.MEMBER_LINK_AGE // 3600} heures et ne sert qu'une fois.",
        "success",
    )
    return redirect(url_for(".request_access"), 303)


@bp.route("/lien/<token>", methods=["GET", "POST"])
def link(token: str):
    """The e-mailed link: a button first (mail scanners that open links must not use it up), then
    (a POST, CSRF-checked like every one) the account is opened and signed in."""
    found = accounts.member_from_link(token)
    if found is None:
        return render_template("members/acces_lien.html", expired=True), 410
    if request.method == "GET":
        return render_template("members/acces_lien.html", link=found)
    user = accounts.open_member_access(found)
    if user is None:
        return render_template("members/acces_lien.html", expired=True), 410
    session.clear()
    session.permanent = True
    login_user(user)
    flash(
        f"Bienvenue : vous avez accès aux ressources réservées aux adhérents ({found.organisation.name}).",
        "success",
    )
    return redirect(url_for(".account"), 303)


@bp.route("/compte", methods=["GET", "POST"])
def account():
    """A member's page: what member access opens, and a password to choose (optional)."""
    if not is_member(current_user):
        if current_user.is_authenticated:
            return redirect(url_for("manage.dashboard"), 303)
        return redirect(url_for(".request_access"), 303)
    form = SetPasswordForm()
    page = {"form": form, "user": current_user}
    if not form.is_submitted():
        return render_template("members/acces_compte.html", **page)
    if current_user.password_hash:
        flash("Vous avez déjà un mot de passe : « Mot de passe oublié » en donne un autre.", "info")
        return redirect(url_for(".account"), 303)
    if not form.validate():
        return render_template("members/acces_compte.html", **page), 400
    current_user.set_password(form.password.data)
    db.session.commit()
    login_user(current_user._get_current_object())  # the session follows the new token
    flash("Votre mot de passe est enregistré : vous pourrez vous connecter sans lien.", "success")
    return redirect(url_for(".account"), 303)
