"""Signing in and out, sessions, login limits, and passwords: change, reset and invitation links."""

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
from itsdangerous import TimestampSigner

from rtes_events import accounts
from rtes_events.extensions import db

from .conftest import PASSWORD, csrf_token, login

NEW_PASSWORD = "une autre phrase de passe"
CSRF_VALUE = re.compile(r'(?<=name="csrf_token" type="hidden" value=")[^"]+')


def signed_in(client) -> bool:
    """The login page sends a signed-in account on to the workspace."""
    return client.get("/connexion").status_code == 303


def post_login(client, email: str, password: str, url: str = "/connexion", **headers):
    data = {"email": email, "password": password, "csrf_token": csrf_token(client, "/connexion")}
    return client.post(url, data=data, headers=headers)


def later(monkeypatch, seconds: int) -> None:
    """Move the clock of every signed token (session cookie, e-mailed links) ``seconds`` ahead."""
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + seconds)


def link_in(message) -> str:
    """The path of the password link in an e-mail, checked in both its parts."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    match = re.search(r"http://rtes\.test(/mot-de-passe/\w+/\S+)", text)
    assert match, text
    assert match[0] in html.replace("&amp;", "&")
    return match[1]


def set_password(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    data = {"password": password, "confirm": confirm or password, "csrf_token": csrf_token(client, path)}
    return client.post(path, data=data)


# Signing in and out


def test_signing_in_opens_the_workspace_and_records_the_login(client, make_user):
    user = make_user("admin")
    page = client.get("/connexion")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    response = login(client, user)
    assert response.headers["Location"] == "/espace/"
    assert signed_in(client)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_the_e_mail_is_matched_whatever_its_case(client, make_user):
    user = make_user("admin", email="camille@example.org")
    assert post_login(client, " Camille@EXAMPLE.org ", PASSWORD).status_code == 303
    assert user.email == "camille@example.org"


def test_an_unknown_e_mail_and_a_wrong_password_get_the_same_answer(client, make_user):
    user = make_user("admin", email="known@example.org")
    unknown = post_login(client, "unknown@example.org", PASSWORD)
    wrong = post_login(client, user.email, "pas le bon mot de passe")
    assert unknown.status_code == wrong.status_code == 401
    bodies = [  # the same page but for the address typed and the CSRF token's timestamp
        CSRF_VALUE.sub("", r.get_data(as_text=True).replace(email, "…"))
        for r, email in ((unknown, "unknown@example.org"), (wrong, user.email))
    ]
    assert bodies[0] == bodies[1]
    assert "Adresse e-mail ou mot de passe incorrect, ou compte désactivé." in bodies[0]
    assert not signed_in(client)


def test_an_account_without_a_password_yet_cannot_sign_in(client, make_user):
    user = accounts.create_user("invited@example.org", accounts.Scope("member"))
    db.session.commit()
    assert post_login(client, user.email, "").status_code == 400  # the form asks for a password
    assert post_login(client, user.email, PASSWORD).status_code == 401


def test_a_deactivated_account_is_refused_with_the_same_answer(client, make_user):
    user = make_user("member")
    accounts.set_active(user, False)
    db.session.commit()
    response = post_login(client, user.email, PASSWORD)
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect, ou compte désactivé." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_the_login_form_says_what_is_missing(client):
    response = post_login(client, "pas-une-adresse", "")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "L&#39;adresse e-mail n&#39;est pas valide" in page and "Saisissez votre mot de passe." in page


def test_the_workspace_sends_anonymous_visitors_to_the_login_page_and_back(client, make_user):
    user = make_user("admin")
    response = client.get("/espace/comptes/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/connexion?next=%2Fespace%2Fcomptes%2F"
    response = post_login(client, user.email, PASSWORD, url=response.headers["Location"])
    assert response.headers["Location"] == "/espace/comptes/"


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "/\\evil.example",
        "/\\/evil.example",
        "/\t/evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        "",
    ],
)
def test_next_only_leads_to_a_page_of_this_site(client, make_user, target):
    user = make_user("admin")
    response = client.post(
        "/connexion",
        query_string={"next": target},
        data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(client, "/connexion")},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/espace/"
    again = client.get("/connexion", query_string={"next": target})  # already signed in
    assert again.headers["Location"] == "/espace/"


def test_next_keeps_a_local_path_and_its_query(client, make_user):
    user = make_user("admin")
    response = post_login(client, user.email, PASSWORD, url="/connexion?next=%2Fespace%2Fcomptes%2F%3Fx%3D1")
    assert response.headers["Location"] == "/espace/comptes/?x=1"


def test_signing_out_takes_a_post_with_its_csrf_token(client, make_user):
    login(client, make_user("member"))
    assert client.get("/deconnexion").status_code == 405
    assert client.post("/deconnexion").status_code == 400  # no CSRF token
    assert signed_in(client)
    token = csrf_token(client, "/mot-de-passe-oublie")  # the sign-out button of every page
    response = client.post("/deconnexion", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert not signed_in(client)


def test_a_session_lasts_its_lifetime_then_expires(app, client, make_user, monkeypatch):
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    assert lifetime == timedelta(hours=8)
    response = login(client, make_user("member"))
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie)[1])
    assert abs(expires - (datetime.now(UTC) + lifetime)) < timedelta(minutes=1)
    later(monkeypatch, int(lifetime.total_seconds()) - 60)
    assert signed_in(client)
    later(monkeypatch, int(lifetime.total_seconds()) + 60)  # no request for longer than the lifetime
    assert not signed_in(client)


def test_a_session_lifetime_comes_from_the_configuration(app_factory, make_user, monkeypatch):
    monkeypatch.setenv("RTES_SESSION_HOURS", "0.5")
    app = app_factory()
    assert app.config["PERMANENT_SESSION_LIFETIME"] == timedelta(minutes=30)
    client = app.test_client()
    login(client, make_user("member"))
    later(monkeypatch, 31 * 60)
    assert not signed_in(client)


# Login limits


@pytest.fixture
def limited(app_factory):
    """A client of an application with the login limits on."""

    def factory(**config):
        return app_factory(RATELIMIT_ENABLED=True, **config).test_client()

    return factory


def test_failed_logins_are_limited_per_account(limited, make_user):
    client = limited(RTES_LOGIN_RATE_LIMIT="100 per minute", RTES_LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")
    target, other = make_user("admin"), make_user("admin")
    codes = [post_login(client, target.email, "mauvais mot de passe").status_code for _ in range(3)]
    assert codes == [401, 401, 401]
    refused = post_login(client, target.email.upper(), PASSWORD)  # even the right password now
    assert refused.status_code == 429
    assert "Trop de requêtes" in refused.get_data(as_text=True)
    assert post_login(client, other.email, PASSWORD).status_code == 303  # another account is not blocked


def test_failed_logins_are_limited_per_address_and_successes_do_not_count(limited, make_user):
    client = limited(RTES_LOGIN_RATE_LIMIT="3 per minute", RTES_LOGIN_ACCOUNT_RATE_LIMIT="100 per hour")
    user = make_user("member")
    for _ in range(5):  # successful logins, each followed by a sign-out
        assert post_login(client, user.email, PASSWORD).status_code == 303
        client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/mot-de-passe-oublie")})
    codes = [post_login(client, f"guess{n}@example.org", "x" * 12).status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]
    assert post_login(client, user.email, PASSWORD).status_code == 429


def test_the_address_limit_follows_the_client_behind_a_trusted_proxy(limited, make_user):
    client = limited(RTES_PROXY_HOPS=1, RTES_LOGIN_RATE_LIMIT="2 per minute")
    user = make_user("member")
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    codes = [post_login(client, f"guess{n}@example.org", "x" * 12, **attacker).status_code for n in range(3)]
    assert codes == [401, 401, 429]
    colleague = post_login(client, user.email, PASSWORD, **{"X-Forwarded-For": "198.51.100.7"})
    assert colleague.status_code == 303


# Password change


def test_changing_the_password_needs_the_current_one(client, make_user):
    user = make_user("member")
    login(client, user)
    response = client.post(
        "/espace/mot-de-passe",
        data={
            "current": "pas le bon mot de passe",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(client, "/mot-de-passe-oublie"),
        },
    )
    assert response.status_code == 400
    assert "Le mot de passe actuel n&#39;est pas le bon." in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_changing_the_password_signs_the_other_sessions_out(app, make_user):
    user = make_user("admin")
    here, elsewhere = app.test_client(), app.test_client()
    login(here, user)
    login(elsewhere, user)
    response = here.post(
        "/espace/mot-de-passe",
        data={
            "current": PASSWORD,
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": csrf_token(here, "/espace/mot-de-passe"),
        },
    )
    assert response.status_code == 303
    assert signed_in(here) and not signed_in(elsewhere)
    assert post_login(elsewhere, user.email, PASSWORD).status_code == 401
    assert post_login(elsewhere, user.email, NEW_PASSWORD).status_code == 303


def test_the_new_password_is_checked(client, make_user):
    login(client, make_user("member"))
    token = csrf_token(client, "/mot-de-passe-oublie")
    short = client.post(
        "/espace/mot-de-passe",
        data={"current": PASSWORD, "password": "court", "confirm": "court", "csrf_token": token},
    )
    mismatch = client.post(
        "/espace/mot-de-passe",
        data={"current": PASSWORD, "password": NEW_PASSWORD, "confirm": "autre", "csrf_token": token},
    )
    assert short.status_code == mismatch.status_code == 400
    assert "entre 12 et 200 caractères" in short.get_data(as_text=True)
    assert "Les deux mots de passe ne sont pas identiques." in mismatch.get_data(as_text=True)


# Password reset by e-mail


def ask_reset(client, email: str):
    data = {"email": email, "csrf_token": csrf_token(client, "/mot-de-passe-oublie")}
    return client.post("/mot-de-passe-oublie", data=data)


def test_a_reset_link_is_e_mailed_and_sets_a_new_password_once(app, client, make_user, outbox_messages):
    user = make_user("member")
    elsewhere = app.test_client()
    login(elsewhere, user)
    response = ask_reset(client, user.email.upper())
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    [message] = outbox_messages()
    assert message["To"] == user.email
    assert message["Subject"].startswith("Réinitialisation de votre mot de passe")
    path = link_in(message)
    assert path.startswith("/mot-de-passe/reset/")
    page = client.get(path)
    assert page.status_code == 200 and user.email in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    assert set_password(client, path, confirm="pas la même chose").status_code == 400
    response = set_password(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/connexion"
    assert not signed_in(elsewhere)  # a new password closes the other sessions
    assert post_login(client, user.email, PASSWORD).status_code == 401
    assert post_login(client, user.email, NEW_PASSWORD).status_code == 303
    assert app.test_client().get(path).status_code == 410  # single use


def test_a_used_link_is_refused_even_with_a_valid_form(client, make_user, outbox_messages):
    user = make_user("member")
    ask_reset(client, user.email)
    path = link_in(outbox_messages()[0])
    assert set_password(client, path).status_code == 303
    again = "encore une autre phrase"
    data = {"password": again, "confirm": again, "csrf_token": csrf_token(client, "/connexion")}
    assert client.post(path, data=data).status_code == 410
    db.session.refresh(user)
    assert user.check_password(NEW_PASSWORD)


def test_a_reset_link_expires(client, make_user, outbox_messages, monkeypatch):
    user = make_user("member")
    ask_reset(client, user.email)
    path = link_in(outbox_messages()[0])
    later(monkeypatch, accounts.LINK_AGES["reset"] - 60)
    assert client.get(path).status_code == 200
    later(monkeypatch, accounts.LINK_AGES["reset"] + 60)
    response = client.get(path)
    assert response.status_code == 410
    assert "Ce lien n'est plus valable" in response.get_data(as_text=True)


def test_a_tampered_or_misdirected_link_is_refused(client, make_user, outbox_messages):
    user = make_user("member")
    ask_reset(client, user.email)
    path = link_in(outbox_messages()[0])
    token = path.rsplit("/", 1)[1]
    assert client.get(path[:-2] + ("AA" if path[-2:] != "AA" else "BB")).status_code == 410
    assert client.get(f"/mot-de-passe/invitation/{token}").status_code == 410  # another purpose
    assert client.get(f"/mot-de-passe/autre/{token}").status_code == 404


def test_a_deactivated_account_cannot_use_its_link(client, make_user, outbox_messages):
    user = make_user("member")
    ask_reset(client, user.email)
    path = link_in(outbox_messages()[0])
    accounts.set_active(user, False)
    db.session.commit()
    assert client.get(path).status_code == 410


@pytest.mark.parametrize("case", ["unknown", "deactivated"])
def test_an_unknown_or_deactivated_address_gets_the_same_answer_and_no_e_mail(
    client, make_user, outbox_messages, case
):
    known = ask_reset(client, make_user("member").email)
    client.get("/connexion")  # shows the notice
    before = len(outbox_messages())
    email = "personne@example.org"
    if case == "deactivated":
        user = make_user("member")
        accounts.set_active(user, False)
        db.session.commit()
        email = user.email
    response = ask_reset(client, email)
    assert (response.status_code, response.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert "Si un compte actif correspond à cette adresse" in client.get("/connexion").get_data(as_text=True)
    assert len(outbox_messages()) == before


# Invitation


def test_an_invitation_leads_from_the_e_mail_to_the_workspace(app, client, make_user, outbox_messages):
    admin = make_user("admin")
    admin.name = "Alex Admin"
    db.session.commit()
    login(client, admin)
    response = client.post(
        "/espace/comptes/inviter",
        data={
            "email": "nouvelle@example.org",
            "name": "Dominique Nouvelle",
            "role": "member",
            "partner": "",
            "csrf_token": csrf_token(client, "/espace/comptes/inviter"),
        },
    )
    assert response.status_code == 303
    [message] = outbox_messages()
    assert message["To"] == "nouvelle@example.org"
    assert message["Subject"] == "Invitation à l'espace des organisateurs du RTES"
    assert "Alex Admin vous invite" in message.get_body(("plain",)).get_content()
    path = link_in(message)
    assert path.startswith("/mot-de-passe/invitation/")

    invitee = app.test_client()
    assert post_login(invitee, "nouvelle@example.org", NEW_PASSWORD).status_code == 401  # no password yet
    page = invitee.get(path).get_data(as_text=True)
    assert "Bienvenue : choisissez votre mot de passe" in page and "nouvelle@example.org" in page
    assert set_password(invitee, path).status_code == 303
    assert post_login(invitee, "nouvelle@example.org", NEW_PASSWORD).status_code == 303
    assert invitee.get(path).status_code == 410  # the invitation served once


def test_an_invitation_link_lasts_a_week(client, make_user, outbox_messages, monkeypatch):
    user = accounts.create_user("invitee@example.org", accounts.Scope("member"))
    accounts.queue_password_email(user, "invitation")
    db.session.commit()
    path = link_in(outbox_messages()[0])
    later(monkeypatch, 6 * 24 * 3600)
    assert client.get(path).status_code == 200
    later(monkeypatch, 7 * 24 * 3600 + 60)
    assert client.get(path).status_code == 410
