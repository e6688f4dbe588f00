"""The co-organisers' workspace (``/espace/``): one blueprint, a module per area.

Every route is behind ``guard``: signed in, and allowed into the workspace. Each view then asks
``permissions.can_manage`` for the object it touches, through ``event_for`` and its kin: an object
outside the user's scope answers 404 (nothing is shown, nothing changes).
"""

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_login import current_user

from ...extensions import db, login_manager
from ...models import Event, Registration
from ...permissions import can_manage
from ...plugins import hook
from ...security import private
from ...sources import may_add

bp = Blueprint("manage", __name__, url_prefix="/espace")


@bp.before_request
def guard():
    if not current_user.is_authenticated:
        if request.method == "GET":
            return login_manager.unauthorized()
        # A form's target is no page to come back to (a GET there answers 405): sign in, then start again.
        flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(url_for("auth.login"), 303)
    if not can_manage(current_user, None, "view"):
        abort(403)
    return None


bp.after_request(private)


def workspace_blueprint(name: str, import_name: str, **options) -> Blueprint:
    """A blueprint of workspace pages under ``/espace/<name>/`` (for plugins): signed-in users
    allowed into the workspace only, answers never cached; each view still checks its objects
    (``event_for``, ``allowed``)."""
    blueprint = Blueprint(name, import_name, url_prefix=f"/espace/{name}", **options)
    blueprint.before_request(guard)
    blueprint.after_request(private)
    return blueprint


def allowed(obj, action: str):
    """``obj`` when the signed-in user may do ``action`` on it; 404 otherwise (and when missing)."""
    if obj is None or not can_manage(current_user, obj, action):
        abort(404)
    return obj


MAX_ID = 2**31 - 1  # beyond the databases' integers: no row has such an id


def row(model, id: int):
    """The ``model`` row of ``id``, or None (also for an id no database integer holds)."""
    return db.session.get(model, id) if id <= MAX_ID else None


def event_for(event_id: int, action: str = "view") -> Event:
    return allowed(row(Event, event_id), action)


def registration_for(event: Event, registration_id: int, action: str = "registrants") -> Registration:
    registration = row(Registration, registration_id)
    if registration is None or registration.event_id != event.id:
        abort(404)
    return allowed(registration, action)


# The workspace menu: (label, endpoint, action the user needs on the workspace, or who may see it).
MENU = (
    ("Sessions", "manage.events", "view"),
    ("Nouvelle session", "manage.event_new", "view"),
    ("Comptes", "manage.accounts", "accounts"),
    ("Programmes", "manage.programme_list", "programmes"),
    ("Adhérents", "manage.members", "members"),
    ("Propositions", "manage.proposals_queue", "proposals"),
    ("Calendriers suivis", "manage.sources_list", may_add),
    ("Indicateurs", "manage.indicators", "view"),
    ("Agenda de la lettre", "manage.newsletter", "view"),
    ("Pages d'information", "manage.site_pages_list", "pages"),
)


def _shown(user, action) -> bool:
    return action(user) if callable(action) else can_manage(user, None, action)


@bp.app_context_processor
def menu():
    def workspace_menu() -> list[dict]:
        items = [
            {"label": label, "url": url_for(endpoint)}
            for label, endpoint, action in MENU
            if _shown(current_user, action)
        ]
        return items + [item for items in hook().rtes_menu_items(user=current_user) for item in items]

    return {"workspace_menu": workspace_menu}


def wants_preview() -> bool:
    return request.form.get("step") == "preview"


# The routes register on ``bp``.
from . import (  # noqa: E402,F401
    accounts,
    attestations,
    dashboard,
    door,
    events,
    help,
    indicators,
    member_year,
    members,
    newsletter,
    programmes,
    proposals,
    questions,
    registrants,
    replays,
    site_pages,
    sources,
    surveys,
    timetable,
)
