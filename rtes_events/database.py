"""Database engine settings: SQLite made safe for several writers, pooled connections checked before use."""

import sqlite3

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine


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
