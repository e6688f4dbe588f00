"""``rtes-events create-user EMAIL --role … [--club SLUG …] [--partner KEY]``, password on stdin."""

import pytest
from sqlalchemy import func, select

from rtes_events import accounts
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, User

from .conftest import OTHER_CLUB, OWN_CLUB, PASSWORD, login

IDF, NAQ = OWN_CLUB, OTHER_CLUB


pytestmark = pytest.mark.usefixtures("clubs")  # the two clubs of conftest.TWO_CLUBS


def create_user(runner, *args, password: str = PASSWORD):
    return runner.invoke(args=["create-user", *args], input=f"{password}\n")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_an_admin_is_created_with_the_password_from_stdin_and_can_sign_in(runner, client):
    result = create_user(runner, "Equipe@RTES.example", "--role", "admin", "--name", "Équipe RTES")
    assert result.exit_code == 0, result.output
    assert result.output == "Compte créé : equipe@rtes.example (Équipe du réseau (administration))\n"
    user = accounts.by_email("equipe@rtes.example")
    assert (user.role, user.name, user.active, user.clubs, user.partner) == (
        "admin",
        "Équipe RTES",
        True,
        [],
        None,
    )
    assert PASSWORD not in user.password_hash and user.check_password(PASSWORD)
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.target_user_id == user.id))
    assert (entry.action, entry.actor, entry.user_id) == ("user.created", "ligne de commande", None)
    login(client, user)
    assert client.get("/espace/").status_code == 200


def test_a_password_keeps_its_spaces_but_not_its_line_ending(runner):
    result = runner.invoke(
        args=["create-user", "m@example.org", "--role", "member"], input="  phrase de passe  \r\n"
    )
    assert result.exit_code == 0, result.output
    assert accounts.by_email("m@example.org").check_password("  phrase de passe  ")


def test_a_co_organiser_gets_clubs_and_a_partner(runner, client):
    result = create_user(runner, "coorg@example.org", "--role", "coorganiser", "--club", IDF, "--club", NAQ)
    assert result.exit_code == 0, result.output
    assert "Club ESS Île-de-France" in result.output and "Club ESS Nouvelle-Aquitaine" in result.output
    user = accounts.by_email("coorg@example.org")
    assert {club.slug for club in user.clubs} == {IDF, NAQ} and user.partner is None

    result = create_user(runner, "cress@example.org", "--role", "coorganiser", "--partner", "cress-idf")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("— CRESS Île-de-France)\n")
    partner_user = accounts.by_email("cress@example.org")
    assert partner_user.partner.key == "cress-idf" and partner_user.clubs == []
    login(client, partner_user)
    assert client.get("/espace/").status_code == 200


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--role", "coorganiser", "--club", "club-inconnu"], "club inconnu : 'club-inconnu'."),
        (["--role", "coorganiser", "--club", IDF, "--partner", "cnfpt"], "partenaire inconnu : 'cnfpt'."),
        (
            ["--role", "coorganiser"],
            "un·e co-organisateur·rice doit avoir au moins un club ou un partenaire.",
        ),
        (
            ["--role", "admin", "--club", IDF],
            "seul·e un·e co-organisateur·rice a des clubs ou un partenaire.",
        ),
        (["--role", "member", "--partner", "cress-idf"], "seul·e un·e co-organisateur·rice a des clubs"),
    ],
)
def test_a_scope_that_does_not_fit_is_refused_in_french(runner, args, message):
    result = create_user(runner, "x@example.org", *args)
    assert result.exit_code == 1
    assert result.output.startswith(f"Compte non créé : {message}")
    assert count() == 0


def test_an_e_mail_can_only_have_one_account(runner):
    assert create_user(runner, "camille@example.org", "--role", "member").exit_code == 0
    result = create_user(runner, "Camille@Example.org", "--role", "admin")
    assert result.exit_code == 1
    assert result.output == "Compte non créé : un compte existe déjà pour camille@example.org.\n"
    assert count() == 1 and accounts.by_email("camille@example.org").role == "member"


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("court", "le mot de passe doit compter au moins 12 caractères."),
        ("", "le mot de passe doit compter au moins 12 caractères."),
        ("x" * 201, "le mot de passe ne doit pas dépasser 200 caractères."),
    ],
)
def test_a_password_too_short_or_too_long_is_refused(runner, password, message):
    result = create_user(runner, "x@example.org", "--role", "admin", password=password)
    assert result.exit_code == 1
    assert result.output.startswith(f"Compte non créé : {message}")
    assert count() == 0


def test_an_invalid_e_mail_or_role_is_refused(runner):
    result = create_user(runner, "pas-une-adresse", "--role", "admin")
    assert result.exit_code == 1 and result.output.startswith("Compte non créé : adresse e-mail invalide")
    result = create_user(runner, "x@example.org", "--role", "superadmin")
    assert result.exit_code == 2 and "superadmin" in result.output
    result = create_user(runner, "x@example.org")
    assert result.exit_code == 2 and "--role" in result.output
    assert count() == 0
