"""The IdealCo plugin's hooks (entry point ``idealco`` in the group ``rtes_events``).

An event with ``registration_provider = "idealco"`` takes its registrations on IdealCo's site
(``idealco_url`` of the import, else IdealCo's home page) and stays in the agenda and feeds; a
replay hosted by IdealCo (``"replay": {"host": "idealco", "url": …}``) is linked from the event page.
"""

from urllib.parse import urlsplit

from flask import url_for

from rtes_events.checks import InvalidImport
from rtes_events.hookspecs import hookimpl
from rtes_events.permissions import can_manage

PROVIDER = "idealco"
SITE = "https://www.idealco.fr/"
REPLAY_LABEL = "Revisionnez-la sur le site d'Ideal Co"


def _url(value, name: str) -> str | None:
    text = str(value or "").strip()
    if text and urlsplit(text).scheme not in ("http", "https"):
        raise InvalidImport(f"adresse IdealCo invalide ({name}) : {text!r}.")
    return text or None


def hosted(event) -> bool:
    return event.registration_provider == PROVIDER


@hookimpl
def rtes_blueprints():
    from .views import bp

    return [bp]


@hookimpl
def rtes_import_fields(item):
    replay = item.get("replay") if isinstance(item.get("replay"), dict) else {}
    on_idealco = replay.get("host") == PROVIDER
    return {
        "idealco_url": _url(item.get("idealco_url"), "idealco_url"),
        "idealco_replay_url": (_url(replay.get("url"), "replay.url") or SITE) if on_idealco else None,
    }


@hookimpl
def rtes_registration_url(event):
    if hosted(event):
        return (event.plugin_data or {}).get("idealco_url") or SITE
    return None


@hookimpl
def rtes_replay_links(event):
    if url := (event.plugin_data or {}).get("idealco_replay_url"):
        return [{"label": REPLAY_LABEL, "url": url}]
    return []


@hookimpl
def rtes_event_page_items(event):
    if hosted(event):
        return [{"label": "Hébergé par", "value": "IdealCo (inscription sur son site)", "url": None}]
    return []


@hookimpl
def rtes_workspace_event_items(user, event):
    with_idealco = hosted(event) or any(partner.key == PROVIDER for partner in event.partners)
    if not with_idealco or not can_manage(user, event, "edit"):
        return []
    url = url_for("idealco.attendance", event_id=event.id)
    return [{"label": "Importer les présences d'IdealCo (CSV)", "url": url, "note": None, "warning": False}]


@hookimpl
def rtes_personal_data_recipients():
    return [
        {
            "name": "IdealCo",
            "receives": "rien de la plateforme : on s'inscrit aux webinaires qu'il héberge sur son site, "
            "selon ses propres conditions ; seul le nombre de participant·es de sa liste de présence "
            "revient dans la plateforme",
            "why": "héberger ces webinaires et leurs replays",
        }
    ]
