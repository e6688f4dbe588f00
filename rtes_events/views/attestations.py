"""The verification address printed on each attestation de présence (``/attestations/<code>``):
public, it shows the attestation's facts as issued, or that it does not exist or was withdrawn."""

from flask import Blueprint, render_template

from .. import attestations
from ..security import private

bp = Blueprint("attestations", __name__)


@bp.get("/attestations/<code>")
def verify(code: str):
    attestation = attestations.by_code(code)
    standing = attestation is not None and attestation.withdrawn_at is None
    return render_template(
        "attestations/verify.html",
        attestation=attestation if standing else None,
        issued=attestations.issued_on(attestation) if standing else None,
        withdrawn=attestation is not None and not standing,
        duration=attestations.duration,
    ), 200 if standing else 404


@bp.after_request
def unlisted(response):
    """Never cached nor indexed: an attestation may be withdrawn at any time."""
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return private(response)
