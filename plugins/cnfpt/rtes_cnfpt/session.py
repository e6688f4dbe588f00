"""What makes an event a CNFPT training session, and the settings of the plugin."""

import os
import re

from flask import current_app

CODE_KEY = "cnfpt_code"
CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")
CATEGORIES = {"A": "Catégorie A", "B": "Catégorie B", "C": "Catégorie C", "elu": "Élu·e"}
FIELDS = {
    "cnfpt_employer": "Collectivité employeuse",
    "cnfpt_category": "Catégorie",
    "cnfpt_position": "Poste",
}


def code(event) -> str | None:
    """The CNFPT session code of ``event``, or None when it is no CNFPT session."""
    return (event.plugin_data or {}).get(CODE_KEY) or None


def valid_code(text: str) -> bool:
    return bool(CODE_PATTERN.fullmatch(text))


def setting(name: str, default: str = "") -> str:
    """A setting of the plugin: the app's config (tests), else the environment."""
    return current_app.config.get(name) or os.environ.get(name, default)


def offer_url(session_code: str) -> str | None:
    """The CNFPT's page of the session, when ``RTES_CNFPT_OFFER_URL`` (with ``{code}``) is set."""
    template = setting("RTES_CNFPT_OFFER_URL")
    return template.replace("{code}", session_code) if template else None
