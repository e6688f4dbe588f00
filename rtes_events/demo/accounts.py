"""The demo's accounts: one per role, so that a newcomer sees the workspace as each sees it.

Their passwords are generated once per instance and kept in its folder (``demo-accounts.json``,
readable by its owner only), so that every start of the demo prints the same ones. Only
``rtes-events demo`` creates them; production accounts come from ``create-user`` and invitations.
"""

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from .. import accounts, audit
from ..extensions import db
from ..models import Club, MemberOrganisation

FILE = "demo-accounts.json"
IDF_CLUB = "club-ess-ile-de-france"
IDF_PARTNER = "cress-idf"


@dataclass(frozen=True)
class DemoAccount:
    label: str  # who it shows, in French
    email: str
    password: str | None  # None once changed in the workspace: the printed one no longer works


def wanted() -> list[tuple[str, str, accounts.Scope, str, MemberOrganisation | None]]:
    """(label, e-mail, scope, name, member authority) of each demo account whose club or member
    authority exists."""
    admin = accounts.Scope("admin")
    found = [("l'équipe du RTES (administration)", "equipe-rtes@example.org", admin, "Équipe du RTES", None)]
    club = db.session.scalar(select(Club).where(Club.slug == IDF_CLUB))
    if club is not None:
        scope = accounts.Scope("coorganiser", (IDF_CLUB,), IDF_PARTNER)
        label = "co-organisation du club Île-de-France (CRESS Île-de-France)"
        found.append((label, "club-idf@example.org", scope, "Co-organisation du club IDF", None))
    member = db.session.scalars(
        select(MemberOrganisation).where(MemberOrganisation.example).order_by(MemberOrganisation.id)
    ).first()
    if member is not None and member.domain_names:
        email = f"agent@{member.domain_names[0]}"
        label = f"un·e agent·e de la collectivité adhérente {member.name}"
        found.append((label, email, accounts.Scope("member"), "Agent·e de démonstration", member))
    return found


def _passwords(path: Path) -> dict[str, str]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _keep(path: Path, passwords: dict[str, str]) -> None:
    draft = path.with_name(f".{FILE}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        json.dump(passwords, file, indent=2)
    draft.replace(path)


def ensure() -> list[DemoAccount]:
    """Create the demo accounts missing from this instance (a password generated for each, once),
    and return all of them as they can be used now."""
    path = Path(current_app.instance_path) / FILE
    passwords = _passwords(path)
    result = []
    for label, email, scope, name, member in wanted():
        password = passwords.setdefault(email, secrets.token_urlsafe(12))
        user = accounts.by_email(email)
        if user is None:
            user = accounts.create_user(email, scope, password, name=name)
            user.member_organisation = member
            audit.record("user.created", target_user=user, actor=None, role=scope.role, demo=True)
        works = user.active and user.check_password(password)
        result.append(DemoAccount(label, email, password if works else None))
    db.session.commit()
    _keep(path, passwords)
    return result


def lines(found: list[DemoAccount], login_url: str) -> list[str]:
    """What the demo prints about its accounts."""
    out = [f"Comptes de démonstration (connexion : {login_url}) :"]
    for account in found:
        password = account.password or "(mot de passe changé depuis, ou compte désactivé)"
        out.append(f"  - {account.label} : {account.email} / {password}")
    return out
