"""What the CNFPT adds to the core's attestation de présence of a training session's participant
(hook ``rtes_attestation_details``): the session code, the employer, the category and the position."""

from . import session
from .session import CATEGORIES, FIELDS


def details(registration) -> list[tuple[str, str]]:
    """The CNFPT's lines of ``registration``'s attestation; none when its event is no CNFPT session."""
    if not (code := session.code(registration.event)):
        return []
    fields = registration.plugin_fields or {}
    given = {
        FIELDS["cnfpt_employer"]: fields.get("cnfpt_employer"),
        FIELDS["cnfpt_category"]: CATEGORIES.get(fields.get("cnfpt_category")),
        FIELDS["cnfpt_position"]: fields.get("cnfpt_position"),
    }
    return [("Session de formation CNFPT", f"n° {code}")] + [
        (label, value) for label, value in given.items() if value
    ]
