"""Data versions bumped in the same transaction as every change that a page or a feed shows.

Session listeners note which scopes a transaction touches (objects added, changed or deleted,
collections of association tables included, and ORM ``insert``/``update``/``delete`` statements),
then bump those counters just before the commit. Code that changes data needs to call nothing;
several app servers agree through the database. Scopes:

- ``events``: events and what belongs to one event (its themes, partners, speakers, search words,
  programme);
- ``shared``: what many events show (themes, partners, clubs, regions, speakers), and any table
  not listed here, so that a table added later empties caches rather than leaving them wrong;
- ``registrations``: registrations and the slots they chose (places left on event pages).

Raw SQL text statements are not seen: write through the ORM.
"""

import functools
import time

from flask import current_app, has_app_context
from flask_sqlalchemy.session import Session
from sqlalchemy import DateTime, Select, Update, bindparam, event, func, inspect, select, update
from sqlalchemy.sql.dml import UpdateBase

from . import clock
from .extensions import db
from .models import Event
from .models.versions import SCOPES, DataVersion

TABLE_SCOPES = {
    "events": "events",
    "event_themes": "events",
    "event_partners": "events",
    "event_speakers": "events",
    "event_words": "events",
    "registrations": "registrations",
    "registration_slots": "registrations",  # places left in slots « au choix »
    "slots": "events",
    "slot_speakers": "events",
    "event_programmes": "events",
    "replays": "events",
    "replay_resources": "events",
    "event_proposals": "events",  # a published one says « Proposé par » on its event
}
PRIVATE_TABLES = {
    "alembic_version",
    "audit_entries",
    # A followed calendar's refresh state changes every hour: what pages show of it is on its events
    # (their rows change when a source's name or defaults reach them, ``sources.update``).
    "calendar_sources",
    "calendar_source_themes",
    "calendar_tokens",
    "data_versions",
    "outbox",
    "reached_organisations",
    "survey_answers",
    "survey_invitations",
    "replay_counts",
    "replay_opt_outs",
    "user_clubs",
    "users",
}
PENDING = "rtes_changed_scopes"
BUMPED = "rtes_bumped_versions"
MEMO = "rtes_versions"


def scope_of(table: str) -> str | None:
    """The scope a change to ``table`` bumps, or None for tables no public page shows."""
    return None if table in PRIVATE_TABLES else TABLE_SCOPES.get(table, "shared")


def _note(session, tables) -> None:
    scopes = {scope for table in tables if (scope := scope_of(table))}
    if scopes:
        session.info.setdefault(PENDING, set()).update(scopes)


@event.listens_for(Session, "before_flush")
def _note_objects(session, flush_context, instances) -> None:
    changed = [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]
    _note(session, {table.name for obj in changed for table in inspect(obj).mapper.tables})


@event.listens_for(Session, "do_orm_execute")
def _note_statements(state) -> None:
    statement = state.statement
    if isinstance(statement, UpdateBase) and getattr(statement, "table", None) is not None:
        _note(state.session, {statement.table.name})


@event.listens_for(Session, "before_commit")
def _bump(session) -> None:
    session.flush()
    scopes = session.info.pop(PENDING, None)
    if scopes:
        session.connection().execute(_bump_statement(tuple(sorted(scopes))))
        session.info[BUMPED] = True


@functools.cache
def _bump_statement(scopes: tuple[str, ...]) -> Update:
    """The update of ``_bump``, built once per set of scopes: every change runs it."""
    return update(DataVersion).where(DataVersion.scope.in_(scopes)).values(version=DataVersion.version + 1)


@event.listens_for(Session, "after_commit")
def _see_own_changes(session) -> None:
    """This process sees its own changes at once: what it remembered of the versions is dropped."""
    if session.info.pop(BUMPED, False) and has_app_context():
        current_app.extensions.get(MEMO, {}).clear()


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        session.info.pop(BUMPED, None)


def current(*scopes: str, moments: bool = False) -> tuple:
    """The versions of ``scopes`` (all by default), in one query; with ``moments``, also the latest
    start, end and registration opening and closing already reached, which change what pages show
    as time passes.

    A process trusts what it read for ``RTES_VERSION_CHECK_SECONDS`` (changes committed by another
    process are seen that much later, its own at once); 0 asks the database every time."""
    scopes = scopes or SCOPES
    memo = current_app.extensions.setdefault(MEMO, {})
    remembered = memo.get((scopes, moments))
    if remembered and remembered[0] > time.monotonic():
        return remembered[1]
    statement = _statement(scopes, moments)
    values = tuple(db.session.connection().execute(statement, {"now": clock.now()}).one())
    memo[scopes, moments] = (time.monotonic() + current_app.config["RTES_VERSION_CHECK_SECONDS"], values)
    return values


@functools.cache
def _statement(scopes: tuple[str, ...], moments: bool) -> Select:
    """The query of ``current``, built once: it runs before every cached answer."""
    columns = [
        select(DataVersion.version).where(DataVersion.scope == scope).scalar_subquery() for scope in scopes
    ]
    if moments:
        now = bindparam("now", type_=DateTime)
        columns += [
            select(func.max(column)).where(column <= now).scalar_subquery()
            for column in (
                Event.starts_at,
                Event.ends_at,
                Event.registration_opens_at,
                Event.registration_closes_at,
            )
        ]
    return select(*columns)
