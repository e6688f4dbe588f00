"""What the platform keeps about people, why, and for how long: every retention rule the code
applies, in one list, as the personal-data page (``/donnees-personnelles``) states them.

A rule added to the code (a purge, an erasure) gets its entry here, in the order a person meets it.
"""

from dataclasses import dataclass

from flask import current_app

from .formatting import retention


@dataclass(frozen=True)
class Rule:
    what: str  # the data kept
    why: str  # what it is kept for
    how_long: str  # for how long, and what happens then


def period() -> str:
    """The retention period of registrants' data (``RTES_RETENTION_DAYS``), in words."""
    return retention(current_app.config["RTES_RETENTION_DAYS"])


def sensitive_period() -> str:
    """How long sensitive answers are kept after the event (``RTES_SENSITIVE_RETENTION_DAYS``)."""
    return retention(current_app.config["RTES_SENSITIVE_RETENTION_DAYS"]).capitalize()


def rules() -> list[Rule]:
    """The retention rules in force with the current settings (``registrations.purge_personal_data``,
    ``erase`` and ``purge_sensitive_answers``, ``outbox``, ``opt_outs``, ``surveys``, ``proposals``,
    ``accounts``, ``backups``)."""
    after = f"{period()} après la fin de l'événement"
    return [
        Rule(
            "Inscriptions : adresse e-mail, prénom, nom, organisation, fonction, champs demandés par un "
            "partenaire, réponses aux questions des organisateurs, collectivité adhérente reconnue, "
            "date du consentement",
            "Gérer l'inscription (confirmation, liste d'attente, rappels, changements), relever les "
            "présences, transmettre à un partenaire quand l'événement est le sien",
            f"Jusqu'à {after}, puis effacées par la purge quotidienne "
            "(`rtes-events purge-personal-data`) ; seuls restent le statut de l'inscription, pour "
            "les décomptes de participation, et le nombre de personnes par collectivité touchée. "
            "Effacées aussitôt à la demande de la personne.",
        ),
        Rule(
            "Réponses sensibles aux questions des organisateurs (besoins alimentaires, allergies, "
            "besoins d'accessibilité), qui peuvent révéler une information de santé",
            "Préparer l'accueil et le repas ; seuls les organisateurs de l'événement les voient",
            f"{sensitive_period()} après la fin de l'événement, puis effacées par le programme d'envoi "
            "(même si le reste de l'inscription est gardé plus longtemps) ; effacées aussitôt avec "
            "l'inscription à la demande de la personne. Les autres réponses suivent l'inscription.",
        ),
        Rule(
            "E-mails envoyés (destinataire, objet, contenu) et transmissions aux partenaires",
            "Envoyer les messages, les renvoyer en cas d'échec, répondre à une demande d'accès",
            f"Supprimés {period()} après leur création par la purge quotidienne ; à l'effacement "
            "d'une inscription, ce qui attendait d'être envoyé est abandonné et ce qui est parti ne "
            "garde que son objet, sa date et son statut.",
        ),
        Rule(
            "Lien d'agenda personnel (adresse e-mail et jeton secret)",
            "Publier dans l'agenda de la personne les événements où elle est inscrite",
            "Supprimé dès qu'aucune inscription ne porte plus l'adresse (purge ou effacement).",
        ),
        Rule(
            "Refus des annonces de replay",
            "Ne plus envoyer d'annonce à l'adresse",
            "Conservé sans limite de durée, sous forme d'empreinte (SHA-256) de l'adresse, jamais "
            "l'adresse elle-même.",
        ),
        Rule(
            "Réponses aux questionnaires de satisfaction (notes et commentaire)",
            "Mesurer la satisfaction ; les organisateurs de l'événement les lisent",
            "Anonymes dès leur enregistrement : rattachées à l'événement seul, sans lien avec la "
            "personne ni date ; conservées avec l'événement.",
        ),
        Rule(
            "Propositions d'événements (compte qui propose, organisation, contenu)",
            "Modérer la proposition, publier l'événement",
            "Conservées avec l'événement publié ou la décision de refus.",
        ),
        Rule(
            "Comptes de l'espace organisateurs et accès adhérent (adresse e-mail, nom, rôle, "
            "empreinte du mot de passe) et journal de leurs actions",
            "Se connecter, limiter chacun·e à ce qu'il ou elle gère, tracer les exports et les modifications",
            "Tant que le compte existe (les administrateurs peuvent le désactiver : il ne se connecte "
            "plus) ; le journal garde l'adresse de l'auteur de chaque action.",
        ),
        Rule(
            "Adresses IP des visiteurs",
            "Limiter le nombre de demandes (inscriptions, connexions, API) pour protéger le service",
            "Comptées le temps de la fenêtre de limitation, jamais enregistrées dans la base.",
        ),
        Rule(
            "Sauvegardes (commande rtes-events backup)",
            "Restaurer la plateforme après un incident",
            "Copie de la base au jour de la sauvegarde : l'exploitant les conserve et les détruit "
            "selon sa politique ; une sauvegarde restaurée repasse par la purge quotidienne.",
        ),
    ]
