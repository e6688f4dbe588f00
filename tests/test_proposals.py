"""Events proposed by members and partners (``/proposer``) and their moderation
(``/espace/propositions/``), through the test client with CSRF on: the form's rules, the limit of
pending proposals, who may propose and moderate, publishing as a relayed event (« Proposé par » in
the agenda, on the event page and in the feeds, the ``origine`` filter) or refusing with a reason,
the proposer told through the real outbox, and hostile input answered in French without a 500."""

import re
import threading
import time as clock_time
from datetime import time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select

from rtes_events import clock, proposals
from rtes_events.extensions import db
from rtes_events.models import AuditEntry, Event, EventProposal, MemberDomain, MemberOrganisation, User
from rtes_events.models.proposals import RELAYED

from .conftest import csrf_token, login

BOTH_DATABASES = True
DAY = clock.local_today() + timedelta(days=40)
ORGANISATION = "Ville d'Exemple-sur-Loire"
FORM = {
    "title": "Forum de l'ESS de la ville",
    "kind": "rencontre",
    "date": DAY.isoformat(),
    "start_time": "09:30",
    "end_time": "17:00",
    "mode": "onsite",
    "venue": "Hôtel de ville",
    "city": "Exemple-sur-Loire",
    "description": "Une journée **ouverte** aux acteurs de l'ESS.",
    "registration": "lien",
    "registration_url": "https://ville-exemple.fr/forum-ess",
}


@pytest.fixture
def organisation(clubs) -> MemberOrganisation:
    """A current member authority with its e-mail domain."""
    member = MemberOrganisation(name=ORGANISATION, kind="commune", region_code="IDF", since=2019)
    member.domains = [MemberDomain(domain="ville-exemple.fr")]
    db.session.add(member)
    db.session.commit()
    return member


@pytest.fixture
def member(organisation, make_user):
    user = make_user("member", email="agent@ville-exemple.fr")
    user.member_organisation = organisation
    db.session.commit()
    return user


@pytest.fixture
def admin(clubs, make_user):
    return make_user("admin", email="equipe@rtes.fr")


def propose(client, **changes):
    """Post the proposal form (with its CSRF token) and return the answer."""
    data = {**FORM, **changes, "csrf_token": csrf_token(client, "/proposer")}
    return client.post("/proposer", data={k: v for k, v in data.items() if v is not None})


def pending_of(user) -> list[EventProposal]:
    return db.session.scalars(
        select(EventProposal).where(EventProposal.proposer_id == user.id).order_by(EventProposal.id)
    ).all()


def text(response) -> str:
    return response.get_data(as_text=True)


def publish(client, proposal) -> None:
    token = csrf_token(client, f"/espace/propositions/{proposal.id}/")
    response = client.post(f"/espace/propositions/{proposal.id}/publier", data={"csrf_token": token})
    assert response.status_code == 303, text(response)


def submitted(member, **changes) -> EventProposal:
    """A proposal made through the service, as the form makes it."""
    values = {
        "title": FORM["title"],
        "kind": "rencontre",
        "starts_at": clock.to_utc(DAY, time(9, 30)),
        "mode": "onsite",
        "city": FORM["city"],
        "registration_url": FORM["registration_url"],
        "description": FORM["description"],
        **changes,
    }
    values.setdefault("ends_at", values["starts_at"] + timedelta(hours=7))
    return proposals.submit(member, values)


def test_anonymous_visitors_are_sent_to_sign_in_and_told_how_members_get_access(client, clubs):
    page = client.get("/proposer")
    assert page.status_code == 200
    assert 'href="/adherents/acces"' in text(page)
    assert 'href="/connexion?next=/proposer"' in text(page)
    token = csrf_token(client, "/connexion")
    for answer in (
        client.get("/proposer/mes-propositions"),
        client.post("/proposer", data={**FORM, "csrf_token": token}),
    ):
        assert answer.status_code == 303
        assert answer.headers["Location"].startswith("/connexion?next=")
    assert db.session.scalar(select(func.count(EventProposal.id))) == 0


