"""Member access without an admin: the e-mailed link (single use, 24 h), refusals without e-mail,
no enumeration, rate limits, the end of a membership, and what member access opens."""

import html
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rtes_events import accounts, clock, delivery
from rtes_events.extensions import db
from rtes_events.importer import import_data
from rtes_events.models import (
    AuditEntry,
    MemberDomain,
    MemberOrganisation,
    Registration,
    Replay,
    ReplayResource,
    User,
)

from . import member_factory
from .conftest import PASSWORD, PERSON, TWO_CLUBS, csrf_token, login
from .member_factory import EXAMPLE_DOMAIN, end_membership
from .test_auth import later, post_login

BOTH_DATABASES = True
make_member = member_factory.make_member  # the fixture
ACCESS = "/adherents/acces"
AGENT = f"camille.agent@{EXAMPLE_DOMAIN}"
SECRET_SUMMARY = "le <strong>réemploi</strong> des locaux"


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def ask(client, email: str, **headers):
    return client.post(
        ACCESS, data={"email": email, "csrf_token": csrf_token(client, ACCESS)}, headers=headers
    )


def link_in(message) -> str:
    """The access link's path, found in the text and the HTML parts of the e-mail."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    match = re.search(r"http://rtes\.test(/adherents/acces/lien/\S+)", text)
    assert match, text
    assert match[0] in html.replace("&amp;", "&")
    return match[1]


def follow(client, path: str):
    """Open the link's page, then press its button."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    return client.post(path, data={"csrf_token": csrf_token(client, path)})


def member_page(client):
    return client.get("/adherents/acces/compte")


@pytest.fixture
def member(make_member):
    return make_member()


@pytest.fixture
def members_replay(make_event):
    """A past event whose published replay has a members-only summary."""
    starts = clock.now() - timedelta(days=10)
    event = make_event(
        title="Séance sur les tiers-lieux", starts_at=starts, ends_at=starts + timedelta(hours=2)
    )
    summary = ReplayResource(kind="summary", access="members", text="* le **réemploi** des locaux")
    db.session.add(Replay(event=event, published_at=clock.now(), resources=[summary]))
    db.session.commit()
    return event


# --- The link, end to end ---------------------------------------------------------------------------


def test_a_work_address_of_a_member_opens_member_access_from_the_e_mail(
    app, client, member, members_replay, outbox_messages
):
    assert SECRET_SUMMARY not in client.get(f"/replays/{members_replay.slug}/").get_data(as_text=True)
    response = ask(client, AGENT)
    assert (response.status_code, response.headers["Location"]) == (303, ACCESS)
    notice = text(client.get(ACCESS))
    assert f"Un lien d'accès vient d'être envoyé à {AGENT}" in notice and "valable 24 heures" in notice
    [message] = outbox_messages()
    assert message["To"] == AGENT and message["Subject"] == "Votre accès adhérent au RTES"
    assert "Ville d'Exemple" in message.get_body(("plain",)).get_content()
    path = link_in(message)
    assert db.session.scalar(select(User).where(User.email == AGENT)) is None  # nothing before the link

    opened = follow(client, path)
    assert (opened.status_code, opened.headers["Location"]) == (303, "/adherents/acces/compte")
    user = db.session.scalar(select(User).where(User.email == AGENT))
    assert (user.role, user.member_organisation, user.active, user.password_hash) == (
        "member",
        member,
        True,
        "",
    )
    page = text(member_page(client))
    assert "Ville d'Exemple, collectivité adhérente du RTES" in page and "Mon accès adhérent" in page
    assert SECRET_SUMMARY in client.get(f"/replays/{members_replay.slug}/").get_data(as_text=True)
    assert client.get("/espace/").status_code == 403  # no workspace page
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.member_access"))
    assert entry.target_user_id == user.id and entry.details["organisation"] == "Ville d'Exemple"

    # A password, for later (optional): then the member signs in without a link.
    data = {
        "password": PASSWORD,
        "confirm": PASSWORD,
        "csrf_token": csrf_token(client, "/adherents/acces/compte"),
    }
    assert client.post("/adherents/acces/compte", data=data).status_code == 303
    other = app.test_client()
    signed = post_login(other, AGENT, PASSWORD)
    assert (signed.status_code, signed.headers["Location"]) == (303, "/adherents/acces/compte")


def test_a_link_serves_once(app, client, member, outbox_messages):
    ask(client, AGENT)
    path = link_in(outbox_messages()[0])
    assert follow(client, path).status_code == 303
    other = app.test_client()
    assert other.get(path).status_code == 410
    assert "Ce lien n'est plus valable" in text(other.get(path))
    assert other.post(path, data={"csrf_token": csrf_token(other, ACCESS)}).status_code == 410
    assert member_page(other).status_code == 303  # not signed in


