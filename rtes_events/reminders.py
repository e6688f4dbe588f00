"""Reminders before an event: e-mails to its confirmed registrants, and the day before to its organisers.

``rtes-events worker`` calls ``queue_due`` on its passes (no cron); the reminders go through the
outbox like every e-mail. The rules:

- Offsets: the event's own (``Event.reminders``), else the network's (``RTES_REMINDERS``, default
  ``7d,1d,1h``). Offsets under a day are for online and hybrid sessions with hours only: they give
  the connection link again, which only those reminders carry.
- Only published, dated events that have not started; only confirmed registrations, not erased,
  that did not stop their reminders.
- At each moment one reminder is due: the latest whose time has come. A worker that was stopped
  sends that one, not the ones it supersedes.
- A registration made after a reminder's time does not get that reminder.
- A reminder is recorded (``ReminderSent``) with the event's start, in the transaction that queues
  it, under a unique key: any number of workers queue it once. An event moved later gets its
  reminders again from the new start, except one whose time the person had already been reminded
  at (the same offset, sent at or after its new time); an event moved earlier gets none of those
  whose new time came before the registration.
- The organisers (the co-organiser accounts that may see the event's registrants, else the
  admins) get, in the last day before the start, the number of registrants and the sign-in sheet's
  link, once per start.
"""

from datetime import datetime, timedelta

from flask import current_app, render_template
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, exists, or_, select

from . import clock, outbox, rendering
from .config import MAX_REMINDER_DAYS, reminder_offsets
from .database import insert_new
from .extensions import db
from .formatting import day, hour, one_line
from .models import Event, OrganiserReminderSent, Registration, ReminderSent, ReminderStop, User
from .opt_outs import ONE_CLICK
from .urls import external_url

REMINDER = "reminder"
DAY = 24 * 60  # minutes
WITH_LINK = ("online", "hybrid")
STOP_SALT = "rtes-reminders-stop"


def offsets(event: Event) -> tuple[int, ...]:
    """The reminder offsets of ``event`` in minutes, earliest reminder first (see the module's rules)."""
    found = reminder_offsets(current_app.config["RTES_REMINDERS"])
    if event.reminders is not None:
        try:
            found = reminder_offsets(event.reminders)
        except ValueError:  # not written by the session form: the network's, rather than nothing
            current_app.logger.warning(
                "reminders: event %s has unreadable offsets %r", event.id, event.reminders
            )
    if event.mode in WITH_LINK and not event.all_day:
        return found
    return tuple(offset for offset in found if offset >= DAY)


def due_offset(event: Event, now: datetime) -> int | None:
    """The offset of the reminder due at ``now``: the latest whose time has come, if any."""
    if event.starts_at <= now:
        return None
    come = [offset for offset in offsets(event) if event.starts_at - timedelta(minutes=offset) <= now]
    return min(come, default=None)


def describe(minutes: tuple[int, ...]) -> str:
    """« 7 jours, 1 jour et 1 heure avant », « aucun »."""
    if not minutes:
        return "aucun"
    words = []
    for offset in minutes:
        for size, one, many in ((DAY, "jour", "jours"), (60, "heure", "heures"), (1, "minute", "minutes")):
            if offset % size == 0:
                count = offset // size
                words.append(f"{count} {one if count == 1 else many}")
                break
    listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " et " + words[-1]
    return f"{listed} avant"


def written(minutes: tuple[int, ...]) -> str:
    """Offsets as ``RTES_REMINDERS`` writes them: ``(4320, 120)`` → ``3d,2h``."""
    units = ((DAY, "d"), (60, "h"), (1, "min"))
    return ",".join(next(f"{m // size}{unit}" for size, unit in units if m % size == 0) for m in minutes)