def test_a_member_proposes_an_event_of_their_authority_and_sees_it_pending(client, member):
    login(client, member)
    form = client.get("/proposer")
    assert f"Proposé par : <strong>{ORGANISATION.replace(chr(39), '&#39;')}</strong>" in text(form)
    assert 'name="organisation"' not in text(form)  # the account's authority, not a choice

    answer = propose(client, organisation="Une autre collectivité")
    assert answer.status_code == 303 and answer.headers["Location"] == "/proposer/mes-propositions"
    [proposal] = pending_of(member)
    assert (proposal.state, proposal.organisation, proposal.member_organisation_id) == (
        "pending",
        ORGANISATION,
        member.member_organisation_id,
    )
    assert proposal.registration_url == FORM["registration_url"]
    assert clock.to_local(proposal.starts_at).strftime("%Y-%m-%d %H:%M") == f"{DAY.isoformat()} 09:30"
    mine = text(client.get("/proposer/mes-propositions"))
    assert FORM["title"].replace("'", "&#39;") in mine and "En attente de validation" in mine
    assert "est enregistrée" in mine  # the flash of the redirect
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "proposal.submitted"))
    assert entry.user_id == member.id and entry.details["organisation"] == ORGANISATION


BAD_VALUES = [
    ({"title": ""}, "Le champ « Titre » est obligatoire."),
    ({"title": "x" * 301}, "ne doit pas dépasser 300 caractères"),
    ({"kind": "club"}, "Choisissez un type d&#39;événement dans la liste."),
    ({"mode": "ailleurs"}, "Choisissez un format dans la liste."),
    ({"date": "31/02/2030"}, "n&#39;est pas une date valide"),
    ({"date": (clock.local_today() - timedelta(days=1)).isoformat()}, "aujourd&#39;hui ou plus tard"),
    ({"start_time": ""}, "Le champ « Heure de début » est obligatoire."),
    ({"end_time": "08:00"}, "L&#39;heure de fin doit suivre l&#39;heure de début."),
    ({"city": ""}, "Indiquez la ville d&#39;un événement sur place ou hybride."),
    ({"registration_url": ""}, "Indiquez le lien d&#39;inscription"),
    ({"registration_url": "http://ville-exemple.fr/forum"}, "commençant par https://"),
    ({"registration_url": "javascript:alert(1)"}, "commençant par https://"),
    ({"registration": "partout"}, "Choisissez comment s&#39;inscrire."),
]


def test_the_form_refuses_bad_values_in_french_and_stores_nothing(client, member):
    login(client, member)
    for changes, message in BAD_VALUES:
        answer = propose(client, **changes)
        assert answer.status_code == 422, changes
        assert message in text(answer), changes
        assert "La proposition n&#39;a pas pu être enregistrée" in text(answer)
    assert pending_of(member) == []


def test_without_registration_the_link_is_not_kept(client, member):
    login(client, member)
    assert propose(client, registration="aucune", mode="online", city="").status_code == 303
    [proposal] = pending_of(member)
    assert proposal.registration_url is None and proposal.city is None


def test_at_most_ten_pending_proposals_per_account(client, member, admin):
    for n in range(proposals.MAX_PENDING):
        submitted(member, title=f"Proposition {n}")
    login(client, member)
    assert "le maximum" in text(client.get("/proposer"))
    answer = propose(client, title="Une de trop")
    assert answer.status_code == 409
    assert "Vous avez déjà 10 propositions en attente de validation" in text(answer).replace("&#39;", "'")
    assert len(pending_of(member)) == proposals.MAX_PENDING
    proposals.refuse(admin, pending_of(member)[0], "Hors du champ de l'ESS.")
    assert propose(client, title="Une de plus").status_code == 303


def test_the_limit_holds_when_proposals_arrive_at_once(app, member, monkeypatch):
    """Eight pending, six more at once: two are taken. The count is slowed down so that the
    requests overlap for sure; the row lock on the account makes them wait their turn."""
    for n in range(proposals.MAX_PENDING - 2):
        submitted(member, title=f"Proposition {n}")
    count = proposals.pending_count

    def slow(user):
        result = count(user)
        clock_time.sleep(0.05)
        return result

    monkeypatch.setattr(proposals, "pending_count", slow)
    member_id, barrier, outcomes = member.id, threading.Barrier(6, timeout=30), []

    def one(n: int) -> None:
        with app.app_context():
            user = db.session.get(User, member_id)
            barrier.wait()
            try:
                submitted(user, title=f"Simultanée {n}")
                outcomes.append("taken")
            except proposals.ProposalRefused:
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=one, args=(n,), daemon=True) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 4 + ["taken"] * 2
    assert len(pending_of(member)) == proposals.MAX_PENDING