@pytest.mark.parametrize("account", [False, True])
def test_a_link_opens_once_even_when_used_twice_at_the_same_instant(
    client, member, make_user, outbox_messages, account
):
    if account:
        make_user("member", email=AGENT)
    ask(client, AGENT)
    token = link_in(outbox_messages()[0]).rsplit("/", 1)[1]
    first, second = accounts.member_from_link(token), accounts.member_from_link(token)  # both read it valid
    assert accounts.open_member_access(first) is not None
    assert accounts.open_member_access(second) is None
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == AGENT)) == 1
    assert (
        len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == "user.member_access")).all())
        == 1
    )


def test_a_link_lasts_24_hours(app, client, member, outbox_messages, monkeypatch):
    ask(client, AGENT)
    path = link_in(outbox_messages()[0])
    later(monkeypatch, accounts.MEMBER_LINK_AGE - 60)
    assert client.get(path).status_code == 200
    later(monkeypatch, accounts.MEMBER_LINK_AGE + 60)
    assert client.get(path).status_code == 410
    assert db.session.scalar(select(User).where(User.email == AGENT)) is None


def test_a_tampered_link_is_refused(client, member, outbox_messages):
    ask(client, AGENT)
    path = link_in(outbox_messages()[0])
    assert client.get(path[:-2] + ("AA" if path[-2:] != "AA" else "BB")).status_code == 410
    reset = accounts._serializer("reset").dumps({"email": AGENT, "fp": "nouveau"})  # another purpose
    assert client.get(f"{ACCESS}/lien/{reset}").status_code == 410


def test_a_deactivated_member_account_is_reactivated_by_its_link(client, member, make_user, outbox_messages):
    user = make_user("member", email=AGENT)
    accounts.set_active(user, False)
    db.session.commit()
    ask(client, AGENT)
    assert follow(client, link_in(outbox_messages()[0])).status_code == 303
    db.session.refresh(user)
    assert user.active and user.member_organisation == member
    assert member_page(client).status_code == 200


# --- Refusals: no e-mail ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "says"),
    [
        ("camille.agent@gmail.com", "Une adresse de messagerie personnelle ne donne pas accès"),
        ("camille@orange.fr", "Une adresse de messagerie personnelle ne donne pas accès"),
        ("camille@ville-voisine.fr", "n'est celui d'aucune collectivité adhérente"),
    ],
)
def test_webmail_and_non_member_addresses_are_told_how_to_get_access_and_get_no_e_mail(
    client, member, outbox_messages, email, says
):
    response = ask(client, email)
    body = text(response)
    assert response.status_code == 403
    assert says in body and "aucun e-mail n'a été envoyé" in body
    assert "peut rejoindre le réseau" in body and "https://www.rtes.fr" in body
    assert outbox_messages() == []
    assert db.session.scalar(select(User).where(User.email == email)) is None


def test_a_webmail_domain_never_gives_access_even_if_recorded_for_a_member(
    client, make_member, outbox_messages
):
    make_member(domains=("gmail.com",))
    assert ask(client, "quelqu.un@gmail.com").status_code == 403
    assert outbox_messages() == []


def test_an_invalid_address_is_a_form_error(client, member, outbox_messages):
    response = ask(client, "pas-une-adresse")
    assert response.status_code == 400 and "n'est pas valide" in text(response)
    assert outbox_messages() == []


def test_an_ended_membership_gives_no_access_and_its_links_stop(client, member, outbox_messages):
    ask(client, AGENT)
    path = link_in(outbox_messages()[0])
    end_membership(member)
    assert client.get(path).status_code == 410
    assert ask(client, AGENT).status_code == 403
    assert len(outbox_messages()) == 1


# --- No enumeration -----------------------------------------------------------------------------------


def notice(client) -> str:
    page = text(client.get(ACCESS))
    return re.search(r'<p class="notice notice-success" role="status">([^<]+)</p>', page)[1]


