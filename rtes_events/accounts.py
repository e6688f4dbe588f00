"""The accounts service: creating accounts, signing in, passwords and the e-mailed links that set them,
and member access: an agent of a current member authority signs in through a link sent to their
work address (``request_member_access``, ``member_from_link``, ``open_member_access``)."""

import hashlib
from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from . import audit, clock, outbox
from .extensions import db
from .formatting import one_line
from .mail import compose
from .members import organisation_for_email
from .models import Club, MemberOrganisation, OutboxMessage, Partner, User
from .models.accounts import ROLES, new_session_token
from .permissions import membership_holds
from .urls import external_url

MIN_PASSWORD = 12
# How long an e-mailed link stays valid: a reset is urgent, an invitation may wait a few days.
LINK_AGES = {"reset": 2 * 3600, "invitation": 7 * 24 * 3600}
MEMBER_LINK_AGE = 24 * 3600  # a member access link
# A constant hash checked when the e-mail is unknown, so that both answers take the same time.
_DUMMY_HASH = "scrypt:32768:8:1$jEZMzQ3vFAkGCa8l$" + "0" * 128


class AccountError(ValueError):
    """The account cannot be created or changed as asked; the message says why, in French."""


@dataclass(frozen=True)
class Scope:
    role: str
    clubs: tuple[str, ...] = ()
    partner: str | None = None
    member: str | None = None  # the member authority (its name) of a ``member`` account


def normalise_email(address: str) -> str:
    try:
        return validate_email(one_line(address), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise AccountError(f"adresse e-mail invalide : {address!r}.") from None


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"le mot de passe doit compter au moins {MIN_PASSWORD} caractères.")
    if len(password) > 200:
        raise AccountError("le mot de passe ne doit pas dépasser 200 caractères.")


def resolve_scope(scope: Scope) -> tuple[list[Club], Partner | None, MemberOrganisation | None]:
    """The clubs, partner and member authority a scope names; AccountError for an unknown one or a
    scope that does not fit."""
    if scope.role not in ROLES:
        raise AccountError(f"rôle inconnu : {scope.role!r} (attendu : {', '.join(ROLES)}).")
    clubs = []
    for slug in scope.clubs:
        club = db.session.scalar(select(Club).where(Club.slug == slug))
        if club is None:
            raise AccountError(f"club inconnu : {slug!r}.")
        clubs.append(club)
    partner = None
    if scope.partner:
        partner = db.session.scalar(select(Partner).where(Partner.key == scope.partner))
        if partner is None:
            raise AccountError(f"partenaire inconnu : {scope.partner!r}.")
    if scope.role == "coorganiser" and not clubs and partner is None:
        raise AccountError("un·e co-organisateur·rice doit avoir au moins un club ou un partenaire.")
    if scope.role != "coorganiser" and (clubs or partner):
        raise AccountError("seul·e un·e co-organisateur·rice a des clubs ou un partenaire.")
    member = None
    if scope.member:
        if scope.role != "member":
            raise AccountError("seul un compte « membre » appartient à une collectivité adhérente.")
        member = db.session.scalar(select(MemberOrganisation).where(MemberOrganisation.name == scope.member))
        if member is None:
            raise AccountError(f"collectivité adhérente inconnue : {scope.member!r}.")
    return clubs, partner, member


def by_email(address: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.email) == address.strip().lower()))


def create_user(email: str, scope: Scope, password: str | None = None, name: str = "") -> User:
    """A new account; without a password it can only be entered through an invitation link."""
    email = normalise_email(email)
    if by_email(email):
        raise AccountError(f"un compte existe déjà pour {email}.")
    clubs, partner, member = resolve_scope(scope)
    user = User(
        email=email,
        role=scope.role,
        clubs=clubs,
        partner=partner,
        member_organisation=member,
        name=one_line(name)[:200],
    )
    if password is not None:
        check_password_strength(password)
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def set_scope(user: User, scope: Scope) -> None:
    """Change the role, clubs, partner and member authority; a new role signs the account out everywhere."""
    user.clubs, user.partner, user.member_organisation = resolve_scope(scope)
    if user.role != scope.role:
        user.session_token = new_session_token()
    user.role = scope.role


def set_active(user: User, active: bool) -> None:
    user.active = active
    if not active:
        user.session_token = new_session_token()  # signed out everywhere


def may_sign_in(user: User) -> bool:
    """Active, and for a member account whose authority is named, that authority a current member:
    when a membership ends, its agents' accounts are signed out at once (see the user loader)."""
    return user.active and membership_holds(user)


def authenticate(email: str, password: str) -> User | None:
    """The account with this e-mail and password that may sign in, else None (same work either way)."""
    try:
        user = by_email(normalise_email(email))
    except AccountError:
        user = None
    if user is None or not user.password_hash:
        from werkzeug.security import check_password_hash

        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not may_sign_in(user):
        return None
    user.last_login_at = clock.now()
    db.session.commit()
    return user


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"rtes-password-{purpose}")


def _fingerprint(user: User) -> str:
    """Changes with the password: a link stops working once it has been used."""
    return hashlib.sha256(f"{user.id}:{user.password_hash}".encode()).hexdigest()[:20]


def password_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"id": user.id, "fp": _fingerprint(user)})


