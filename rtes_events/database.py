"""Database engine settings: SQLite made safe for several writers, pooled connections checked before use."""

import sqlite3

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

from .extensions import db

# PostgreSQL's « the server is going away » states (admin_shutdown, crash_shutdown, cannot_connect_now):
# the connection is dead, as after a network failure, though the driver reports it as an error.
SHUTDOWN_STATES = {"57P01", "57P02", "57P03"}


def configure(app: Flask) -> None:
    """Engine options for the configured database URL.

    A database server that restarted has closed the pooled connections: each is checked (``SELECT 1``)
    when taken from the pool and replaced when dead, so a restart costs no request an error.
    """
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30})
    else:
        options.setdefault("pool_pre_ping", True)


def close_sessions(app: Flask) -> None:
    """End each request's session after Flask-SQLAlchemy would (registered after ``db.init_app``, so it
    runs first): a connection the database closed since the last query (a restart) is dropped with
    the session, instead of failing the answer already made with a 500."""

    @app.teardown_appcontext
    def remove_session(exception=None) -> None:
        try:
            db.session.remove()
        except DBAPIError as error:
            current_app.logger.warning("database: connection lost at the end of a request: %s", error.orig)
            db.session.registry.clear()


@event.listens_for(Engine, "handle_error")
def _shutdown_is_a_disconnect(context) -> None:
    """A server shutting down ends every pooled connection: SQLAlchemy then drops the whole pool."""
    if getattr(context.original_exception, "sqlstate", None) in SHUTDOWN_STATES:
        context.is_disconnect = True


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers go on while one request writes; foreign keys are enforced.

    ``synchronous=NORMAL``, SQLite's advice for WAL: a commit no longer waits for the disk (it is
    synced at checkpoints), so the registration lock is held for microseconds rather than a disk
    flush; the database stays consistent, and only a power cut may lose the last transactions.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


BATCH = 500  # rows per INSERT (SQLite's limit on parameters)


def insert_new(model, rows: list[dict], returned) -> list:
    """INSERT … ON CONFLICT DO NOTHING RETURNING ``returned``: the values of the rows inserted here."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = []
    for first in range(0, len(rows), BATCH):
        statement = insert(model).values(rows[first : first + BATCH]).on_conflict_do_nothing()
        inserted += db.session.scalars(statement.returning(returned)).all()
    return inserted
