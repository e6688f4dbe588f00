"""The information pages linked from every page's footer: legal notice, personal data, accessibility
statement, site map.

Admins write each page's own text in the workspace (Markdown, sanitised when shown, as events'
descriptions); a page nobody wrote shows its default text, true of any installation, which names
what only the admins know (the publication director, the host) as still to be given. The
personal-data page adds what the settings and the plugins say: the retention rules
(``retention.rules``), the mail server, each partner plugin's forwarding
(``rtes_personal_data_recipients``).
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from . import mail
from .extensions import db
from .models import SitePage
from .plugins import hook


@dataclass(frozen=True)
class Page:
    title: str
    endpoint: str
    editable: bool  # admins write part of it (the site map is generated)


PAGES = {
    "mentions-legales": Page("Mentions légales", "site_pages.legal_notice", True),
    "donnees-personnelles": Page("Données personnelles", "site_pages.personal_data", True),
    "accessibilite": Page("Déclaration d'accessibilité", "site_pages.accessibility", True),
    "plan-du-site": Page("Plan du site", "site_pages.site_map", False),
}
# The compliance statuses of the RGAA 4.1 statement; a site never audited is « non conforme ».
STATUSES = {
    "non": "non conforme",
    "partielle": "partiellement conforme",
    "totale": "totalement conforme",
}
DEFAULT_STATUS = "non"
WHERE_TO_SET = (
    "l'administrateur de la plateforme l'indique dans l'espace organisateurs, « Pages d'information »"
)
DEFAULT_CONTACT = "L'équipe du RTES, depuis le site du réseau : [www.rtes.fr](https://www.rtes.fr)."
DEFAULT_TEXTS = {
    "mentions-legales": f"""\
## Éditeur

Cette plateforme est éditée par le Réseau des collectivités Territoriales pour une Économie Solidaire
(RTES), association qui réunit des collectivités locales engagées pour l'économie sociale et
solidaire. Site du réseau : [www.rtes.fr](https://www.rtes.fr).

## Direction de la publication

Non renseignée : {WHERE_TO_SET}.

## Hébergement

Non renseigné : {WHERE_TO_SET} (nom, adresse et téléphone de l'hébergeur).

## Contenus et crédits

Les événements, clubs et replays présentés sont ceux du réseau et de ses partenaires. Les contours
des régions de la carte des adhérents viennent de GEOFLA 2016 (IGN, Licence Ouverte / Etalab).
""",
    "donnees-personnelles": """\
Le RTES, éditeur de la plateforme, est responsable des données personnelles qu'elle traite. Une
inscription repose sur le consentement donné dans le formulaire ; les comptes de l'espace
organisateurs et les accès adhérents, sur l'intérêt du réseau à organiser ses événements.
""",
    "accessibilite": """\
Aucun contenu non accessible n'a été signalé aux administrateurs. Les diaporamas (PDF) déposés et
les vidéos publiées sur d'autres sites (dont IdealCo) ne passent pas par les tests de la plateforme.
""",
}


@dataclass
class Content:
    """What a page shows of the admins' part: text and contact (Markdown), status and date."""

    key: str
    text: str
    contact: str
    status: str
    declared_on: date | None
    written: bool  # False: the defaults

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


def content(key: str) -> Content:
    row = db.session.get(SitePage, key)
    return Content(
        key=key,
        text=(row.text if row and row.text else DEFAULT_TEXTS.get(key, "")),
        contact=(row.contact if row and row.contact else DEFAULT_CONTACT),
        status=(row.status if row and row.status in STATUSES else DEFAULT_STATUS),
        declared_on=row.declared_on if row else None,
        written=row is not None,
    )


def accessibility_status() -> str:
    """« non conforme », « partiellement conforme » or « totalement conforme », for every page's footer."""
    status = db.session.scalar(select(SitePage.status).where(SitePage.key == "accessibilite"))
    return STATUSES.get(status or DEFAULT_STATUS, STATUSES[DEFAULT_STATUS])


def save(key: str, text: str, contact: str, status: str | None = None, declared_on: date | None = None):
    """Store the admins' part of page ``key`` (empty text or contact: back to the default); returns
    whether anything changed. The caller commits."""
    values = {
        "text": text.strip() or None,
        "contact": contact.strip() or None,
        "status": status if key == "accessibilite" else None,
        "declared_on": declared_on if key == "accessibilite" else None,
    }
    row = db.session.get(SitePage, key)
    if row is None:
        row = SitePage(key=key)
        db.session.add(row)
    elif all(getattr(row, name) == value for name, value in values.items()):
        return False
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_by_id = current_user.id
    return True


def mail_server() -> str:
    """Who carries the e-mails, as ``RTES_MAIL_URL`` says (never its password)."""
    transport = mail.transport()
    if isinstance(transport, mail.SMTPTransport):
        return f"Le serveur d'envoi des e-mails ({transport.host})"
    return (
        "Aucun serveur d'envoi : les e-mails restent en fichiers sur le serveur de la plateforme "
        "(démonstration)"
    )


def recipients() -> list[dict]:
    """Who receives personal data, and what: the mail server, the events' organisers, then each
    installed partner plugin's forwarding (``{"name", "receives", "why"}`` dicts)."""
    core = [
        {
            "name": mail_server(),
            "receives": "l'adresse e-mail et le contenu de chaque message (confirmation, rappels, "
            "changements, questionnaire)",
            "why": "vous écrire au sujet de vos inscriptions",
        },
        {
            "name": "L'équipe du RTES et les co-organisateurs de l'événement",
            "receives": "les inscriptions à leurs événements (liste, exports, présences), avec les "
            "réponses à leurs questions, dont les réponses sensibles (santé), qu'ils sont seuls à voir",
            "why": "accueillir les participant·es et rendre compte de l'événement",
        },
    ]
    return core + [item for items in hook().rtes_personal_data_recipients() for item in items]


def settings_key() -> tuple:
    """What the personal-data page reads from the settings, for its cache key (the plugin set is
    in every key already)."""
    config = current_app.config
    return config["RTES_RETENTION_DAYS"], config["RTES_SENSITIVE_RETENTION_DAYS"], mail_server()