@pytest.mark.parametrize("role", ["member", "admin"])
def test_the_answer_is_the_same_whether_an_account_exists_or_not(
    client, member, make_user, outbox_messages, role
):
    unknown = ask(client, f"nouvelle@{EXAMPLE_DOMAIN}")
    unknown_notice = notice(client)
    known_user = make_user(role, email=f"connue@{EXAMPLE_DOMAIN}")
    known = ask(client, known_user.email)
    assert (unknown.status_code, unknown.headers["Location"]) == (
        known.status_code,
        known.headers["Location"],
    )
    assert unknown_notice.replace("nouvelle@", "connue@") == notice(client)
    first, second = outbox_messages()
    assert first["Subject"] == second["Subject"] and second["To"] == known_user.email
    if role == "admin":  # an account with wider rights keeps them: no member link, sign in as usual
        assert "/adherents/acces/lien/" not in second.get_body(("plain",)).get_content()
        assert (
            "déjà un compte (Équipe du réseau (administration))" in second.get_body(("plain",)).get_content()
        )
        db.session.refresh(known_user)
        assert known_user.role == "admin"
    else:
        assert follow(client, link_in(second)).status_code == 303


# --- Rate limits --------------------------------------------------------------------------------------


@pytest.fixture
def limited(app_factory):
    """An application with the limits on, and a member (no other application: the limiter is one)."""
    app = app_factory(
        RATELIMIT_ENABLED=True,
        RTES_MEMBER_ACCESS_RATE_LIMIT="5 per minute",
        RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT="2 per hour",
    )
    with app.app_context():
        import_data(TWO_CLUBS)
        db.session.add(
            MemberOrganisation(
                name="Ville d'Exemple",
                kind="commune",
                region_code="IDF",
                domains=[MemberDomain(domain=EXAMPLE_DOMAIN)],
            )
        )
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def sent(app) -> int:
    """How many e-mails the worker sent (file transport)."""
    delivery.deliver_due()
    return len(list((Path(app.instance_path) / "outbox").glob("*.eml")))


def test_requests_are_limited_per_e_mail_address(limited):
    client = limited.test_client()
    assert [ask(client, AGENT).status_code for _ in range(2)] == [303, 303]
    assert ask(client, AGENT.upper()).status_code == 429
    assert ask(client, AGENT.replace("@", "+x@")).status_code == 429
    assert ask(client, f"autre@{EXAMPLE_DOMAIN}").status_code == 303  # another address still may
    assert sent(limited) == 3


def test_requests_are_limited_per_client_address(limited):
    client = limited.test_client()
    codes = [ask(client, f"agent{n}@domaine-{n}.fr").status_code for n in range(5)]
    assert codes == [403] * 5  # refusals count too: nobody probes domains in bulk
    assert ask(client, AGENT).status_code == 429
    assert sent(limited) == 0


# --- The end of a membership --------------------------------------------------------------------------


def test_an_ended_membership_signs_its_members_out_at_once(
    app, client, member, members_replay, make_user, outbox_messages
):
    user = make_user("member", email=AGENT)
    user.member_organisation = member
    db.session.commit()
    login(client, user)
    assert member_page(client).status_code == 200
    assert SECRET_SUMMARY in client.get(f"/replays/{members_replay.slug}/").get_data(as_text=True)

    end_membership(member)
    assert member_page(client).status_code == 303  # the open session is over
    admin = app.test_client()
    login(admin, make_user("admin"))
    assert "Adhésion terminée : sans accès" in text(admin.get("/espace/comptes/"))
    assert SECRET_SUMMARY not in client.get(f"/replays/{members_replay.slug}/").get_data(as_text=True)
    assert post_login(app.test_client(), AGENT, PASSWORD).status_code == 401

    member.until = None  # renewed
    db.session.commit()
    assert post_login(app.test_client(), AGENT, PASSWORD).status_code == 303


def test_a_member_invited_by_hand_without_an_authority_keeps_member_access(client, members_replay, make_user):
    login(client, make_user("member"))
    assert SECRET_SUMMARY in client.get(f"/replays/{members_replay.slug}/").get_data(as_text=True)


# --- Members-only events ------------------------------------------------------------------------------


def register(client, event, email: str):
    url = f"/evenements/{event.slug}/inscription"
    data = {**PERSON, "consent": "y", "email": email, "csrf_token": csrf_token(client, url)}
    return client.post(url, data=data)


def test_a_members_only_event_takes_member_addresses_and_refuses_others_saying_how(
    client, member, make_event
):
    event = make_event(audience="members")
    form = client.get(f"/evenements/{event.slug}/inscription").get_data(as_text=True)
    assert "Événement réservé aux collectivités adhérentes" in form and ACCESS in form
    for email in ("camille@gmail.com", "camille@ville-voisine.fr"):
        refused = register(client, event, email)
        body = text(refused)
        assert refused.status_code == 403
        assert "réservé aux collectivités adhérentes du RTES" in body
        assert f'href="{ACCESS}">Ouvrir mon accès adhérent' in body
    assert db.session.scalars(select(Registration)).all() == []
    assert register(client, event, AGENT).status_code in (200, 303)
    registration = db.session.scalar(select(Registration))
    assert (registration.email, registration.member_organisation_id) == (AGENT, member.id)


