"""The plugin contract: every hook is documented, called where DESIGN.md says, and loadable by entry point.

``test_hook_rtes_ical_event`` is in test_feeds.py, beside the feeds it changes.
"""

import inspect
import re
from pathlib import Path

import pluggy
import pytest
from wtforms import StringField
from wtforms.validators import DataRequired

from rtes_events import hookspecs, registrations
from rtes_events.builtin import BUILTIN_PLUGINS
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.plugins import create_plugin_manager
from rtes_events.registrations import RegistrationRefused

from .conftest import PERSON, csrf_token

ROOT = Path(__file__).resolve().parent.parent
HOOKS = sorted(name for name in dir(hookspecs) if name.startswith("rtes_"))


class Recorder:
    """A test plugin that records every call and answers like a partner would."""

    def __init__(self):
        self.calls = []

    @hookimpl
    def rtes_registration_fields(self, event):
        self.calls.append(("fields", event.slug))
        return [
            ("employer", StringField("Employeur", validators=[DataRequired("Indiquez votre employeur.")]))
        ]

    @hookimpl
    def rtes_validate_registration(self, event, data):
        self.calls.append(("validate", data["email"]))
        return (
            ["Les adresses de refuse.example.org ne sont pas acceptées."]
            if data["email"].endswith("@refuse.example.org")
            else []
        )

    @hookimpl
    def rtes_registration_url(self, event):
        self.calls.append(("url", event.slug))
        return (
            "https://partenaire.example.org/inscription" if event.registration_provider == "partner" else None
        )

    @hookimpl
    def rtes_registration_created(self, registration):
        self.calls.append(("created", registration.email, registration.status))

    @hookimpl
    def rtes_registration_resubmitted(self, registration):
        self.calls.append(("resubmitted", registration.email))

    @hookimpl
    def rtes_registration_promoted(self, registration):
        self.calls.append(("promoted", registration.email))

    @hookimpl
    def rtes_registration_cancelled(self, registration):
        self.calls.append(("cancelled", registration.email))

    @hookimpl
    def rtes_event_changed(self, event, registrations):
        self.calls.append(("changed", event.slug, [r.email for r in registrations]))

    @hookimpl
    def rtes_replay_links(self, event):
        self.calls.append(("replays", event.slug))
        return [
            {"label": "Revoir le webinaire sur le site du partenaire", "url": "https://replay.example.org/1"}
        ]


@pytest.fixture
def recorder(app):
    plugin = Recorder()
    app.extensions["rtes_plugins"].register(plugin, name="recorder")
    return plugin


def test_every_hook_is_documented_tested_and_listed_in_the_documentation():
    listed = (ROOT / "docs" / "plugins" / "hooks.md").read_text(encoding="utf-8")  # its table
    tests = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "tests").glob("test_*.py"))
    for name in HOOKS:
        doc = inspect.getdoc(getattr(hookspecs, name))
        assert doc and len(doc) > 40, f"{name} has no real docstring"
        assert re.search(rf"def test_hook_{name}\b", tests), f"{name} has no test_hook_{name}"
        assert f"`{name}(" in listed, f"{name} is not listed in docs/plugins/hooks.md"


def test_hook_rtes_registration_fields(client, recorder, make_event):
    event = make_event()
    url = f"/evenements/{event.slug}/inscription"
    page = client.get(url).get_data(as_text=True)
    assert "Employeur" in page and ("fields", event.slug) in recorder.calls
    data = {**PERSON, "consent": "y", "csrf_token": csrf_token(client, url)}
    missing = client.post(url, data=data)
    assert missing.status_code == 400 and "Indiquez votre employeur." in missing.get_data(as_text=True)
    assert client.post(url, data={**data, "employer": "Ville de Lyon"}).status_code == 303
    [registration] = event_registrations(event)
    assert registration.plugin_fields == {"employer": "Ville de Lyon"}


def event_registrations(event):
    from sqlalchemy import select

    from rtes_events.extensions import db
    from rtes_events.models import Registration

    return db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()