def test_who_may_propose_and_for_which_organisation(client, app, member, admin, make_user):
    partner_account = make_user("coorganiser", partner="cress-idf")
    club_account = make_user("coorganiser", clubs=("club-ess-ile-de-france",))
    login(client, partner_account)
    assert propose(client, organisation="ignorée").status_code == 303
    assert pending_of(partner_account)[0].organisation == "CRESS Île-de-France"
    assert pending_of(partner_account)[0].partner.key == "cress-idf"
    assert client.get("/espace/propositions/").status_code == 403

    other = app.test_client()
    login(other, club_account)  # an account without organisation names one
    assert 'name="organisation"' in text(other.get("/proposer"))
    answer = propose(other, organisation="")
    assert answer.status_code == 422 and "Organisation qui propose" in text(answer)
    assert propose(other, organisation="Mairie de Montreuil").status_code == 303
    assert pending_of(club_account)[0].organisation == "Mairie de Montreuil"

    third = app.test_client()
    login(third, admin)
    assert propose(third, organisation="Réseau partenaire").status_code == 303
    assert third.get("/espace/propositions/").status_code == 200


def test_a_member_reaches_their_proposals_but_no_workspace_page(client, member):
    login(client, member)
    assert client.get("/proposer").status_code == 200
    assert client.get("/proposer/mes-propositions").status_code == 200
    for url in ("/espace/", "/espace/propositions/", "/espace/propositions/1/"):
        assert client.get(url).status_code == 403, url
    proposal = submitted(member)
    token = csrf_token(client, "/proposer")
    answer = client.post(f"/espace/propositions/{proposal.id}/publier", data={"csrf_token": token})
    assert answer.status_code == 403
    assert db.session.get(EventProposal, proposal.id).state == "pending"


def test_a_member_whose_membership_ended_may_not_propose(client, member, organisation):
    login(client, member)
    organisation.until = clock.local_today().year
    db.session.commit()
    assert not proposals.may_propose(member)
    page = client.get("/proposer")  # signed out at once: the page says how to sign in
    assert page.status_code in (200, 403) and 'name="title"' not in text(page)
    token = csrf_token(client, "/connexion")
    assert client.post("/proposer", data={**FORM, "csrf_token": token}).status_code in (303, 403)
    with pytest.raises(proposals.ProposalRefused):
        submitted(member)
    assert pending_of(member) == []


def test_the_team_edits_then_publishes_and_the_proposer_is_emailed(
    client, app, member, admin, outbox_messages
):
    proposal = submitted(member)
    login(client, admin)
    queue = text(client.get("/espace/propositions/"))
    assert (
        f'href="/espace/propositions/{proposal.id}/"' in queue and ORGANISATION.replace("'", "&#39;") in queue
    )

    form = {**FORM, "title": "Forum de l'ESS 2026", "organisation": ORGANISATION}
    token = csrf_token(client, f"/espace/propositions/{proposal.id}/")
    answer = client.post(f"/espace/propositions/{proposal.id}/", data={**form, "csrf_token": token})
    assert answer.status_code == 303
    assert db.session.get(EventProposal, proposal.id).title == "Forum de l'ESS 2026"

    publish(client, proposal)
    proposal = db.session.get(EventProposal, proposal.id)
    event = proposal.event
    assert (proposal.state, event.status, event.registration_provider) == ("published", "published", RELAYED)
    assert (event.title, event.city, event.kind) == ("Forum de l'ESS 2026", FORM["city"], "rencontre")
    assert proposal.decided_by_id == admin.id
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["proposal.updated", "proposal.published"]

    [message] = outbox_messages()
    assert message["To"] == member.email
    assert message["Subject"] == "Votre proposition est publiée dans l'agenda du RTES : Forum de l'ESS 2026"
    body = message.get_body(("plain",)).get_content()
    assert f"http://rtes.test/evenements/{event.slug}/" in body and f"Proposé par {ORGANISATION}" in body

    # Published: the proposer sees it so and can no longer change it.
    other = app.test_client()
    login(other, member)
    mine = text(other.get("/proposer/mes-propositions"))
    assert "Publiée" in mine and f'href="/evenements/{event.slug}/"' in mine
    assert f"/proposer/{proposal.id}/modifier" not in mine
    locked = other.get(f"/proposer/{proposal.id}/modifier")
    assert locked.status_code == 409 and "ne peut plus être modifiée" in text(locked)
    token = csrf_token(other, "/proposer")
    answer = other.post(
        f"/proposer/{proposal.id}/modifier", data={**FORM, "title": "Autre", "csrf_token": token}
    )
    assert answer.status_code == 409
    assert db.session.get(Event, event.id).title == "Forum de l'ESS 2026"
    # Nor can the team publish it twice.
    publish(client, proposal)
    assert db.session.scalar(select(func.count(Event.id))) == 1
    assert "déjà publiée" in text(client.get(f"/espace/propositions/{proposal.id}/"))


