"""The demo: its example sessions and, run as a real command, its server, worker and accounts."""

from datetime import date, timedelta

from sqlalchemy import select

from rtes_events import clock
from rtes_events.demo import loader
from rtes_events.demo.loader import EXAMPLE_PREFIX, load_demo
from rtes_events.extensions import db
from rtes_events.models import Event


def test_example_sessions_fall_on_tuesdays_or_thursdays_three_to_five_weeks_ahead(monkeypatch):
    """Whatever the day the demo is loaded, over a whole year of start days."""
    for offset in range(366):
        today = date(2026, 1, 1) + timedelta(days=offset)
        monkeypatch.setattr(clock, "local_today", lambda today=today: today)
        days = [date.fromisoformat(item["start"]) for item in loader.examples()]
        assert {day.weekday() for day in days} <= {1, 3}, (today, days)
        assert all(21 <= (day - today).days <= 5 * 7 + 6 for day in days), (today, days)
        assert days == sorted(days) and len(set(days)) == 3
        assert not any(loader.is_public_holiday(day) for day in days)


def test_public_holidays_include_the_fixed_ones_and_those_after_easter():
    assert [loader.easter(year) for year in (2025, 2026, 2027)] == [
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
    ]
    assert loader.is_public_holiday(date(2026, 12, 25)) and loader.is_public_holiday(date(2027, 5, 6))
    assert not loader.is_public_holiday(date(2026, 12, 24))
    assert loader.meeting_day(date(2027, 5, 5)) == date(2027, 5, 11)  # Thursday 6 is Ascension


def test_the_loaded_example_sessions_are_on_working_days_at_the_usual_times(app):
    load_demo()
    examples = db.session.scalars(select(Event).where(Event.title.startswith(EXAMPLE_PREFIX))).all()
    assert len(examples) == 3
    for event in examples:
        assert event.local_start.weekday() in (1, 3)
        assert (event.local_start.hour, event.local_start.minute) in ((9, 30), (14, 0))
        assert 21 <= (event.local_start.date() - clock.local_today()).days <= 41
