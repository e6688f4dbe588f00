"""The CRESS plugin's hooks (entry point ``cress`` in the group ``rtes_events``).

A CRESS is a partner whose key starts with ``cress-`` (``cress-idf``, ``cress-naq``…). Its
co-organisers manage the sessions of the clubs it co-organises, with their registrants, and
nothing else: not the events it co-organises outside a club, nor clubs it does not co-organise.
"""

from flask import url_for

from rtes_events.hookspecs import hookimpl
from rtes_events.models import Club, Event, Registration

from . import regional

OWN_ACTIONS = ("view", "edit", "registrants", "export", "create")  # "create": in a club only


@hookimpl
def rtes_blueprints():
    return [regional.bp]


@hookimpl
def rtes_can_manage(user, obj, action):
    partner = user.partner
    if user.role != "coorganiser" or not regional.is_cress(partner) or obj is None:
        return None
    if isinstance(obj, Registration):
        obj = obj.event
    actions = OWN_ACTIONS
    if isinstance(obj, Event):
        obj, actions = (obj.club if obj.kind == "club" else None), OWN_ACTIONS[:-1]
    if isinstance(obj, Club) and partner in obj.co_organisers:
        return True if action in actions else None
    return False if isinstance(obj, Club | type(None)) else None


@hookimpl
def rtes_club_branding(club):
    return [
        {
            "name": partner.long_name or partner.name,
            "logo": regional.logo_url(partner),
            "url": url_for("cress.region", key=partner.key),
        }
        for partner in club.co_organisers
        if regional.is_cress(partner)
    ]


@hookimpl
def rtes_personal_data_recipients():
    return [
        {
            "name": "Les CRESS co-organisatrices d'un club régional",
            "receives": "les inscriptions aux séances du club de leur région (liste, exports, présences), "
            "dans l'espace organisateurs",
            "why": "accueillir les participant·es et animer le club",
        }
    ]
