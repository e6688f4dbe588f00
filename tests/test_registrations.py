"""The registration service: capacity, waiting list, promotion, one registration per e-mail, refusals."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from rtes_events import clock, delivery, registrations
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import Event, OutboxMessage, Registration
from rtes_events.registrations import RegistrationRefused

from .conftest import PERSON

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server


def subjects():
    return [m.subject for m in db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_confirmed_until_capacity_then_waitlisted_in_order(make_event, make_registration):
    event = make_event(capacity=2)
    regs = [make_registration(event, email=f"p{i}@example.org") for i in range(4)]
    assert [r.status for r in regs] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [r.waitlist_position for r in regs] == [None, None, 1, 2]
    assert registrations.places_left(event) == 0


def test_unlimited_capacity_confirms_everyone(make_event, make_registration):
    event = make_event(capacity=None)
    assert all(make_registration(event, email=f"p{i}@example.org").status == "confirmed" for i in range(5))
    assert registrations.places_left(event) is None


def test_full_without_waitlist_is_refused(make_event, make_registration):
    event = make_event(capacity=1, waitlist=False)
    make_registration(event, email="first@example.org")
    with pytest.raises(RegistrationRefused, match="complet"):
        make_registration(event, email="second@example.org")
    assert db.session.scalar(select(Registration).where(Registration.email == "second@example.org")) is None


def test_one_active_registration_per_email_resends_the_link(make_event, make_registration):
    event = make_event()
    first = make_registration(event, email="Camille.Martin@Example.org")
    outcome = registrations.register(event, {**PERSON, "email": "camille.martin@example.org "})
    assert outcome.created is False
    assert outcome.registration.id == first.id
    assert db.session.scalars(select(Registration)).all() == [first]
    assert subjects() == [
        f"Inscription confirmée : {event.title}",
        f"Votre inscription : {event.title}",
    ]


def test_cancellation_promotes_the_first_in_line_and_renumbers(make_event, make_registration):
    event = make_event(capacity=1)
    confirmed = make_registration(event, email="a@example.org")
    first = make_registration(event, email="b@example.org")
    second = make_registration(event, email="c@example.org")
    registrations.cancel(confirmed)
    db.session.refresh(first)
    db.session.refresh(second)
    assert (confirmed.status, first.status, second.status) == ("cancelled", "confirmed", "waitlisted")
    assert (first.waitlist_position, second.waitlist_position) == (None, 1)
    assert subjects()[-2:] == [
        f"Inscription annulée : {event.title}",
        f"Une place s'est libérée, votre inscription est confirmée : {event.title}",
    ]


def test_cancelling_a_waitlisted_registration_moves_the_others_up(make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event, email="a@example.org")
    first = make_registration(event, email="b@example.org")
    second = make_registration(event, email="c@example.org")
    registrations.cancel(first)
    db.session.refresh(second)
    assert (second.status, second.waitlist_position) == ("waitlisted", 1)


def test_cancel_is_idempotent_and_allows_registering_again(make_event, make_registration):
    event = make_event(capacity=5)
    registration = make_registration(event)
    registrations.cancel(registration)
    registrations.cancel(registration)
    assert subjects().count(f"Inscription annulée : {event.title}") == 1
    again = make_registration(event)
    assert again.id != registration.id and again.status == "confirmed"


def test_capacity_increase_promotes_through_the_same_rule(make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event, email="a@example.org")
    waiting = make_registration(event, email="b@example.org")
    with registrations.locked_event(event.id) as locked:
        locked.capacity = 2
        promoted = registrations.promote(locked)
    assert [r.id for r in promoted] == [waiting.id]


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"status": "cancelled"}, "annulé"),
        ({"status": "postponed"}, "reporté"),
        ({"status": "draft"}, "pas publié"),
        ({"registration_provider": "idealco"}, "site du partenaire"),
        (
            {"starts_at": clock.now() - timedelta(hours=1), "ends_at": clock.now() + timedelta(hours=1)},
            "déjà eu lieu",
        ),
        ({"registration_opens_at": clock.now() + timedelta(days=2)}, "ouvrent le"),
        ({"registration_closes_at": clock.now() - timedelta(minutes=1)}, "closes"),
    ],
)
def test_events_that_take_no_registration_refuse_clearly(make_event, make_registration, values, message):
    event = make_event(**values)
    with pytest.raises(RegistrationRefused, match=message):
        make_registration(event)
    assert db.session.scalars(select(Registration)).all() == []


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"email": "pas-une-adresse"}, "e-mail n'est pas valide"),
        ({"first_name": "   "}, "« Prénom » est obligatoire"),
        ({"organisation": "x" * 201}, "« Organisation » dépasse 200"),
        ({"function": "ministre"}, "fonction"),
        ({"consent": False}, "accord"),
    ],
)
def test_invalid_data_is_refused_with_french_messages(make_event, make_registration, values, message):
    with pytest.raises(RegistrationRefused, match=message):
        make_registration(make_event(), **values)


def test_names_are_stored_on_one_line(make_event, make_registration):
    registration = make_registration(make_event(), first_name="Ca\r\nmille", last_name="  Martin\tDurand ")
    assert (registration.first_name, registration.last_name) == ("Ca mille", "Martin Durand")


def test_personal_data_is_purged_after_the_retention_period_while_counts_stay(
    make_event, make_registration, runner
):
    old, recent = make_event(capacity=1), make_event()
    kept = make_registration(recent, email="recent@example.org")
    erased = [make_registration(old, email=f"p{i}@example.org") for i in range(2)]
    token = registrations.calendar_token("p0@example.org").token
    old.starts_at, old.ends_at = clock.now() - timedelta(days=401), clock.now() - timedelta(days=400)
    recent.starts_at, recent.ends_at = clock.now() - timedelta(days=31), clock.now() - timedelta(days=30)
    delivery.deliver_due()
    old_mail, *others = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    old_mail.created_at = clock.now() - timedelta(days=400)
    old_id, others = old_mail.id, len(others)
    db.session.commit()

    result = runner.invoke(args=["purge-personal-data"])
    assert "2 inscription(s) anonymisée(s)" in result.output
    db.session.expire_all()
    for registration in erased:
        assert registration.email.startswith("efface-") and registration.erased_at
        assert (registration.first_name, registration.last_name, registration.organisation) == ("", "", "")
    assert sorted(r.status for r in erased) == ["confirmed", "waitlisted"]
    assert kept.email == "recent@example.org" and kept.erased_at is None
    assert registrations.feed_registrations(token) is None
    assert "0 inscription(s)" in runner.invoke(args=["purge-personal-data"]).output
    remaining = db.session.scalars(select(OutboxMessage.id)).all()
    assert old_id not in remaining and len(remaining) == others


def test_an_event_cancelled_meanwhile_refuses_under_the_lock(app, make_event):
    event = make_event()

    class OrganiserCancelsMeanwhile:
        @hookimpl
        def rtes_validate_registration(self, event, data):
            with db.engine.begin() as connection:  # another connection, between the checks and the lock
                connection.execute(update(Event).where(Event.id == event.id).values(status="cancelled"))
            return []

    app.extensions["rtes_plugins"].register(OrganiserCancelsMeanwhile())
    with pytest.raises(RegistrationRefused, match="annulé"):
        registrations.register(event, PERSON)
    assert db.session.scalars(select(Registration)).all() == []
