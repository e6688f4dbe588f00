"""The CNFPT plugin's hooks (entry point ``cnfpt`` in the group ``rtes_events``)."""

from flask import url_for
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, InputRequired, Length

from rtes_events.checks import InvalidImport
from rtes_events.hookspecs import hookimpl
from rtes_events.permissions import can_manage

from . import certificates, forwarding, session
from .session import CATEGORIES, FIELDS

CATEGORY = "Formation CNFPT"


@hookimpl
def rtes_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def rtes_import_fields(item):
    value = item.get(session.CODE_KEY)
    if value in (None, ""):
        return {session.CODE_KEY: None}
    text = str(value).strip()
    if not session.valid_code(text):
        raise InvalidImport(f"code de session CNFPT invalide : {value!r}.")
    return {session.CODE_KEY: text}


@hookimpl
def rtes_event_page_items(event):
    if not (code := session.code(event)):
        return []
    return [
        {
            "label": CATEGORY,
            "value": f"Session n° {code} de l'offre de formation du CNFPT pour les agents territoriaux",
            "url": session.offer_url(code),
        }
    ]


@hookimpl
def rtes_attestation_details(registration):
    return certificates.details(registration)


@hookimpl
def rtes_ical_event(event, vevent, private):
    if code := session.code(event):
        vevent.add("categories", [CATEGORY])
        vevent.add("x-rtes-cnfpt-code", code)


@hookimpl
def rtes_registration_fields(event):
    if not session.code(event):
        return []
    return [
        (
            "cnfpt_employer",
            StringField(
                FIELDS["cnfpt_employer"],
                description="La collectivité ou l'établissement public qui vous emploie.",
                validators=[
                    InputRequired("Indiquez votre collectivité employeuse."),
                    Length(max=200, message="La collectivité employeuse dépasse 200 caractères."),
                ],
            ),
        ),
        (
            "cnfpt_category",
            SelectField(
                FIELDS["cnfpt_category"],
                choices=[
                    SelectChoice("", "Choisissez…"),
                    *(SelectChoice(k, v) for k, v in CATEGORIES.items()),
                ],
                validate_choice=False,
                validators=[
                    InputRequired("Choisissez votre catégorie (A, B, C ou élu·e)."),
                    AnyOf(list(CATEGORIES), message="Choisissez votre catégorie (A, B, C ou élu·e)."),
                ],
            ),
        ),
        (
            "cnfpt_position",
            StringField(
                FIELDS["cnfpt_position"],
                description="Votre poste ou votre mandat.",
                validators=[
                    InputRequired("Indiquez votre poste."),
                    Length(max=200, message="Le poste dépasse 200 caractères."),
                ],
            ),
        ),
    ]


@hookimpl
def rtes_validate_registration(event, data):
    if not session.code(event):
        return []
    fields = data.get("plugin_fields") or {}
    errors = []
    for name, label in (("cnfpt_employer", "collectivité employeuse"), ("cnfpt_position", "poste")):
        value = str(fields.get(name) or "").strip()
        if not value:
            errors.append(f"Le CNFPT demande votre {label}.")
        elif len(value) > 200:
            errors.append(f"Le champ « {label} » dépasse 200 caractères.")
    if fields.get("cnfpt_category") not in CATEGORIES:
        errors.append("Le CNFPT demande votre catégorie : A, B, C ou élu·e.")
    return errors


@hookimpl
def rtes_registration_created(registration):
    if session.code(registration.event):
        forwarding.forward(registration, "inscription.creee")


@hookimpl
def rtes_registration_promoted(registration):
    if session.code(registration.event):
        forwarding.forward(registration, "inscription.confirmee")


@hookimpl
def rtes_registration_cancelled(registration):
    if session.code(registration.event):
        forwarding.forward(registration, forwarding.CANCELLED)


@hookimpl
def rtes_export_columns(event):
    if not session.code(event):
        return []
    fields = {name: (lambda r, name=name: (r.plugin_fields or {}).get(name)) for name in FIELDS}
    return [
        ("Collectivité employeuse", fields["cnfpt_employer"]),
        ("Catégorie", lambda r: CATEGORIES.get((r.plugin_fields or {}).get("cnfpt_category"))),
        ("Poste", fields["cnfpt_position"]),
    ]


@hookimpl
def rtes_workspace_event_items(user, event):
    if not can_manage(user, event, "edit") and not session.code(event):
        return []
    url = url_for("cnfpt.event", event_id=event.id)
    if not session.code(event):
        return [
            {"label": "Déclarer une session de formation CNFPT", "url": url, "note": None, "warning": False}
        ]
    refused = len(forwarding.failed(event))
    return [
        {
            "label": f"Formation CNFPT (session {session.code(event)})",
            "url": url,
            "note": f"{refused} transmission(s) refusée(s) par le CNFPT"
            if refused
            else "transmissions, export, attestations",
            "warning": bool(refused),
        }
    ]


@hookimpl
def rtes_personal_data_recipients():
    return [
        {
            "name": "Le CNFPT",
            "receives": "pour chaque inscription à une session de formation CNFPT, ses changements et son "
            "annulation : l'adresse e-mail, le nom, le prénom, l'organisation, la fonction, la collectivité "
            "employeuse, la catégorie et le poste (une annulation après effacement ne porte que "
            "la référence)",
            "why": "inscrire les agent·es à la formation et leur délivrer l'attestation",
        }
    ]