def test_hook_rtes_validate_registration(recorder, make_event, make_registration):
    event = make_event()
    with pytest.raises(RegistrationRefused, match="refuse.example.org"):
        make_registration(event, email="quelqu-un@refuse.example.org")
    assert ("validate", "quelqu-un@refuse.example.org") in recorder.calls
    assert event_registrations(event) == []


def test_hook_rtes_registration_url(client, recorder, make_event):
    partner = make_event(registration_provider="partner")
    local = make_event()
    assert "https://partenaire.example.org/inscription" in client.get(
        f"/evenements/{partner.slug}/"
    ).get_data(as_text=True)
    assert f"/evenements/{local.slug}/inscription" in client.get(f"/evenements/{local.slug}/").get_data(
        as_text=True
    )
    assert ("url", partner.slug) in recorder.calls


def test_hook_rtes_registration_created(recorder, make_event, make_registration):
    event = make_event(capacity=1)
    make_registration(event, email="a@example.org")
    make_registration(event, email="b@example.org")
    assert [c for c in recorder.calls if c[0] == "created"] == [
        ("created", "a@example.org", "confirmed"),
        ("created", "b@example.org", "waitlisted"),
    ]


def test_hook_rtes_registration_resubmitted(recorder, make_event, make_registration):
    event = make_event()
    make_registration(event)
    make_registration(event)
    assert ("resubmitted", PERSON["email"]) in recorder.calls


def test_hook_rtes_registration_promoted(recorder, make_event, make_registration):
    event = make_event(capacity=1)
    first = make_registration(event, email="a@example.org")
    make_registration(event, email="b@example.org")
    registrations.cancel(first)
    assert ("promoted", "b@example.org") in recorder.calls


def test_hook_rtes_registration_cancelled(recorder, make_event, make_registration):
    registration = make_registration(make_event())
    registrations.cancel(registration)
    assert ("cancelled", PERSON["email"]) in recorder.calls


def test_hook_rtes_event_changed(recorder, make_event, make_registration):
    event = make_event(capacity=1)
    for email in ("a@example.org", "b@example.org", "c@example.org"):
        make_registration(event, email=email)
    registrations.cancel(make_registration(event, email="c@example.org"))
    event.city = "Nantes"
    db.session.commit()
    registrations.event_updated(event.id, rescheduled=True)
    assert ("changed", event.slug, ["a@example.org", "b@example.org"]) in recorder.calls


def test_hook_rtes_replay_links(client, recorder, make_event):
    event = make_event()
    page = client.get(f"/evenements/{event.slug}/").get_data(as_text=True)
    assert "https://replay.example.org/1" in page
    assert ("replays", event.slug) in recorder.calls


def test_a_misspelt_hook_implementation_fails_at_start_up():
    class Misspelt:
        @hookimpl
        def rtes_registration_creatd(self, registration):
            pass

    pm = create_plugin_manager()
    pm.register(Misspelt())
    with pytest.raises(pluggy.PluginValidationError):
        pm.check_pending()


@pytest.fixture
def installed_plugin(tmp_path, monkeypatch):
    """A partner plugin installed the way pip does: a module and an entry point in group rtes_events."""
    (tmp_path / "rtes_test_partner.py").write_text(
        "from rtes_events.hookspecs import hookimpl\n\n"
        "@hookimpl\n"
        "def rtes_replay_links(event):\n"
        "    return [{'label': 'Replay partenaire', 'url': 'https://partner.example.org/replay'}]\n"
    )
    info = tmp_path / "rtes_test_partner-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rtes-test-partner\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[rtes_events]\ntestpartner = rtes_test_partner\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "testpartner"


def test_partner_plugins_load_from_entry_points_and_can_be_disabled(installed_plugin):
    assert create_plugin_manager("").get_plugin(installed_plugin) is not None
    assert create_plugin_manager(installed_plugin).get_plugin(installed_plugin) is not None
    assert create_plugin_manager("none").get_plugin(installed_plugin) is None
    assert create_plugin_manager("autre").get_plugin(installed_plugin) is None
    with_builtins = create_plugin_manager("none", BUILTIN_PLUGINS)
    builtins = [name for name, plugin in with_builtins.list_name_plugin() if plugin]
    assert builtins == ["builtin.local_registration", "builtin.organiser_notices", "builtin.relayed"]
