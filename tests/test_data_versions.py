"""Data versions and the search-word index, on SQLite and on PostgreSQL."""

from sqlalchemy import delete, insert, select, update

from rtes_events import registry, versions
from rtes_events.extensions import db
from rtes_events.models import Club, DataVersion, Event, OutboxMessage, Region, Theme, event_words
from rtes_events.models.events import event_themes
from rtes_events.registry import EventFilter

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server


def stored() -> dict[str, int]:
    db.session.commit()
    return dict(db.session.execute(select(DataVersion.scope, DataVersion.version)).all())


def test_each_change_bumps_its_scope_once_per_transaction(app, make_event, make_registration):
    event = make_event()
    start = stored()
    event.title, event.city = "Autre titre", "Nantes"
    db.session.flush()
    event.summary = "Résumé"
    db.session.commit()
    assert stored() == {**start, "events": start["events"] + 1}
    db.session.add(Club(slug="club", name="Club", region=Region(code="ARA", name="Auvergne-Rhône-Alpes")))
    db.session.commit()
    assert stored()["shared"] == start["shared"] + 1
    make_registration(event)
    assert stored()["registrations"] == start["registrations"] + 1


def test_association_rows_and_orm_statements_count(app, make_event):
    event = make_event()
    theme = Theme(slug="achats", name="Achats")
    db.session.add(theme)
    db.session.commit()
    start = stored()
    db.session.execute(insert(event_themes).values(event_id=event.id, theme_id=theme.id))
    db.session.commit()
    assert stored()["events"] == start["events"] + 1
    db.session.execute(update(Theme).values(name="Achats responsables"))
    db.session.commit()
    assert stored()["shared"] == start["shared"] + 1
    db.session.execute(delete(Event).where(Event.id == event.id))
    db.session.commit()
    assert stored()["events"] == start["events"] + 2


def test_private_tables_and_rollbacks_bump_nothing(app, make_event):
    event = make_event()
    start = stored()
    db.session.add(OutboxMessage(kind="email", recipient="a@example.org", payload="…"))
    db.session.commit()
    event.title = "Annulé avant l'enregistrement"
    db.session.flush()
    db.session.rollback()
    assert stored() == start


def test_current_reads_versions_and_moments_in_one_query(app, make_event):
    event = make_event()
    [events] = versions.current("events")
    assert events == stored()["events"]
    values = versions.current(moments=True)
    assert len(values) == 7 and values[4] is None, "no event has ended yet"
    event.ends_at = event.starts_at = event.starts_at.replace(year=2020)
    db.session.commit()
    assert versions.current(moments=True)[4] == event.ends_at


def slugs(q: str) -> set[str]:
    return {e.slug for e in db.session.scalars(registry.events_query(EventFilter(q=q)))}


def test_search_finds_word_prefixes_through_the_index(app, make_event):
    make_event(slug="achats", title="Commande publique : les achats responsables", city="Saint-Étienne")
    make_event(slug="alimentation", title="Alimentation durable", summary="Cantines et circuits courts")
    assert slugs("achat") == {"achats"}
    assert slugs("ACHATS Étienne") == {"achats"}
    assert slugs("cantine durable") == {"alimentation"}
    assert slugs("publique cantines") == set()
    assert slugs("zzz") == set()
    assert slugs("") == {"achats", "alimentation"}
    event = db.session.scalar(select(Event).where(Event.slug == "achats"))
    event.title = "Tiers-lieux"
    db.session.commit()
    assert slugs("achats") == set() and slugs("tiers lieux") == {"achats"}
    words = set(db.session.scalars(select(event_words.c.word).where(event_words.c.event_id == event.id)))
    assert words == {"tiers", "lieux", "saint", "etienne"}
    db.session.delete(event)
    db.session.commit()
    assert db.session.scalar(select(event_words.c.word).where(event_words.c.event_id == event.id)) is None