def test_a_published_proposal_is_relayed_in_the_agenda_the_event_page_and_the_feeds(
    client, member, admin, make_event
):
    own = make_event(title="Webinaire du réseau")
    proposal = submitted(member)
    # Kept answers before publishing: the filter is in their keys, the publication changes them.
    assert FORM["city"] not in text(client.get("/evenements/?origine=adherents"))
    assert b"VEVENT" not in client.get("/agenda.ics?origine=adherents").data
    proposals.publish(admin, proposal)
    event = db.session.get(EventProposal, proposal.id).event

    agenda = text(client.get("/evenements/"))
    assert f"Proposé par {ORGANISATION}".replace("'", "&#39;") in agenda and own.title in agenda
    page = text(client.get(f"/evenements/{event.slug}/"))
    assert f"Proposé par {ORGANISATION}".replace("'", "&#39;") in page
    assert f'href="{FORM["registration_url"]}"' in page  # the organiser's own registration page
    assert f"/evenements/{event.slug}/inscription" not in page
    assert "<strong>ouverte</strong>" in page

    relayed = text(client.get("/evenements/?origine=adherents"))
    assert event.title.replace("'", "&#39;") in relayed and own.title not in relayed
    network = text(client.get("/evenements/?origine=rtes"))
    assert own.title in network and event.title.replace("'", "&#39;") not in network
    assert own.title in text(client.get("/evenements/?origine=nimporte"))  # unknown value: no filter

    feed = icalendar.Calendar.from_ical(client.get("/agenda.ics").data)
    [vevent] = [c for c in feed.walk("VEVENT") if str(c["UID"]) == event.uid]
    assert f"Proposé par {ORGANISATION}" in str(vevent["DESCRIPTION"])
    assert str(vevent["X-RTES-PROPOSED-BY"]) == ORGANISATION
    assert "X-RTES-PROPOSED-BY" not in [c for c in feed.walk("VEVENT") if str(c["UID"]) == own.uid][0]
    only_relayed = icalendar.Calendar.from_ical(client.get("/agenda.ics?origine=adherents").data)
    assert [str(c["UID"]) for c in only_relayed.walk("VEVENT")] == [event.uid]
    assert "Événements des adhérents" in str(only_relayed["X-WR-CALNAME"])
    only_own = icalendar.Calendar.from_ical(client.get("/agenda.ics?origine=rtes").data)
    assert [str(c["UID"]) for c in only_own.walk("VEVENT")] == [own.uid]
    single = client.get(f"/evenements/{event.slug}.ics").get_data(as_text=True)
    assert "X-RTES-PROPOSED-BY:Ville d'Exemple-sur-Loire" in single

    login(client, admin)  # the workspace page of the event says who proposed it
    workspace = text(client.get(f"/espace/evenements/{event.id}/"))
    assert f'<a href="/espace/propositions/{proposal.id}/">Proposé par ' in workspace
    assert f"inscription sur {FORM['registration_url']}" in workspace


def test_without_registration_the_event_page_offers_no_registration(client, member, admin):
    proposal = submitted(member, registration_url=None, mode="online", city=None)
    event = proposals.publish(admin, proposal)
    page = text(client.get(f"/evenements/{event.slug}/"))
    assert "Sans inscription." in page and "S&#39;inscrire" not in page
    form = client.get(f"/evenements/{event.slug}/inscription")
    assert 'name="email"' not in text(form)


