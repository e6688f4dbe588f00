"""Admins manage accounts in the workspace: invite, role and scope, deactivation, password links.
Nobody else reaches these pages, and a refused request changes nothing."""

import re

import pytest
from sqlalchemy import func, select

from rtes_events import accounts
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, OutboxMessage, User

from .conftest import OTHER_CLUB, OWN_CLUB, PASSWORD, csrf_token, login

IDF, NAQ = OWN_CLUB, OTHER_CLUB


pytestmark = pytest.mark.usefixtures("clubs")  # the two clubs of conftest.TWO_CLUBS


@pytest.fixture
def admin(client, make_user):
    """An admin, signed in on ``client``."""
    user = make_user("admin", email="equipe@rtes.example")
    login(client, user)
    return user


def post(client, path: str, **data):
    return client.post(path, data={"csrf_token": csrf_token(client, "/espace/comptes/"), **data})


def signed_in(client) -> bool:
    return client.get("/connexion").status_code == 303


def audit_actions(user: User) -> list[str]:
    return db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.target_user_id == user.id).order_by(AuditEntry.id)
    ).all()


def queued() -> int:
    return db.session.scalar(select(func.count()).select_from(OutboxMessage))


def test_the_list_shows_every_account_with_its_role_scope_and_state(client, admin, make_user):
    make_user("coorganiser", clubs=[IDF], partner="cress-idf", email="coorg@example.org")
    accounts.create_user("invitee@example.org", accounts.Scope("member"))
    db.session.commit()
    response = client.get("/espace/comptes/")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "coorg@example.org" in page and "Club ESS Île-de-France, CRESS Île-de-France" in page
    assert "Co-organisateur·rice de club" in page and "Équipe du réseau (administration)" in page
    assert "Invitation en attente" in page and "jamais" in page
    assert 'href="/espace/comptes/"' in client.get("/espace/").get_data(as_text=True)  # in the menu