def test_a_signed_in_member_registers_to_a_members_only_event_with_any_address(
    client, member, make_event, make_user
):
    event = make_event(audience="members")
    user = make_user("member", email=AGENT)
    user.member_organisation = member
    db.session.commit()
    login(client, user)
    assert register(client, event, "camille.perso@gmail.com").status_code in (200, 303)
    registration = db.session.scalar(select(Registration))
    assert registration.member_organisation_id == member.id  # the member's authority
    end_membership(member)
    assert register(client, event, "autre.perso@gmail.com").status_code == 403


def test_the_members_only_rule_is_the_registration_services(app, member, make_event, make_registration):
    from rtes_events import registrations

    event = make_event(audience="members")
    with pytest.raises(registrations.MembersOnly) as refused:
        make_registration(event, email="camille@gmail.com")
    assert "/adherents/acces" in refused.value.messages[0]
    open_event = make_event()
    assert make_registration(open_event, email="camille@gmail.com").member_organisation_id is None
    # An organiser's manual add (outside the window) takes whoever they add.
    added = registrations.register(event, {**PERSON, "email": "invitee@gmail.com"}, window=False)
    assert added.registration.status == "confirmed"


# --- Admins tie accounts to a member by hand ----------------------------------------------------------


def test_an_admin_invites_a_member_of_an_authority_and_ties_an_account_to_one(
    app, client, member, make_member, make_user, outbox_messages
):
    login(client, make_user("admin"))
    invite = "/espace/comptes/inviter"
    data = {"email": "elu@mairie.example", "role": "member", "member": member.name, "partner": ""}
    response = client.post(invite, data={**data, "csrf_token": csrf_token(client, invite)})
    assert response.status_code == 303
    user = accounts.by_email("elu@mairie.example")
    assert (user.role, user.member_organisation) == ("member", member)
    assert "Ville d'Exemple" in text(client.get("/espace/comptes/"))

    other = make_member(name="Département d'Exemple", kind="departement", domains=("departement-exemple.fr",))
    path = f"/espace/comptes/{user.id}/"
    form = {
        "name": "",
        "role": "member",
        "member": other.name,
        "partner": "",
        "csrf_token": csrf_token(client, path),
    }
    assert client.post(path, data=form).status_code == 303
    db.session.refresh(user)
    assert user.member_organisation == other
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "user.updated"))
    assert entry.details["member"] == [member.name, other.name]
    # Only a member belongs to an authority; an unknown one is refused in French.
    form = {**form, "role": "admin", "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=form).status_code == 303
    db.session.refresh(user)
    assert (user.role, user.member_organisation) == ("admin", None)
    bad = {
        **data,
        "email": "x@mairie.example",
        "member": "Inconnue",
        "csrf_token": csrf_token(client, invite),
    }
    assert client.post(invite, data=bad).status_code == 400
    assert accounts.by_email("x@mairie.example") is None


def test_create_user_takes_a_member_authority(runner, member):
    result = runner.invoke(
        args=["create-user", AGENT, "--role", "member", "--member-organisation", member.name],
        input=f"{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    assert result.output == f"Compte créé : {AGENT} (Membre (collectivité adhérente) — Ville d'Exemple)\n"
    assert accounts.by_email(AGENT).member_organisation == member
    refused = runner.invoke(
        args=["create-user", "b@x.fr", "--role", "admin", "--member-organisation", member.name],
        input=f"{PASSWORD}\n",
    )
    assert refused.exit_code != 0 and "seul un compte « membre »" in refused.output


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("Camille.Agent@VILLE-EXEMPLE.FR", 303),  # case does not matter
        ("camille@mairie.ville-exemple.fr", 403),  # a sub-domain is another domain
        ("camille@ville-exemple.fr.evil.example", 403),
        ("a\x00b@ville-exemple.fr", 400),
        ("x" * 300 + "@ville-exemple.fr", 400),
        ("camille@exemple-é.fr", 403),
        ("<script>@ville-exemple.fr", 400),
        ("", 400),
    ],
)
def test_hostile_addresses_get_a_french_answer_never_a_500(client, member, outbox_messages, email, status):
    response = ask(client, email)
    assert response.status_code == status
    if status != 303:
        assert outbox_messages() == []
        assert "<script>@" not in response.get_data(as_text=True)
