"""Registration on the platform itself: its form, and the e-mails to registrants."""

from flask import url_for

from ..hookspecs import hookimpl
from ..outbox import queue_registration_email


@hookimpl(trylast=True)
def rtes_registration_url(event):
    if event.registration_provider == "local":
        return url_for("registration.form", slug=event.slug)
    return None


@hookimpl(trylast=True)
def rtes_registration_created(registration):
    queue_registration_email(registration, registration.status)


@hookimpl(trylast=True)
def rtes_registration_resubmitted(registration):
    queue_registration_email(registration, "resent")


@hookimpl(trylast=True)
def rtes_registration_promoted(registration):
    queue_registration_email(registration, "promoted")


@hookimpl(trylast=True)
def rtes_registration_cancelled(registration):
    queue_registration_email(registration, "cancelled")


@hookimpl(trylast=True)
def rtes_event_changed(event, registrations):
    for registration in registrations:
        queue_registration_email(registration, "changed")