def test_an_admin_invites_a_co_organiser(client, admin, outbox_messages):
    response = post(
        client,
        "/espace/comptes/inviter",
        email="Nouvelle.Coorg@Example.org",
        name="Dominique Coorg",
        role="coorganiser",
        clubs=[IDF, NAQ],
        partner="",
    )
    user = accounts.by_email("nouvelle.coorg@example.org")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/espace/comptes/{user.id}/"
    assert (user.name, user.role, user.password_hash, user.active) == (
        "Dominique Coorg",
        "coorganiser",
        "",
        True,
    )
    assert {club.slug for club in user.clubs} == {IDF, NAQ} and user.partner is None
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.target_user_id == user.id))
    assert (entry.action, entry.actor, entry.details["role"]) == ("user.created", admin.email, "coorganiser")
    [message] = outbox_messages()
    assert message["To"] == "nouvelle.coorg@example.org"
    assert "/mot-de-passe/invitation/" in message.get_body(("plain",)).get_content()
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Invitation envoyée à nouvelle.coorg@example.org" in page
    assert "Renvoyer l&#39;invitation" in page and "Compte créé" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "equipe@rtes.example", "role": "member"},
            "Un compte existe déjà pour equipe@rtes.example.",
        ),
        ({"email": "x@example.org", "role": "coorganiser"}, "doit avoir au moins un club ou un partenaire"),
        ({"email": "pas-une-adresse", "role": "member"}, "L&#39;adresse e-mail n&#39;est pas valide"),
        ({"email": "x@example.org", "role": "superadmin"}, ""),  # forged choices
        ({"email": "x@example.org", "role": "coorganiser", "clubs": ["inconnu"]}, ""),
    ],
)
def test_an_invitation_that_does_not_fit_is_refused(client, admin, data, message):
    before = db.session.scalar(select(func.count()).select_from(User))
    response = post(client, "/espace/comptes/inviter", partner="", **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == before and queued() == 0


def test_clubs_and_partner_only_count_for_a_co_organiser(client, admin):
    response = post(
        client,
        "/espace/comptes/inviter",
        email="m@example.org",
        role="member",
        clubs=[IDF],
        partner="cress-idf",
    )
    assert response.status_code == 303
    user = accounts.by_email("m@example.org")
    assert (user.role, user.clubs, user.partner) == ("member", [], None)


def test_an_admin_changes_a_scope_and_the_account_keeps_its_session(app, client, admin, make_user):
    user = make_user("coorganiser", clubs=[IDF])
    theirs = app.test_client()
    login(theirs, user)
    response = post(
        client,
        f"/espace/comptes/{user.id}/",
        name="Camille",
        role="coorganiser",
        clubs=[NAQ],
        partner="cress-idf",
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert [club.slug for club in user.clubs] == [NAQ] and user.partner.key == "cress-idf"
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert entry.details == {
        "name": ["", "Camille"],
        "clubs": [[IDF], [NAQ]],
        "partner": [None, "cress-idf"],
    }
    assert signed_in(theirs)  # rights are read at each request: no need to sign out
    page = client.get(f"/espace/comptes/{user.id}/").get_data(as_text=True)
    assert "Compte modifié : nom, clubs, partenaire" in page


def test_a_new_role_signs_the_account_out(app, client, admin, make_user):
    user = make_user("coorganiser", clubs=[IDF])
    theirs = app.test_client()
    login(theirs, user)
    response = post(client, f"/espace/comptes/{user.id}/", name="", role="member", partner="cress-idf")
    assert response.status_code == 303
    db.session.refresh(user)
    assert (user.role, user.clubs, user.partner) == ("member", [], None)
    assert not signed_in(theirs)
    assert "la personne devra se reconnecter" in client.get(response.headers["Location"]).get_data(
        as_text=True
    )


def test_saving_an_unchanged_account_records_nothing(client, admin, make_user):
    user = make_user("member")
    response = post(client, f"/espace/comptes/{user.id}/", name="", role="member", partner="")
    assert response.status_code == 303 and audit_actions(user) == []
    assert "Aucune modification." in client.get(response.headers["Location"]).get_data(as_text=True)


def test_the_edit_form_shows_the_account_as_it_is(client, admin, make_user):
    user = make_user("coorganiser", clubs=[NAQ], partner="cress-idf")
    page = client.get(f"/espace/comptes/{user.id}/").get_data(as_text=True)
    checked = re.findall(
        r'<input (checked )?id="clubs-\d" name="clubs" type="checkbox" value="([\w-]+)"', page
    )
    assert sorted(checked) == [("", IDF), ("checked ", NAQ)]
    assert '<option selected value="cress-idf">' in page
    assert '<option selected value="coorganiser">' in page
    assert "Envoyer un lien de réinitialisation" in page and "Désactiver le compte" in page


def test_an_invalid_scope_keeps_the_account_unchanged(client, admin, make_user):
    user = make_user("coorganiser", clubs=[IDF])
    response = post(client, f"/espace/comptes/{user.id}/", name="", role="coorganiser", partner="")
    assert response.status_code == 400
    assert "doit avoir au moins un club ou un partenaire" in response.get_data(as_text=True)
    db.session.expire_all()
    assert [club.slug for club in user.clubs] == [IDF] and audit_actions(user) == []


def test_an_admin_keeps_their_own_role_and_account(client, admin):
    response = post(client, f"/espace/comptes/{admin.id}/", name="", role="member", partner="")
    assert response.status_code == 400
    assert "Vous ne pouvez pas retirer votre propre rôle d&#39;administration." in response.get_data(
        as_text=True
    )
    response = post(client, f"/espace/comptes/{admin.id}/desactiver")
    assert response.status_code == 303
    assert "Vous ne pouvez pas désactiver votre propre compte." in client.get("/espace/comptes/").get_data(
        as_text=True
    )
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active and signed_in(client)
    assert "Désactiver le compte" not in client.get(f"/espace/comptes/{admin.id}/").get_data(as_text=True)


def test_deactivation_signs_the_account_out_at_once_and_reactivation_lets_it_back(
    app, client, admin, make_user
):
    user = make_user("coorganiser", clubs=[IDF])
    theirs = app.test_client()
    login(theirs, user)
    assert theirs.get("/espace/").status_code == 200
    response = post(client, f"/espace/comptes/{user.id}/desactiver")
    assert response.status_code == 303
    assert theirs.get("/espace/").status_code == 302  # the very next request
    token = csrf_token(theirs, "/connexion")
    refused = theirs.post("/connexion", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert refused.status_code == 401
    page = client.get(f"/espace/comptes/{user.id}/").get_data(as_text=True)
    assert "Désactivé" in page and "Réactiver le compte" in page and "Envoyer un lien" not in page

    assert post(client, f"/espace/comptes/{user.id}/reactiver").status_code == 303
    login(theirs, user)
    assert theirs.get("/espace/").status_code == 200
    assert audit_actions(user) == ["user.deactivated", "user.reactivated"]


def test_a_deactivated_account_gets_no_link(client, admin, make_user):
    user = make_user("member")
    accounts.set_active(user, False)
    db.session.commit()
    assert post(client, f"/espace/comptes/{user.id}/lien").status_code == 303
    assert queued() == 0
    assert "réactivez-le avant de lui envoyer un lien" in client.get("/espace/comptes/").get_data(
        as_text=True
    )


def test_the_invitation_is_sent_again_until_a_password_is_chosen_then_a_reset_link(
    client, admin, make_user, outbox_messages
):
    invitee = accounts.create_user("invitee@example.org", accounts.Scope("member"))
    member = make_user("member")
    db.session.commit()
    assert post(client, f"/espace/comptes/{invitee.id}/lien").status_code == 303
    assert post(client, f"/espace/comptes/{member.id}/lien").status_code == 303
    invitation, reset = outbox_messages()
    assert (
        invitation["To"] == invitee.email
        and "/mot-de-passe/invitation/" in invitation.get_body().get_content()
    )
    assert reset["To"] == member.email and "/mot-de-passe/reset/" in reset.get_body().get_content()
    assert audit_actions(member) == ["user.link_sent"]
    assert "Lien de mot de passe envoyé" in client.get(f"/espace/comptes/{member.id}/").get_data(as_text=True)


def test_every_post_needs_its_csrf_token(client, admin, make_user):
    user = make_user("member")
    for path in (f"/espace/comptes/{user.id}/desactiver", f"/espace/comptes/{user.id}/lien"):
        assert client.post(path).status_code == 400
    assert (
        client.post("/espace/comptes/inviter", data={"email": "x@example.org", "role": "member"}).status_code
        == 400
    )
    db.session.refresh(user)
    assert user.active and queued() == 0


def test_a_missing_account_is_404(client, admin):
    assert client.get("/espace/comptes/999999/").status_code == 404
    assert post(client, "/espace/comptes/999999/desactiver").status_code == 404


def account_requests(app, user_id: int):
    """Every accounts route of the workspace, by GET and POST, on an existing account."""
    rules = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("manage.account")]
    assert {rule.endpoint for rule in rules} >= {
        "manage.accounts",
        "manage.account_invite",
        "manage.account_edit",
        "manage.account_deactivate",
        "manage.account_reactivate",
        "manage.account_send_link",
    }
    for rule in rules:
        path = rule.rule.replace("<int:user_id>", str(user_id))
        for method in sorted(rule.methods & {"GET", "POST"}):
            yield rule.endpoint, method, path


@pytest.mark.parametrize("role", ["coorganiser", "partner", "member"])
def test_nobody_but_an_admin_reaches_the_accounts(app, client, make_user, role):
    target = make_user("coorganiser", clubs=[IDF], email="target@example.org")
    user = {
        "coorganiser": lambda: make_user("coorganiser", clubs=[IDF]),
        "partner": lambda: make_user("coorganiser", partner="cress-idf"),
        "member": lambda: make_user("member"),
    }[role]()
    login(client, user)
    token = csrf_token(client, "/mot-de-passe-oublie")
    before = (db.session.scalars(select(User).order_by(User.id)).all(), queued(), audit_actions(target))
    snapshot = [(u.email, u.role, u.active, u.session_token, u.password_hash, u.name) for u in before[0]]
    for user_id in (target.id, user.id):
        for endpoint, method, path in account_requests(app, user_id):
            data = {
                "csrf_token": token,
                "email": "intrus@example.org",
                "name": "Intrus",
                "role": "admin",
                "partner": "",
            }
            response = client.open(path, method=method, data=data if method == "POST" else None)
            assert response.status_code in (403, 404), (endpoint, method, response.status_code)
            assert "target@example.org" not in response.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.scalars(select(User).order_by(User.id)).all()
    assert [(u.email, u.role, u.active, u.session_token, u.password_hash, u.name) for u in after] == snapshot
    assert queued() == before[1] and audit_actions(target) == before[2]
    assert "/espace/comptes/" not in client.get("/mot-de-passe-oublie").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_the_login_page(client, make_user):
    user = make_user("member")
    token = csrf_token(client, "/connexion")
    for endpoint, method, path in account_requests(client.application, user.id):
        response = client.open(path, method=method, data={"csrf_token": token})
        if method == "GET":
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/connexion?next=")
        else:  # a form's target is no page to come back to
            assert (response.status_code, response.headers["Location"]) == (303, "/connexion"), endpoint
