"""The organisers told of their events' registrations, cancellations and moves up from the waiting list
(``notices``)."""

from .. import notices
from ..hookspecs import hookimpl


@hookimpl
def rtes_registration_created(registration):
    if registration.status in notices.CHANGES:  # not a walk-in, already present
        notices.changed(registration, registration.status)


@hookimpl
def rtes_registration_promoted(registration):
    notices.changed(registration, "promoted")


@hookimpl
def rtes_registration_cancelled(registration):
    notices.changed(registration, "cancelled")
