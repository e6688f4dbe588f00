"""Relayed events (proposed by a member or partner, ``proposals.py``, or from a followed calendar,
``sources``): people register on the organiser's own page (the proposal's link, or the event's
page at its source), or nowhere for an event « sans inscription »; the workspace page of such an
event says who proposed it or where it comes from."""

from flask import url_for

from ..hookspecs import hookimpl
from ..models.proposals import RELAYED


@hookimpl(trylast=True)
def rtes_registration_url(event):
    if event.registration_provider != RELAYED:
        return None
    if event.calendar_source_id is not None:
        return event.relay_url
    return event.proposal.registration_url if event.proposal is not None else None


@hookimpl(trylast=True)
def rtes_workspace_event_items(user, event):
    from ..permissions import can_manage  # here: permissions → plugins → builtin

    moderates = can_manage(user, None, "proposals")
    if (source := event.calendar_source) is not None:
        return [
            {
                "label": f"Relayé depuis {source.name}",
                "url": url_for("manage.relay", event_id=event.id) if moderates else None,
                "note": "thèmes, région, masquer ou arrêter le relais" if moderates else None,
                "warning": False,
            }
        ]
    proposal = event.proposal
    if proposal is None:
        return []
    return [
        {
            "label": f"Proposé par {proposal.organisation}",
            "url": url_for("manage.proposal", proposal_id=proposal.id) if moderates else None,
            "note": f"inscription sur {proposal.registration_url}"
            if proposal.registration_url
            else "sans inscription",
            "warning": False,
        }
    ]