def queue_due(now: datetime | None = None) -> int:
    """Queue the reminders and organisers' e-mails due now, in one transaction; returns how many."""
    now = now or clock.now()
    events = db.session.scalars(
        select(Event)
        .where(
            Event.status == "published",
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(days=MAX_REMINDER_DAYS),
            Event.month_only.is_(False),
        )
        .order_by(Event.starts_at, Event.id)
    ).all()
    queued = 0
    for event in events:
        offset = due_offset(event, now)
        if offset is not None:
            queued += _queue_for_registrants(event, offset, now)
        if event.starts_at - now <= timedelta(days=1) and event.registration_provider == "local":
            queued += _queue_for_organisers(event, now)
    db.session.commit()
    return queued


def _candidates(event: Event, offset: int) -> list[tuple[int, str]]:
    """The (id, e-mail) of the registrations of ``event`` that the reminder ``offset`` is for."""
    due_at = event.starts_at - timedelta(minutes=offset)
    reminded = exists().where(
        ReminderSent.registration_id == Registration.id,
        ReminderSent.offset_minutes == offset,
        or_(ReminderSent.starts_at == event.starts_at, ReminderSent.sent_at >= due_at),
    )
    stopped = exists().where(ReminderStop.registration_id == Registration.id)
    rows = db.session.execute(
        select(Registration.id, Registration.email)
        .where(
            Registration.event_id == event.id,
            Registration.status == "confirmed",
            Registration.erased_at.is_(None),
            Registration.created_at <= due_at,
            ~reminded,
            ~stopped,
        )
        .order_by(Registration.id)
    )
    return [tuple(row) for row in rows]


def _queue_for_registrants(event: Event, offset: int, now: datetime) -> int:
    """Record the reminders (those another worker recorded first are skipped by the unique key,
    waiting for its transaction) and queue an e-mail for each one recorded here."""
    found = dict(_candidates(event, offset))
    rows = [
        {"registration_id": rid, "offset_minutes": offset, "starts_at": event.starts_at, "sent_at": now}
        for rid in found
    ]
    recorded = insert_new(ReminderSent, rows, ReminderSent.registration_id)
    return outbox.enqueue_registration_emails(
        [(rid, found[rid]) for rid in sorted(recorded)],
        REMINDER,
        subject(event, now),
        offset=offset,
        starts_at=event.starts_at.isoformat(),
    )


def subject(event: Event, now: datetime) -> str:
    """« Rappel : <titre> demain à 14 h » (aujourd'hui, demain, else the date), Paris time."""
    return one_line(f"Rappel : {event.title} {_moment(event, now)}")


def _moment(event: Event, now: datetime) -> str:
    """« demain à 14 h », « aujourd'hui à 9 h 30 », « le jeudi 4 septembre 2025 à 14 h »."""
    start = event.local_start
    days = (start.date() - clock.to_local(now).date()).days
    moment = {0: "aujourd'hui", 1: "demain"}.get(days, f"le {day(start.date())}")
    return moment if event.all_day else f"{moment} à {hour(start)}"


@rendering.renders(REMINDER)
def _render(reference: dict):
    return reminder_message(rendering.registration(reference), reference["offset"], reference["starts_at"])


def reminder_message(registration: Registration, offset: int, starts_at: str):
    """The reminder e-mail, rendered when first sent; ``outbox.Dropped`` when it is no longer due
    (registration cancelled, reminders stopped or changed, event cancelled, moved or started)."""
    from .mail import registration_message

    event = registration.event
    now = clock.now()
    if (
        registration.status != "confirmed"
        or event.status != "published"
        or event.starts_at.isoformat() != starts_at
        or event.starts_at <= now
        or offset not in offsets(event)
        or db.session.get(ReminderStop, registration.id) is not None
    ):
        raise outbox.Dropped
    stop_url = external_url("reminders.stop", token=stop_token(registration))
    with_link = offset < DAY and registration.online_link is not None
    return registration_message(
        registration,
        REMINDER,
        subject_line=subject(event, now),
        context={"with_link": with_link, "stop_url": stop_url, "starts_in": _starts_in(event, now)},
        headers={"List-Unsubscribe": f"<{stop_url}>", "List-Unsubscribe-Post": ONE_CLICK},
    )


