"""The search words of events: each word of an event's search text, so that a word prefix is found
through an index instead of scanning every event's text."""

from sqlalchemy import Column, ForeignKey, String, Table, delete, event, insert, inspect

from ..extensions import db
from .events import Event

WORD_LENGTH = 40

event_words = Table(
    "event_words",
    db.metadata,
    Column("word", String(WORD_LENGTH), primary_key=True),
    Column("event_id", ForeignKey("events.id", ondelete="CASCADE"), primary_key=True, index=True),
)


def words(text: str) -> set[str]:
    """The distinct words of a folded text, cut to the indexed length."""
    return {word[:WORD_LENGTH] for word in text.split()}


@event.listens_for(Event, "after_insert")
def _index_new(mapper, connection, target: Event) -> None:
    _write(connection, target.id, words(target.search_text or ""))


@event.listens_for(Event, "after_update")
def _index_change(mapper, connection, target: Event) -> None:
    history = inspect(target).attrs.search_text.history
    if not history.added or history.deleted == history.added:
        return
    connection.execute(delete(event_words).where(event_words.c.event_id == target.id))
    _write(connection, target.id, words(target.search_text or ""))


def _write(connection, event_id: int, found: set[str]) -> None:
    if found:
        connection.execute(insert(event_words), [{"word": w, "event_id": event_id} for w in sorted(found)])
