"""The information pages of every page's footer: ``/mentions-legales``, ``/donnees-personnelles``,
``/accessibilite``, ``/plan-du-site`` (``rtes_events.site_pages`` holds what they say)."""

from flask import Blueprint, render_template
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from .. import cache, retention, site_pages
from ..extensions import db
from ..models import Club

bp = Blueprint("site_pages", __name__)

# The project's checks on every change, as the accessibility statement describes them.
CHECKS = (
    (
        "axe-core",
        "les règles WCAG 2.1 niveaux A et AA et les bonnes pratiques d'axe-core, dans Chromium, sur "
        "chaque page publique, les formulaires d'inscription (y compris avec leurs erreurs), les pages "
        "d'un·e inscrit·e, les replays, les pages adhérents et chaque page de l'espace organisateurs",
    ),
    (
        "Nu Html Checker (validateur du W3C)",
        "la validité du code HTML (critère 8.2 du RGAA) des pages publiques principales, des "
        "formulaires, des pages adhérents et de chaque page de l'espace organisateurs",
    ),
    (
        "Parcours au clavier",
        "le lien d'évitement mène au contenu, puis les liens du pied de page s'atteignent à la "
        "touche Tab et s'ouvrent à la touche Entrée",
    ),
)


@bp.app_template_global()
def accessibility_status() -> str | None:
    """For every page's footer; None on the page saying the database cannot be reached."""
    try:
        return site_pages.accessibility_status()
    except (OperationalError, InterfaceError):
        db.session.rollback()
        return None


@bp.get("/mentions-legales")
@cache.public(("shared",), key=lambda: (), moments=False)
def legal_notice():
    return render_template("site_pages/legal_notice.html", page=site_pages.content("mentions-legales"))


@bp.get("/donnees-personnelles")
@cache.public(("shared",), key=site_pages.settings_key, moments=False)
def personal_data():
    return render_template(
        "site_pages/personal_data.html",
        page=site_pages.content("donnees-personnelles"),
        rules=retention.rules(),
        period=retention.period(),
        recipients=site_pages.recipients(),
    )


@bp.get("/accessibilite")
@cache.public(("shared",), key=lambda: (), moments=False)
def accessibility():
    page = site_pages.content("accessibilite")
    return render_template("site_pages/accessibility.html", page=page, checks=CHECKS)


@bp.get("/plan-du-site")
@cache.public(("shared",), key=lambda: (), moments=False)
def site_map():
    clubs = db.session.scalars(select(Club).order_by(Club.name)).all()
    return render_template("site_pages/site_map.html", clubs=clubs, pages=site_pages.PAGES)
