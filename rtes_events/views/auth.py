"""Signing in and out of the workspace, and passwords (change, reset by e-mail, invitation)."""

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from .. import accounts
from ..extensions import db, limiter, login_manager
from ..forms.accounts import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NotificationsForm,
    SetPasswordForm,
)
from ..models import User
from ..security import private

bp = Blueprint("auth", __name__)

LOGIN_FAILED = "Adresse e-mail ou mot de passe incorrect, ou compte désactivé."


def register(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à l'espace des organisateurs."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"
    login_manager.user_loader(_load_user)


def _load_user(session_token: str) -> User | None:
    """The account of a session, while it may sign in: a member account whose membership ended is
    signed out at its next request."""
    user = db.session.scalar(select(User).where(User.session_token == session_token, User.active))
    return user if user is not None and accounts.may_sign_in(user) else None


bp.after_request(private)


def _address_limit() -> str:
    return current_app.config["RTES_LOGIN_RATE_LIMIT"]


def _account_limit() -> str:
    return current_app.config["RTES_LOGIN_ACCOUNT_RATE_LIMIT"]


def _submitted_email() -> str:
    return "login:" + (request.form.get("email") or "").strip().lower()[:254]


def _failed(response) -> bool:
    """Only failed sign-ins count against the limits."""
    return response.status_code != 303


def safe_next(target: str | None) -> str:
    """``next`` only when it is a path of this site, else the signed-in account's home."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return home()


def home() -> str:
    """Where an account lands: members on their member access page, others in the workspace."""
    member = current_user.is_authenticated and current_user.role == "member"
    return url_for("member_access.account" if member else "manage.dashboard")


@bp.route("/connexion", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_account_limit, methods=["POST"], key_func=_submitted_email, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")), 303)
    form = LoginForm()
    if not form.is_submitted():
        return render_template("auth/login.html", form=form)
    if not form.validate():
        return render_template("auth/login.html", form=form), 400
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        return render_template("auth/login.html", form=form, failed=LOGIN_FAILED), 401
    session.clear()
    session.permanent = True
    login_user(user)
    flash(f"Bienvenue, {user.display_name}.", "success")
    return redirect(safe_next(request.args.get("next")), 303)


@bp.post("/deconnexion")
def logout():
    logout_user()
    session.clear()
    flash("Vous êtes déconnecté·e.", "success")
    return redirect(url_for("auth.login"), 303)


@bp.route("/espace/mot-de-passe", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if not form.is_submitted():
        return render_template("auth/change_password.html", form=form)
    valid = form.validate()
    if valid and not current_user.check_password(form.current.data):
        form.current.errors.append("Le mot de passe actuel n'est pas le bon.")
    elif valid:
        current_user.set_password(form.password.data)
        db.session.commit()
        login_user(current_user._get_current_object())  # the session follows the new token
        flash("Votre mot de passe est changé ; vos autres sessions sont fermées.", "success")
        return redirect(home(), 303)
    return render_template("auth/change_password.html", form=form), 400


@bp.route("/espace/compte", methods=["GET", "POST"])
@login_required
def account():
    """One's own account: how one is told of the registrations to one's events."""
    if current_user.role not in ("admin", "coorganiser"):
        abort(403)
    form = NotificationsForm(obj=current_user)
    if not form.is_submitted():
        return render_template("auth/account.html", form=form)
    if not form.validate():
        return render_template("auth/account.html", form=form), 400
    current_user.notifications = form.notifications.data
    db.session.commit()
    flash("Votre choix est enregistré.", "success")
    return redirect(url_for("auth.account"), 303)


@bp.route("/mot-de-passe-oublie", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"])
@limiter.limit(_account_limit, methods=["POST"], key_func=_submitted_email)
def forgot_password():
    form = ForgotPasswordForm()
    if not form.is_submitted():
        return render_template("auth/forgot_password.html", form=form)
    if not form.validate():
        return render_template("auth/forgot_password.html", form=form), 400
    accounts.request_password_reset(form.email.data)  # the same work whether an account exists or not
    db.session.commit()  # the outbox worker sends it
    flash(
        "Si un compte actif correspond à cette adresse, un lien pour choisir un nouveau mot de passe "
        "vient de lui être envoyé (valable 2 heures).",
        "success",
    )
    return redirect(url_for("auth.login"), 303)


@bp.route("/mot-de-passe/<purpose>/<token>", methods=["GET", "POST"])
def set_password(purpose: str, token: str):
    if purpose not in accounts.LINK_AGES:
        abort(404)
    user = accounts.user_from_link(token, purpose)
    if user is None:
        return render_template("auth/link_expired.html"), 410
    form = SetPasswordForm()
    if not form.is_submitted():
        return render_template("auth/set_password.html", form=form, user=user, purpose=purpose)
    if not form.validate():
        return render_template("auth/set_password.html", form=form, user=user, purpose=purpose), 400
    user.set_password(form.password.data)
    db.session.commit()
    logout_user()
    session.clear()
    flash("Votre mot de passe est enregistré : connectez-vous.", "success")
    return redirect(url_for("auth.login"), 303)
