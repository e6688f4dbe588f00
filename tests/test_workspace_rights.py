"""Who may touch what in the workspace: every route × every role × own/other club × GET/POST.

Nobody reaches what is not theirs: an object of another club answers 403 or 404, shows none of its
data and changes nothing in the database; anonymous visitors are sent to the login page; members
and co-organisers never reach the accounts.
"""

import re
from datetime import time

import pytest
from sqlalchemy import MetaData, select

from rtes_events import memberships, programmes, questions
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.permissions import can_manage, is_member

from .conftest import OTHER_CLUB, OWN_CLUB, PERSON, csrf_token, login

SECRET_TITLE = "Session confidentielle de Nouvelle-Aquitaine"
SECRET_EMAIL = "registrant.naq@example.org"
SECRET_ANSWER = "Allergie confidentielle aux fruits à coque"
# Value of each URL argument of a workspace route, by the scenario's object set.
ARGUMENTS = (
    "event_id",
    "registration_id",
    "user_id",
    "fmt",
    "programme_id",
    "member_id",
    "proposal_id",
    "slot_id",
    "question_id",
    "source_id",
    "key",
)
# Workspace areas for admins only, by endpoint prefix (``manage.relay``: a relayed event's decisions).
ADMIN_AREAS = (
    "manage.account",
    "manage.programme",
    "manage.member",
    "manage.proposal",
    "manage.site_page",
    "manage.relay",
    "manage.signatory",
)


@pytest.fixture
def world(clubs, make_event, make_registration, make_user):
    """Two clubs, each with a published session, a registrant and a draft; one account per role; a
    followed calendar added by each co-organiser (theirs: ``sources[role]``), one of the other region."""
    from rtes_events.models import CalendarSource, Club, Slot

    own_club = db.session.scalar(select(Club).where(Club.slug == OWN_CLUB))
    other_club = db.session.scalar(select(Club).where(Club.slug == OTHER_CLUB))
    own = make_event(kind="club", club=own_club, title="Session du club francilien", capacity=1)
    other = make_event(kind="club", club=other_club, title=SECRET_TITLE, capacity=1)
    make_event(kind="club", club=other_club, title=SECRET_TITLE + " (brouillon)", status="draft")
    own_question = questions.add(own, {"label": "Allergies", "type": "texte", "sensitive": True})
    other_question = questions.add(other, {"label": "Allergies", "type": "texte", "sensitive": True})
    db.session.commit()
    own_registration = make_registration(own)
    other_registration = make_registration(
        other, email=SECRET_EMAIL, answers={other_question.id: SECRET_ANSWER}
    )
    make_registration(other, email="attente.naq@example.org")  # waitlisted: something to move up
    for event in (own, other):  # a slot of its programme (déroulé) each
        event.slots.append(Slot(title="Ouverture", starts=time(9), ends=time(10)))
    programme = programmes.create({"name": "Programme national"})  # programmes are for admins only
    member, _ = memberships.save(
        {"name": "Ville d'Exemple", "kind": "commune", "region_code": "IDF", "domains": ["ville-exemple.fr"]}
    )
    db.session.commit()
    agent = make_user("member", email="agent@ville-exemple.fr")  # of a current member authority
    agent.member_organisation = member
    users = {
        "admin": make_user("admin"),
        "coorganiser": make_user("coorganiser", clubs=[OWN_CLUB]),
        "partner": make_user("coorganiser", partner="cress-idf"),
        "member": agent,
    }
    sources = {
        role: CalendarSource(url=f"https://{role}.example.org/agenda.ics", name=role, region_code="IDF")
        for role in ("coorganiser", "partner")
    }
    for role, source in sources.items():
        source.created_by = users[role]
    other_source = CalendarSource(url="https://naq.example.org/agenda.ics", name=SECRET_TITLE + " (agenda)")
    other_source.region_code = "NAQ"
    db.session.add_all([*sources.values(), other_source])
    db.session.commit()
    return {
        "own": {
            "event_id": own.id,
            "registration_id": own_registration.id,
            "fmt": "csv",
            "programme_id": programme.id,
            "member_id": member.id,
            "proposal_id": 999_999,  # the proposals' queue is for admins only
            "slot_id": own.slots[0].id,
            "question_id": own_question.id,
            "source_id": sources["coorganiser"].id,
            "key": "mentions-legales",  # the information pages are for admins only
        },
        "other": {
            "event_id": other.id,
            "registration_id": other_registration.id,
            "fmt": "csv",
            "programme_id": programme.id,
            "member_id": member.id,  # member authorities are for admins only
            "proposal_id": 999_999,
            "slot_id": other.slots[0].id,
            "question_id": other_question.id,
            "source_id": other_source.id,
            "key": "accessibilite",
        },
        "users": users,
        "sources": {role: source.id for role, source in sources.items()},
    }