def user_from_link(token: str, purpose: str) -> User | None:
    """The account a password link was made for, while it is valid and unused."""
    try:
        data = _serializer(purpose).loads(token, max_age=LINK_AGES[purpose])
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("id")) if isinstance(data, dict) else None
    if user is None or not may_sign_in(user) or data.get("fp") != _fingerprint(user):
        return None
    return user


def queue_password_email(user: User, purpose: str, sender: User | None = None) -> OutboxMessage:
    """E-mail an account its link to set a password: ``reset`` or ``invitation``."""
    token = password_link_token(user, purpose)
    context = {
        "user": user,
        "sender": sender,
        "link": external_url("auth.set_password", purpose=purpose, token=token),
        "hours": LINK_AGES[purpose] // 3600,
    }
    subject = {
        "reset": "Réinitialisation de votre mot de passe — espace des organisateurs du RTES",
        "invitation": "Invitation à l'espace des organisateurs du RTES",
    }[purpose]
    msg = compose(
        user.email,
        subject,
        render_template(f"mail/password_{purpose}.txt", **context),
        render_template(f"mail/password_{purpose}.html", **context),
    )
    return outbox.enqueue("email", user.email, subject, msg.as_string())


def request_password_reset(address: str) -> None:
    """Queue the reset link of the active account at ``address``, in the caller's transaction. For
    an unknown or inactive address the same work is done (the e-mail built for a stand-in account,
    one outbox row written, marked dropped and blank): the answer takes as long either way, and
    so says nothing of which addresses have an account."""
    user = by_email(address)
    if user is not None and user.active:
        queue_password_email(user, "reset")
        return
    message = queue_password_email(User(email=address, role="member"), "reset")  # never stored
    message.status, message.recipient, message.payload = "dropped", "", ""


# --- Member access ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberLink:
    """What a valid member access link opens: an address, its account if any, its member authority."""

    email: str
    user: User | None
    organisation: MemberOrganisation
    seen: datetime | None = None  # the account's last sign-in when the link was checked


def _member_fingerprint(user: User | None) -> str:
    """The account's state when the link was made: it changes once the link is used (the account
    then exists, is active and has signed in), so that the link serves once."""
    if user is None:
        return "nouveau"
    state = f"{user.id}:{user.password_hash}:{user.last_login_at}:{user.active}:{user.role}"
    return hashlib.sha256(state.encode()).hexdigest()[:20]


def request_member_access(address: str) -> MemberOrganisation | None:
    """When ``address`` is on a current member authority's domain, queue (through the outbox) the
    e-mail carrying its single-use access link and return the authority; else None, nothing queued.
    Whether an account exists changes the e-mail, never the answer. AccountError: not an address."""
    email = normalise_email(address)
    organisation = organisation_for_email(email)
    if organisation is None:
        return None
    user = by_email(email)
    context = {"organisation": organisation, "email": email, "hours": MEMBER_LINK_AGE // 3600}
    if user is not None and user.role != "member":
        # A team or co-organiser account keeps its wider rights: it signs in as usual.
        context["user"] = user
        context["login"] = external_url("auth.login")
        context["forgot"] = external_url("auth.forgot_password")
        template = "mail/member_access_existing"
    else:
        token = _serializer("member-access").dumps({"email": email, "fp": _member_fingerprint(user)})
        context["link"] = external_url("member_access.link", token=token)
        template = "mail/member_access"
    subject = "Votre accès adhérent au RTES"
    msg = compose(
        email,
        subject,
        render_template(f"{template}.txt", **context),
        render_template(f"{template}.html", **context),
    )
    outbox.enqueue("email", email, subject, msg.as_string())
    return organisation


def member_from_link(token: str) -> MemberLink | None:
    """What a member access link opens while it is valid (24 h), unused, and its address still on a
    current member's domain; else None."""
    try:
        data = _serializer("member-access").loads(token, max_age=MEMBER_LINK_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("email"), str):
        return None
    user = by_email(data["email"])
    if data.get("fp") != _member_fingerprint(user) or (user is not None and user.role != "member"):
        return None
    organisation = organisation_for_email(data["email"])
    if organisation is None:
        return None
    return MemberLink(data["email"], user, organisation, user.last_login_at if user else None)


def open_member_access(link: MemberLink) -> User | None:
    """Create or reactivate the member account of a valid link, tied to its authority; the caller
    signs it in. Recorded in the audit log; committed. None when the same link was used at the same
    instant by another request (that one stands): a link opens once, even under a race."""
    now = clock.now()
    user = link.user
    created = user is None
    reactivated = not created and not user.active
    try:
        if created:
            user = User(email=link.email, role="member", last_login_at=now)
            db.session.add(user)
            db.session.flush()
        else:  # claim the link: only the request that finds the account as the link saw it goes on
            seen = User.last_login_at.is_(None) if link.seen is None else User.last_login_at == link.seen
            claimed = db.session.execute(
                update(User).where(User.id == user.id, seen).values(last_login_at=now),
                execution_options={"synchronize_session": False},
            )
            if claimed.rowcount != 1:
                db.session.rollback()
                return None
            db.session.refresh(user)
    except IntegrityError:  # the same new account created at the same instant
        db.session.rollback()
        return None
    if reactivated:
        set_active(user, True)
    user.member_organisation = link.organisation
    user.organisation = link.organisation.name
    db.session.flush()
    audit.record(
        "user.member_access",
        target_user=user,
        actor=user,
        organisation=link.organisation.name,
        created=created,
        reactivated=reactivated,
    )
    db.session.commit()
    return user
