"""Workspace help (``/espace/aide``): the short version of the guide, in French, a section per area;
every workspace page's « Aide » link leads to its own section (``help_section``)."""

from flask import current_app, render_template, request

from . import bp

# A page's section: by its endpoint, else by the module of its view (its area of the workspace).
SECTION_OF_ENDPOINT = {
    "manage.export": "exports",
    "manage.signin_sheet": "exports",
    "manage.attendance": "presences",
    "manage.signatory": "pages-information",
    "manage.message": "messages",
    "manage.event": "session",
    "auth.change_password": "mot-de-passe",
    "auth.account": "mon-compte",
}
SECTION_OF_MODULE = {
    "dashboard": "tableau-de-bord",
    "events": "sessions",
    "registrants": "inscrits",
    "questions": "questions",
    "replays": "replays",
    "surveys": "session",
    "timetable": "deroule",
    "indicators": "indicateurs",
    "programmes": "programmes",
    "accounts": "comptes",
    "members": "adherents",
    "member_year": "adherents",
    "proposals": "propositions",
    "sources": "calendriers",
    "newsletter": "lettre",
    "site_pages": "pages-information",
    "attestations": "presences",
}


def help_section() -> str:
    """The anchor of ``/espace/aide`` that explains the current page."""
    endpoint = request.endpoint or ""
    if endpoint in SECTION_OF_ENDPOINT:
        return SECTION_OF_ENDPOINT[endpoint]
    if not endpoint.startswith("manage."):
        return "partenaires"  # a partner plugin's workspace page
    module = current_app.view_functions[endpoint].__module__.rpartition(".")[2]
    return SECTION_OF_MODULE.get(module, "espace")


@bp.app_context_processor
def help_link():
    return {"help_section": help_section}


@bp.get("/aide", endpoint="help")
def help_page():
    return render_template("manage/help.html")
