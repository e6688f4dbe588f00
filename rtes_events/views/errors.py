"""French HTML error pages that keep the status code and headers (``Allow``, ``Retry-After``…)."""

from flask import Flask, g, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from ..extensions import db, login_manager
from . import api

# How long a client is asked to wait while the database cannot be reached (``Retry-After``).
RETRY_AFTER_SECONDS = 30

PAGES = {
    400: ("Requête invalide", "La demande n'a pas pu être comprise : vérifiez l'adresse ou le formulaire."),
    403: ("Accès refusé", "Vous n'avez pas les droits nécessaires pour accéder à cette page."),
    404: ("Page introuvable", "La page demandée n'existe pas ou n'est plus disponible."),
    405: ("Méthode non autorisée", "Cette adresse n'accepte pas ce type de requête."),
    413: ("Envoi trop volumineux", "Les données envoyées dépassent la taille autorisée."),
    429: (
        "Trop de requêtes",
        "Vous avez fait trop de demandes en peu de temps : patientez un instant puis réessayez.",
    ),
    500: ("Erreur interne", "Une erreur inattendue s'est produite : réessayez dans quelques instants."),
    503: (
        "Service momentanément indisponible",
        "La plateforme ne peut pas joindre sa base de données pour le moment. Rien de ce qui a été "
        "enregistré n'est perdu : réessayez dans quelques instants.",
    ),
}
CSRF_MESSAGE = "La session a expiré ou le formulaire n'est pas valide : rechargez la page et recommencez."


def render(error: HTTPException, title: str, message: str):
    if api.is_api_request():  # the API answers its errors in JSON
        return api.error_response(error, message)
    response = error.get_response()
    response.set_data(render_template("errors/error.html", code=error.code, title=title, message=message))
    response.mimetype = "text/html"
    return response


def database_unavailable(error: OperationalError | InterfaceError):
    """The database is down or restarting: 503 with ``Retry-After``, never a 500.

    The page is drawn for an anonymous visitor: loading the signed-in account would need the database.
    """
    db.session.rollback()
    g.setdefault("_login_user", login_manager.anonymous_user())
    return render(ServiceUnavailable(retry_after=RETRY_AFTER_SECONDS), *PAGES[503])


def register(app: Flask) -> None:
    for code, (title, message) in PAGES.items():
        app.register_error_handler(code, lambda error, t=title, m=message: render(error, t, m))
    app.register_error_handler(CSRFError, lambda error: render(error, PAGES[400][0], CSRF_MESSAGE))
    for error in (OperationalError, InterfaceError):
        app.register_error_handler(error, database_unavailable)
