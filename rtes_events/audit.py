"""The audit log: every organiser's action on events, registrations and accounts, and every export."""

from flask_login import current_user
from sqlalchemy import select

from .extensions import db
from .models import AuditEntry, Event

LABELS = {
    "event.created": "Événement créé",
    "event.updated": "Événement modifié",
    "event.published": "Événement publié",
    "event.postponed": "Événement reporté",
    "event.cancelled": "Événement annulé",
    "event.duplicated": "Événement dupliqué",
    "registration.added": "Inscription ajoutée",
    "registration.cancelled": "Inscription annulée",
    "registration.moved_up": "Inscription remontée dans la liste d'attente",
    "registration.slot_moved": "Inscription déplacée vers un autre créneau",
    "registration.attendance": "Présence relevée",
    "attendance.closed": "Présences clôturées : attestations délivrées",
    "attestations.signatory": "Signataire des attestations modifié",
    "registration.checked_in": "Présence enregistrée à l'accueil",
    "registration.walk_in": "Personne ajoutée à l'accueil",
    "checkin.reopened": "Accueil rouvert pour corriger",
    "checkin.closed": "Accueil refermé",
    "registrants.exported": "Liste des inscrit·es exportée",
    "registrants.messaged": "Message aux inscrit·es",
    "slot.added": "Créneau ajouté au programme",
    "slot.updated": "Créneau du programme modifié",
    "slot.moved": "Créneau du programme déplacé",
    "slot.removed": "Créneau retiré du programme",
    "timetable.copied": "Programme copié d'une autre session",
    "question.added": "Question ajoutée",
    "question.updated": "Question modifiée (réponses conservées)",
    "question.moved": "Question déplacée",
    "question.removed": "Question supprimée, avec ses réponses",
    "event.programmes": "Programmes de la session modifiés",
    "programme.created": "Programme créé",
    "programme.updated": "Programme modifié",
    "programme.events": "Sessions du programme modifiées",
    "indicators.exported": "Indicateurs exportés",
    "surveys.sent": "Questionnaires de satisfaction envoyés",
    "replay.updated": "Replay modifié",
    "replay.published": "Replay publié",
    "replay.unpublished": "Replay retiré",
    "user.created": "Compte créé",
    "user.updated": "Compte modifié",
    "user.deactivated": "Compte désactivé",
    "user.reactivated": "Compte réactivé",
    "user.link_sent": "Lien de mot de passe envoyé",
    "proposal.submitted": "Événement proposé",
    "proposal.updated": "Proposition d'événement modifiée",
    "proposal.published": "Proposition d'événement publiée",
    "proposal.refused": "Proposition d'événement refusée",
    "source.removed": "Calendrier suivi retiré, avec ses événements relayés",
    "user.member_access": "Accès adhérent ouvert par un lien envoyé à l'adresse professionnelle",
    "member_year.exported": "Année d'un adhérent exportée",
    "member.created": "Adhérent ajouté",
    "member.updated": "Adhérent modifié",
    "member.ended": "Adhésion terminée",
    "page.updated": "Page d'information modifiée",
    "members.imported": "Adhérents importés (CSV)",
    "source.added": "Calendrier suivi ajouté",
    "source.updated": "Calendrier suivi modifié",
    "source.refreshed": "Calendrier suivi relu : événements relayés mis à jour",
    "relay.decided": "Événement relayé : décision de l'équipe",
}


def record(action: str, *, event=None, registration=None, target_user=None, actor=None, **details) -> None:
    """Add an entry to the current transaction; ``actor`` defaults to the signed-in user."""
    if action not in LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    actor = actor if actor is not None else current_user
    user = actor if getattr(actor, "is_authenticated", False) else None
    if registration is not None and event is None:
        event = registration.event
    db.session.add(
        AuditEntry(
            action=action,
            user_id=user.id if user else None,
            actor=user.email if user else "ligne de commande",
            event_id=event.id if event is not None else None,
            registration_id=registration.id if registration is not None else None,
            target_user_id=target_user.id if target_user is not None else None,
            details=details,
        )
    )


def for_event(event: Event, limit: int = 200) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.event_id == event.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()


def for_user(user, limit: int = 200) -> list[AuditEntry]:
    """What was done to the account ``user``, newest first."""
    return db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.target_user_id == user.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ).all()


def label(entry: AuditEntry) -> str:
    return LABELS.get(entry.action, entry.action)