def workspace_rules(app):
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if rule.endpoint.startswith("manage.") or rule.endpoint == "auth.change_password"
        ),
        key=lambda rule: rule.rule,
    )


def url(rule, values: dict) -> str:
    missing = set(rule.arguments) - set(values)
    assert not missing, f"{rule.endpoint}: no test value for {missing}"
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", str(values[name]), path)
    return path


def snapshot() -> dict:
    """Every row of every table, to show that a refused request changed nothing."""
    db.session.expire_all()
    meta = MetaData()
    meta.reflect(db.engine)
    with db.engine.connect() as connection:
        return {
            name: sorted(map(tuple, connection.execute(table.select())))
            for name, table in meta.tables.items()
        }


def test_the_matrix_covers_every_workspace_route(app, world):
    endpoints = {rule.endpoint for rule in workspace_rules(app)}
    for expected in (
        "manage.dashboard",
        "manage.events",
        "manage.event",
        "manage.event_new",
        "manage.registrants",
        "manage.export",
        "manage.registrant_move_slot",
        "manage.attendance",
        "manage.message",
        "manage.accounts",
        "manage.questions",
        "manage.question_remove",
    ):
        assert expected in endpoints
    for rule in workspace_rules(app):
        assert set(rule.arguments) <= {*ARGUMENTS}, f"{rule.endpoint} takes an argument the matrix ignores"


@pytest.mark.parametrize("role", ["coorganiser", "partner", "member", "admin"])
def test_nobody_reaches_what_is_not_theirs(app, client, world, role):
    user = world["users"][role]
    login(client, user)
    token = csrf_token(client, "/espace/mot-de-passe")
    other_values = {**world["other"], "user_id": world["users"]["admin"].id}
    before = snapshot()
    for rule in workspace_rules(app):
        path = url(rule, other_values)
        for method in sorted(rule.methods & {"GET", "POST"}):
            data = {"csrf_token": token} if method == "POST" else None
            response = client.open(path, method=method, data=data)
            if role == "admin":  # everything is theirs (exports included: not text)
                assert response.status_code < 500, (rule.endpoint, method, response.status_code)
                continue
            body = response.get_data(as_text=True)
            touches_other = bool(
                set(rule.arguments) & {"event_id", "registration_id", "user_id", "question_id", "source_id"}
            )
            if role == "member" or touches_other or rule.endpoint.startswith(ADMIN_AREAS):
                if rule.endpoint == "auth.change_password":
                    continue  # every account changes its own password
                assert response.status_code in (403, 404), (rule.endpoint, method, response.status_code)
            assert SECRET_TITLE not in body, (rule.endpoint, method)
            assert SECRET_EMAIL not in body, (rule.endpoint, method)
            assert SECRET_ANSWER not in body, (rule.endpoint, method)
    if role != "admin":
        after = snapshot()
        # A co-organiser exports the indicators of their own sessions (checked above): that is logged.
        after["audit_entries"] = [row for row in after["audit_entries"] if "indicators.exported" not in row]
        assert after == before


@pytest.mark.parametrize("role", ["coorganiser", "partner"])
def test_co_organisers_reach_their_own_club(app, client, world, role):
    login(client, world["users"][role])
    for rule in workspace_rules(app):
        if "GET" not in rule.methods or rule.endpoint.startswith(ADMIN_AREAS):
            continue
        response = client.get(url(rule, {**world["own"], "source_id": world["sources"][role]}))
        assert response.status_code in (200, 409), (rule.endpoint, response.status_code)


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, world):
    token = csrf_token(client, "/connexion")
    before = snapshot()
    for rule in workspace_rules(app):
        for values in (world["own"], world["other"]):
            path = url(rule, {**values, "user_id": world["users"]["admin"].id})
            for method in sorted(rule.methods & {"GET", "POST"}):
                response = client.open(path, method=method, data={"csrf_token": token})
                if method == "POST" and rule.endpoint.startswith("manage."):
                    # A form's target is no page to come back to: sign in, then start again.
                    assert response.status_code == 303, rule.endpoint
                    assert response.headers["Location"] == "/connexion"
                else:
                    assert response.status_code == 302, rule.endpoint
                    assert response.headers["Location"].startswith("/connexion?next=")
    assert snapshot() == before


