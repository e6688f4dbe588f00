"""The page that stops a registration's reminders, in Chromium: asked, stopped, taken up again: each
state passes axe-core's WCAG 2.1 AA rules and the Nu Html Checker."""

from sqlalchemy import select

from rtes_events import registrations, reminders
from rtes_events.extensions import db
from rtes_events.models import Event

from .conftest import PERSON
from .test_browser import audited_page, chromium, live, nu, violations  # noqa: F401


def test_the_stop_page_passes_the_accessibility_rules(live, audited_page, nu):  # noqa: F811
    page = audited_page
    with live.app_context():
        event = db.session.scalar(select(Event).where(Event.slug.like("exemple-webinaire-%")).limit(1))
        registration = registrations.register(event, {**PERSON, "email": "rappels@example.org"}).registration
        path = f"/inscription/rappels/{reminders.stop_token(registration)}"
    found = {}

    def check(name: str) -> None:
        nu.add(name, page.content())
        found[name] = violations(page)

    page.goto(live.url + path)
    check("asked")
    page.get_by_role("button", name="Ne plus recevoir de rappel").click()
    assert "Vous ne recevez plus de rappel" in page.content()
    check("stopped")
    page.get_by_role("button", name="Recevoir de nouveau les rappels").click()
    assert "reprennent" in page.content()
    check("taken up again")
    assert {name: lines for name, lines in found.items() if lines} == {}
    nu.check()