def test_a_proposal_whose_date_has_passed_is_not_published(client, member, admin):
    proposal = submitted(member)
    proposal.starts_at, proposal.ends_at = clock.now() - timedelta(days=2), clock.now() - timedelta(days=1)
    db.session.commit()
    login(client, admin)
    publish(client, proposal)
    assert "Cet événement a déjà eu lieu" in text(client.get(f"/espace/propositions/{proposal.id}/"))
    assert db.session.get(EventProposal, proposal.id).state == "pending"
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_the_team_refuses_with_a_reason_sent_to_the_proposer(client, app, member, admin, outbox_messages):
    proposal = submitted(member)
    login(client, admin)
    token = csrf_token(client, f"/espace/propositions/{proposal.id}/")
    empty = client.post(f"/espace/propositions/{proposal.id}/refuser", data={"refus-csrf_token": token})
    assert empty.status_code == 422 and "Le champ « Raison du refus » est obligatoire." in text(empty)
    reason = "L'événement ne concerne pas l'ESS."
    answer = client.post(
        f"/espace/propositions/{proposal.id}/refuser",
        data={"refus-csrf_token": token, "refus-reason": reason},
    )
    assert answer.status_code == 303
    proposal = db.session.get(EventProposal, proposal.id)
    assert (proposal.state, proposal.reason, proposal.event) == ("refused", reason, None)
    assert (
        db.session.scalar(select(AuditEntry.details).where(AuditEntry.action == "proposal.refused"))["raison"]
        == reason
    )
    [message] = outbox_messages()
    assert message["To"] == member.email and message["Subject"].startswith(
        "Votre proposition n'a pas été retenue"
    )
    assert reason in message.get_body(("plain",)).get_content()
    assert reason.replace("'", "&#39;") in message.get_body(("html",)).get_content()

    other = app.test_client()
    login(other, member)
    mine = text(other.get("/proposer/mes-propositions"))
    assert "Refusée : " + reason.replace("'", "&#39;") in mine
    assert other.get(f"/proposer/{proposal.id}/modifier").status_code == 409
    assert db.session.scalar(select(func.count(Event.id))) == 0


def test_a_proposer_edits_their_pending_proposal_but_not_anothers(client, app, member, make_user):
    proposal = submitted(member)
    login(client, member)
    token = csrf_token(client, f"/proposer/{proposal.id}/modifier")
    answer = client.post(
        f"/proposer/{proposal.id}/modifier", data={**FORM, "title": "Nouveau titre", "csrf_token": token}
    )
    assert answer.status_code == 303
    assert db.session.get(EventProposal, proposal.id).title == "Nouveau titre"

    stranger = make_user("coorganiser", partner="amif")
    other = app.test_client()
    login(other, stranger)
    assert other.get(f"/proposer/{proposal.id}/modifier").status_code == 404
    assert other.get("/proposer/999999/modifier").status_code == 404


def test_hostile_input_is_answered_in_french_and_never_a_500(client, member, admin):
    login(client, member)
    no_csrf = client.post("/proposer", data=FORM)
    assert no_csrf.status_code == 400 and "formulaire" in text(no_csrf)
    hostile = {
        "title": "Forum\r\nBcc: victime@example.org <script>alert(1)</script>",
        "description": "<script>alert(1)</script><img src=x onerror=alert(1)>[lien](javascript:alert(1))",
        "venue": "\x1b[31m\u202eSalle",
    }
    nul = propose(client, **{**hostile, "venue": "Salle\x00"})
    assert nul.status_code == 400 and "Requête invalide" in text(nul)
    assert pending_of(member) == []
    assert propose(client, **hostile).status_code == 303
    [proposal] = pending_of(member)
    assert "\n" not in proposal.title and "\x1b" not in proposal.venue
    event = proposals.publish(admin, proposal)
    page = text(client.get(f"/evenements/{event.slug}/"))
    description = re.search(r'<div class="description">(.*?)</div>', page, re.S)[1]
    assert "<script" not in description and "onerror" not in description and "javascript" not in description
    assert "<script>alert(1)</script>" not in page  # nor in the title
    for url in ("/proposer/abc/modifier", "/proposer/-1/modifier", "/espace/propositions/abc/"):
        assert client.get(url).status_code == 404, url
    assert propose(client, date="2030-13-45", start_time="25:99").status_code == 422
    assert propose(client, title="é" * 10_000, description="x" * 30_000).status_code == 422
    assert client.get("/evenements/?origine=%ff%fe" + "x" * 500).status_code == 200
    assert client.get("/agenda.ics?origine=" + "adherents" * 50).status_code == 200
