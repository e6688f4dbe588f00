"""Relayed events (proposed by a member or partner, ``proposals.py``): people register on the
organiser's own page, or nowhere for an event « sans inscription »."""

from ..hookspecs import hookimpl
from ..models.proposals import RELAYED


@hookimpl(trylast=True)
def rtes_registration_url(event):
    if event.registration_provider == RELAYED and event.proposal is not None:
        return event.proposal.registration_url
    return None
