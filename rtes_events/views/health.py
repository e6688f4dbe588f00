"""``/healthz``: 200 when the database answers, 503 otherwise."""

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import db
from .errors import RETRY_AFTER_SECONDS

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return (
            jsonify(status="erreur", database="injoignable"),
            503,
            {"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    return jsonify(status="ok", database="ok")