def test_a_co_organiser_cannot_create_a_session_in_another_club(app, client, world):
    from rtes_events.models import Club

    login(client, world["users"]["coorganiser"])
    other_club = db.session.scalar(select(Club).where(Club.slug == OTHER_CLUB))
    page = client.get("/espace/evenements/nouveau").get_data(as_text=True)
    assert "Club ESS Île-de-France" in page and "Club ESS Nouvelle-Aquitaine" not in page
    before = snapshot()
    response = client.post(
        "/espace/evenements/nouveau",
        data={
            "csrf_token": csrf_token(client, "/espace/evenements/nouveau"),
            "kind": "club",
            "club": str(other_club.id),
            "title": "Tentative",
            "date": "2030-01-10",
            "start_time": "10:00",
            "end_time": "12:00",
            "mode": "onsite",
        },
    )
    assert response.status_code in (400, 403, 404)
    assert snapshot() == before


def test_a_member_manages_nothing(app, world):
    member = world["users"]["member"]
    from rtes_events.models import Event

    for event in db.session.scalars(select(Event)):
        for action in ("view", "edit", "registrants", "export"):
            assert not can_manage(member, event, action)
    assert not can_manage(member, None, "view")


def test_a_member_lands_on_their_member_page_and_reaches_no_workspace_page(app, client, world):
    member = world["users"]["member"]
    assert is_member(member) and member.member_organisation.is_current
    response = login(client, member)
    assert response.headers["Location"] == "/adherents/acces/compte"
    page = client.get("/adherents/acces/compte").get_data(as_text=True)
    assert "Mon accès adhérent" in page and "Espace organisateurs" not in page
    assert client.get("/espace/").status_code == 403
    for action in ("view", "members", "proposals", "accounts"):
        assert not can_manage(member, None, action)


def test_a_deactivated_co_organiser_is_signed_out_at_once(app, client, world):
    from rtes_events import accounts

    user = world["users"]["coorganiser"]
    login(client, user)
    assert client.get("/espace/").status_code == 200
    accounts.set_active(user, False)
    db.session.commit()
    assert client.get("/espace/").status_code == 302


class Veto:
    """A partner plugin that grants one co-organiser another club's sessions, and refuses exports."""

    def __init__(self, email: str):
        self.email = email

    @hookimpl
    def rtes_can_manage(self, user, obj, action):
        if action == "export":
            return False
        if user.email == self.email and action in ("view", "registrants"):
            return True
        return None


def test_hook_rtes_can_manage(app, client, world):
    from rtes_events.models import Event

    user = world["users"]["partner"]
    other = db.session.get(Event, world["other"]["event_id"])
    own = db.session.get(Event, world["own"]["event_id"])
    assert not can_manage(user, other, "view") and can_manage(user, own, "export")
    app.extensions["rtes_plugins"].register(Veto(user.email), name="veto")
    assert can_manage(user, other, "view") and can_manage(user, other, "registrants")
    assert not can_manage(user, other, "edit")
    assert not can_manage(world["users"]["admin"], own, "export")  # any False refuses, even an admin
    login(client, user)
    assert client.get(f"/espace/evenements/{other.id}/export.csv").status_code == 404
    registrants_page = client.get(f"/espace/evenements/{other.id}/inscrits").get_data(as_text=True)
    assert (
        SECRET_EMAIL in registrants_page and SECRET_ANSWER in registrants_page
    )  # granted: reads the answers
    assert client.get(f"/espace/evenements/{other.id}/questions").status_code == 404  # but edits nothing


class Menu:
    @hookimpl
    def rtes_menu_items(self, user):
        return [{"label": f"Offre de formation ({user.role})", "url": "/espace/"}]


def test_hook_rtes_menu_items(app, client, world):
    app.extensions["rtes_plugins"].register(Menu(), name="menu")
    login(client, world["users"]["coorganiser"])
    page = client.get("/espace/").get_data(as_text=True)
    assert "Offre de formation (coorganiser)" in page
    assert "/espace/comptes/" not in page  # accounts are for admins only


def test_the_dashboard_shows_fill_rates_and_recent_registrations(client, world):
    login(client, world["users"]["coorganiser"])
    page = client.get("/espace/").get_data(as_text=True)
    assert "Session du club francilien" in page and "1 / 1 (100 %)" in page
    assert PERSON["last_name"] in page
    assert SECRET_TITLE not in page and SECRET_EMAIL not in page
