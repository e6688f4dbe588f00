"""Who may do what in the workspace: ``can_manage`` decides every action, plugins extend it.

Roles: ``admin`` (the network's team) manages everything; ``coorganiser`` manages the events of
their clubs, and those co-organised by their partner (directly or through the event's club), with
their registrants; ``member`` manages nothing. Inactive and anonymous users manage nothing.

Member rights (members-only resources and events, ``is_member``) belong to signed-in ``member``
accounts whose authority, when they name one, is a current member: a membership that ends takes
them away at once (the user loader signs such accounts out, ``accounts.may_sign_in``).
"""

from sqlalchemy import Select, false, or_, select

from .extensions import db
from .models import Club, Event, Partner, Registration, User
from .plugins import hook

# What can be done: see the workspace or an object, change it, its registrants, export them,
# create a session in a club, manage accounts, programmes and member authorities, moderate proposed
# events, write the information pages, decide on the calendars followed and their relayed events
# (admins only).
ADMIN_ACTIONS = ("accounts", "programmes", "members", "proposals", "pages", "sources")
ACTIONS = ("view", "edit", "registrants", "export", "create", *ADMIN_ACTIONS)


def can_manage(user, obj=None, action: str = "view") -> bool:
    """True when ``user`` may do ``action`` on ``obj`` (an Event, Club, Registration, User or None
    for the workspace as a whole). Plugins answer through ``rtes_can_manage``: any False refuses,
    any True grants what the core would refuse."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    answers = hook().rtes_can_manage(user=user, obj=obj, action=action)
    if False in answers:
        return False
    return True in answers or _core(user, obj, action)


def membership_holds(user: User) -> bool:
    """False only for a member account whose authority is no longer a member."""
    organisation = user.member_organisation
    return user.role != "member" or organisation is None or organisation.is_current


def is_member(user) -> bool:
    """A signed-in, active member account of a current member authority (or tied to none, invited
    by hand): it reads members-only resources and registers to members-only events."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.role == "member" and membership_holds(user)


def _core(user: User, obj, action: str) -> bool:
    if user.role == "admin":
        return True
    if user.role != "coorganiser" or action in ADMIN_ACTIONS or isinstance(obj, User):
        return False
    if obj is None:
        return action == "view"
    if isinstance(obj, Registration):
        obj = obj.event
    if isinstance(obj, Club):
        return _manages_club(user, obj)
    if isinstance(obj, Event):
        if action == "create":
            return False
        return (obj.club is not None and _manages_club(user, obj.club)) or (
            user.partner is not None and user.partner in obj.partners
        )
    return False


def _manages_club(user: User, club: Club) -> bool:
    return club in user.clubs or (user.partner is not None and user.partner in club.co_organisers)


def scope_clause(user: User):
    """The SQL condition on Event of what the core lets ``user`` manage."""
    if user.role == "admin":
        return Event.id.isnot(None)
    if user.role != "coorganiser":
        return false()
    conditions = []
    if club_ids := [club.id for club in user.clubs]:
        conditions.append(Event.club_id.in_(club_ids))
    if user.partner_id:
        conditions.append(Event.partners.any(Partner.id == user.partner_id))
        conditions.append(Event.club.has(Club.co_organisers.any(Partner.id == user.partner_id)))
    return or_(*conditions) if conditions else false()


def managed_events(user: User) -> Select:
    """Events the core lets ``user`` manage, drafts included (``can_manage`` still decides each)."""
    return select(Event).where(scope_clause(user))


def managed_clubs(user: User) -> list[Club]:
    """Clubs in which ``user`` may create sessions."""
    clubs = db.session.scalars(select(Club).order_by(Club.name)).all()
    return [club for club in clubs if can_manage(user, club, "create")]
