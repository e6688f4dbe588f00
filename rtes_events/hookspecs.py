"""The plugin contract: every hook a partner plugin (entry point group ``rtes_events``) may implement.

Implement a hook with ``@rtes_events.hookimpl`` on a function or method of the same name; accept only
the arguments you need. Built-in defaults in ``rtes_events.builtin`` are ``trylast`` so a partner
plugin overrides them.
"""

import pluggy

PROJECT = "rtes_events"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def rtes_registration_fields(event):
    """Extra fields a partner asks of registrants for ``event``.

    Called when the registration form of a locally handled event is built.
    Returns a list of ``(name, field)`` pairs, ``field`` an unbound WTForms field such as
    ``StringField("Employeur", validators=[...])``; the lists of all plugins are concatenated.
    The submitted values are stored in ``Registration.plugin_fields`` under ``name``.
    """


@hookspec
def rtes_validate_registration(event, data):
    """Extra validation of a registration before it is stored.

    ``data`` is the dict of submitted values (``email``, ``first_name``, ``last_name``,
    ``organisation``, ``function``, ``plugin_fields``). Returns a list of French error messages
    (empty when valid); the lists of all plugins are concatenated and any message refuses the
    registration.
    """


@hookspec(firstresult=True)
def rtes_registration_url(event):
    """Where people register for ``event``: the first non-None URL wins.

    Called by the event page. A partner hosting its own registration (e.g. IdealCo) returns its
    page; the built-in local registration returns the platform's form, last.
    """


@hookspec
def rtes_registration_created(registration):
    """A registration was stored (confirmed or waitlisted, see ``registration.status``).

    Called inside the registration's transaction, before commit: write side effects to the outbox
    (``rtes_events.outbox``) so that they are sent only if the registration is committed.
    Return value ignored.
    """


@hookspec
def rtes_registration_resubmitted(registration):
    """Someone already registered to the event submitted the form again: nothing was created.

    Called inside the transaction; the built-in local registration sends the management link
    again. Return value ignored.
    """


@hookspec
def rtes_registration_promoted(registration):
    """A waitlisted registration was confirmed after a cancellation freed a place.

    Called inside the transaction, like ``rtes_registration_created``. Return value ignored.
    """


@hookspec
def rtes_registration_cancelled(registration):
    """A registration was cancelled. Called inside the transaction. Return value ignored."""


@hookspec
def rtes_event_changed(event, registrations):
    """The time, place or status of ``event`` changed (its ``sequence`` rose), or it was cancelled.

    ``registrations`` are its active registrations (``Registration.is_active``). Called inside a
    transaction after the change was committed; the built-in local registration e-mails each
    registrant the updated event, whose attachment updates or removes it in their calendar.
    Return value ignored.
    """


@hookspec
def rtes_replay_links(event):
    """Recordings, slides or summaries of ``event`` hosted by a partner.

    Called by the event page. Returns a list of dicts ``{"label": str, "url": str}``; the lists of
    all plugins are concatenated.
    """


@hookspec
def rtes_ical_event(event, vevent, private):
    """Add or change iCalendar properties of ``vevent`` (an ``icalendar.Event``) built for ``event``.

    Called for every event of every feed and e-mail attachment. ``private`` is True only in a
    registrant's own feed or attachment: never add personal data or private links when it is
    False. Return value ignored.
    """


@hookspec
def rtes_can_manage(user, obj, action):
    """Grant or refuse a workspace action beyond the core rules (``rtes_events.permissions``).

    ``user`` is a signed-in, active ``User``; ``obj`` an ``Event``, ``Club``, ``Registration``,
    ``User`` or None (the workspace itself); ``action`` one of ``permissions.ACTIONS``. Return True
    to grant, False to refuse, None to leave the decision to the others: any False refuses, else any
    True grants, else the core rule decides. Lists of the workspace show the core scope only.
    """


@hookspec
def rtes_export_columns(event):
    """Extra columns of the registrant exports (CSV, XLSX) of ``event``.

    Returns a list of ``(header, value)`` pairs, ``value`` a function of a ``Registration`` that
    returns text, a number or None; the lists of all plugins are concatenated after the core columns.
    """


@hookspec
def rtes_menu_items(user):
    """Links a plugin adds to the workspace menu of ``user`` (a signed-in ``User``).

    Returns a list of dicts ``{"label": str, "url": str}``; the lists of all plugins are concatenated.
    """


@hookspec
def rtes_blueprints():
    """Flask blueprints a plugin serves (its public pages, feeds, workspace pages).

    Called once by ``create_app``, after the core's blueprints. Returns a list of
    ``flask.Blueprint``; the lists of all plugins are concatenated. Workspace pages use
    ``rtes_events.views.manage.workspace_blueprint``: signed-in users only, never cached, and each
    view still asks ``permissions.can_manage`` for what it touches.
    """


@hookspec
def rtes_import_fields(item):
    """Plugin data of an event read from an import item (a dict of the import file's schema).

    Called by the importer for every event. Returns a dict of values kept in ``Event.plugin_data``
    (JSON), keys prefixed by the plugin (``cnfpt_code``); a None value removes the key; keys no plugin
    returns are kept. The dicts of all plugins are merged. Raise ``rtes_events.checks.InvalidImport``
    with a French message to refuse the file.
    """


@hookspec
def rtes_event_page_items(event):
    """Facts a plugin adds to the public page of ``event`` (e.g. « Formation CNFPT »).

    Returns a list of dicts ``{"label": str, "value": str, "url": str | None}``, shown with the
    event's facts; the lists of all plugins are concatenated. The page is cached per data version
    and plugin set: answer from the event and its ``plugin_data`` only.
    """


@hookspec
def rtes_club_branding(club):
    """Partners shown as co-branding at the top of ``club``'s page (name and logo).

    Returns a list of dicts ``{"name": str, "logo": str | None, "url": str | None}`` (``logo`` an
    image URL); the lists of all plugins are concatenated.
    """


@hookspec
def rtes_workspace_event_items(user, event):
    """Links and notices a plugin adds to the workspace page of ``event`` for ``user``.

    Called when the page is shown to a user allowed to view ``event``. Returns a list of dicts
    ``{"label": str, "url": str | None, "note": str | None, "warning": bool}`` (``warning`` shows
    the note as something to act on, e.g. a partner refusing a registration); the lists of all
    plugins are concatenated, shown in a « Partenaires » section.
    """


@hookspec
def rtes_personal_data_recipients():
    """What a plugin forwards of people's data, and to whom, for the personal-data page
    (``/donnees-personnelles``).

    Called when that page is built (it is cached per plugin set). Returns a list of dicts
    ``{"name": str, "receives": str, "why": str}`` in French: who receives (« Le CNFPT »), what
    (« l'adresse e-mail, le nom… des inscrit·es à ses sessions »), what for (a phrase following
    « pour »); the lists of all plugins are concatenated after the core's (mail server, organisers).
    A plugin that forwards nothing says so too, when people might believe otherwise.
    """


@hookspec
def rtes_attestation_details(registration):
    """Lines a partner adds to the attestation de présence of ``registration`` (e.g. the CNFPT's
    session code).

    Called when the attestation is issued (its facts are then frozen: they are printed on the PDF
    and shown at its verification address). Returns a list of ``(label, value)`` pairs of French
    text; the lists of all plugins are concatenated.
    """
