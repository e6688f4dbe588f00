"""What the platform holds about a registrant's e-mail address, as one JSON document: the RGPD's
rights of access and portability (articles 15 and 20), downloaded from their management page.

It gathers every registration under that address (erased ones no longer carry it), whether a
personal calendar feed exists, the opt-outs, and what the outbox sent or holds about them: e-mails
to the address and partner transmissions about their registrations (subject, date, status).
"""

import json
from datetime import datetime

from sqlalchemy import or_, select

from . import clock, opt_outs
from .extensions import db
from .formatting import answer_text, slot_line
from .models import CalendarToken, MemberOrganisation, OutboxMessage, Registration
from .models.reminders import ReminderStop
from .urls import external_url

MESSAGE_STATUSES = {
    "pending": "en attente d'envoi",
    "sent": "envoyé",
    "failed": "en échec",
    "dropped": "abandonné (données effacées ou désinscription)",
}
MESSAGE_KINDS = {"email": "e-mail", "registration_email": "e-mail", "webhook": "transmission à un partenaire"}


def _moment(value: datetime | None) -> str | None:
    return clock.aware_utc(value).isoformat(timespec="seconds") if value else None


def document(email: str) -> dict:
    """Everything held about ``email``, in French, ready for ``json.dumps``."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.email == email)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    ids = [registration.id for registration in registrations]
    stops = set(
        db.session.scalars(select(ReminderStop.registration_id).where(ReminderStop.registration_id.in_(ids)))
    )
    calendar = db.session.scalar(select(CalendarToken).where(CalendarToken.email == email))
    messages = db.session.scalars(
        select(OutboxMessage)
        .where(or_(OutboxMessage.recipient == email, OutboxMessage.registration_id.in_(ids)))
        .order_by(OutboxMessage.created_at, OutboxMessage.id)
    ).all()
    return {
        "adresse": email,
        "exporte_le": _moment(clock.now()),
        "plateforme": external_url("public.agenda"),
        "inscriptions": [
            _registration(registration, registration.id in stops) for registration in registrations
        ],
        "agenda_personnel": {
            "existe": calendar is not None,
            "cree_le": _moment(calendar.created_at) if calendar else None,
        },
        "annonces_de_replay_refusees": opt_outs.opted_out(email),
        "messages": [
            {
                "type": MESSAGE_KINDS.get(message.kind, message.kind),
                "objet": message.subject,
                "date": _moment(message.sent_at or message.created_at),
                "statut": MESSAGE_STATUSES.get(message.status, message.status),
            }
            for message in messages
        ],
    }


def _registration(registration: Registration, reminders_stopped: bool) -> dict:
    event = registration.event
    return {
        "evenement": {
            "titre": event.title,
            "debut": _moment(event.starts_at),
            "page": external_url("public.event", slug=event.slug),
        },
        "statut": registration.status_label,
        "position_en_liste_d_attente": registration.waitlist_position,
        "participation": registration.mode_label,
        "choix": [{"groupe": slot.choice, "creneau": slot_line(slot)} for slot in registration.slots],
        "prenom": registration.first_name,
        "nom": registration.last_name,
        "organisation": registration.organisation,
        "fonction": registration.function_label,
        "consentement_le": _moment(registration.consent_at),
        "inscrit_le": _moment(registration.created_at),
        "modifie_le": _moment(registration.updated_at),
        "annule_le": _moment(registration.cancelled_at),
        "champs_partenaires": registration.plugin_fields or {},
        "reponses_aux_questions": [
            {"question": answer.question.label, "reponse": answer_text(answer.value)}
            for answer in sorted(registration.answers, key=lambda answer: answer.question.position)
        ],
        "reference_partenaire": registration.partner_reference,
        "collectivite_adherente": _member_name(registration.member_organisation_id),
        "rappels_arretes": reminders_stopped,
    }


def _member_name(organisation_id: int | None) -> str | None:
    organisation = db.session.get(MemberOrganisation, organisation_id) if organisation_id else None
    return organisation.name if organisation else None


def as_json(email: str) -> str:
    return json.dumps(document(email), ensure_ascii=False, indent=2)