def _starts_in(event: Event, now: datetime) -> str:
    """« dans 7 jours », « demain », « dans 1 heure » — how soon, in words."""
    minutes = int((event.starts_at - now).total_seconds() // 60)
    days = (event.local_start.date() - clock.to_local(now).date()).days
    if days >= 2:
        return f"dans {days} jours"
    if days == 1:
        return "demain"
    if minutes >= 120:
        return f"dans {minutes // 60} heures"
    return "dans moins de 2 heures" if minutes >= 60 else f"dans {max(minutes, 1)} minutes"


# --- Stopping them ------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=STOP_SALT)


def stop_token(registration: Registration) -> str:
    """The signed token of the link that stops the reminders of ``registration``."""
    return _serializer().dumps(registration.id)


def registration_of(token: str) -> Registration | None:
    """The registration a signed stop link stands for, or None (tampered with, or erased)."""
    try:
        registration_id = _serializer().loads(token)
    except BadSignature:
        return None
    registration = db.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
    return registration if registration is not None and registration.erased_at is None else None


def stop(registration: Registration) -> None:
    """No more reminders for ``registration`` (idempotent); its other e-mails still come. Commits."""
    insert_new(
        ReminderStop,
        [{"registration_id": registration.id, "created_at": clock.now()}],
        ReminderStop.registration_id,
    )
    db.session.commit()


def resume(registration: Registration) -> None:
    """Reminders again for ``registration`` (those whose time passed meanwhile are not sent). Commits."""
    db.session.execute(delete(ReminderStop).where(ReminderStop.registration_id == registration.id))
    db.session.commit()


def stopped(registration: Registration) -> bool:
    return db.session.get(ReminderStop, registration.id) is not None


# --- The organisers' day-before e-mail ----------------------------------------------------------


def organisers(event: Event) -> list[User]:
    """Who is told the day before: the active co-organiser accounts that may see the event's
    registrants (its club's, its partners'), else the active admins."""
    from .permissions import can_manage

    accounts = db.session.scalars(
        select(User).where(User.role.in_(("coorganiser", "admin")), User.active.is_(True)).order_by(User.id)
    ).all()
    coorganisers = [
        user for user in accounts if user.role == "coorganiser" and can_manage(user, event, "registrants")
    ]
    return coorganisers or [user for user in accounts if user.role == "admin"]


def _queue_for_organisers(event: Event, now: datetime) -> int:
    if db.session.scalar(
        select(OrganiserReminderSent.id).where(
            OrganiserReminderSent.event_id == event.id, OrganiserReminderSent.starts_at == event.starts_at
        )
    ):
        return 0
    from .mail import compose
    from .questions import summary
    from .registrants import counts, counts_by_mode

    people = organisers(event)
    context = {
        "event": event,
        "counts": counts(event),
        "by_mode": counts_by_mode(event),
        "answer_counts": summary(event, details=False),
        "event_url": external_url("public.event", slug=event.slug),
        "signin_url": external_url("manage.signin_sheet", event_id=event.id),
        "checkin_url": external_url("manage.door", event_id=event.id),
        "badges_url": external_url("manage.badges_pdf", event_id=event.id),
        "registrants_url": external_url("manage.registrants", event_id=event.id),
    }
    confirmed = context["counts"]["confirmed"]
    plural = "s" if confirmed > 1 else ""
    title = one_line(f"{_moment(event, now).capitalize()} : {event.title} — {confirmed} inscrit·e{plural}")
    record = {"event_id": event.id, "starts_at": event.starts_at, "recipients": len(people), "sent_at": now}
    if not insert_new(OrganiserReminderSent, [record], OrganiserReminderSent.id):
        return 0  # another worker did
    for user in people:
        message = compose(
            user.email,
            title,
            render_template("mail/organiser_day_before.txt", user=user, **context),
            render_template("mail/organiser_day_before.html", user=user, **context),
        )
        outbox.enqueue("email", user.email, title, message.as_string())
    return len(people)
