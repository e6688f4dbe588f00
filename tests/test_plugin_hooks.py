"""The hooks partner plugins build on: blueprints, import fields, event-page facts, club branding,
workspace items; and the plugin data kept on events."""

import json

import pytest

from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.importer import InvalidImport, import_data

from .conftest import login


class Partner:
    """A test partner answering every hook of this module."""

    @hookimpl
    def rtes_import_fields(self, item):
        if item.get("partner_code") == "refuse":
            raise InvalidImport("code partenaire refusé.")
        return {"partner_code": item.get("partner_code")}

    @hookimpl
    def rtes_event_page_items(self, event):
        code = event.plugin_data.get("partner_code")
        return [{"label": "Code partenaire", "value": code, "url": None}] if code else []

    @hookimpl
    def rtes_club_branding(self, club):
        return [
            {"name": "Partenaire régional", "logo": "/static/partenaire.svg", "url": "https://p.example.org"}
        ]

    @hookimpl
    def rtes_workspace_event_items(self, user, event):
        return [{"label": "Transmissions", "url": "/espace/", "note": "1 refusée", "warning": True}]


@pytest.fixture
def partner(app):
    app.extensions["rtes_plugins"].register(Partner(), name="partner")


def item(**values):
    return {
        "kind": "webinaire",
        "title": "Séance partenaire",
        "start": "2031-03-04",
        "slug": "seance",
        **values,
    }


def test_hook_rtes_import_fields(app, partner):
    from rtes_events.registry import by_slug

    import_data({"events": [item(partner_code="X1")]})
    event = by_slug("seance")
    assert event.plugin_data == {"partner_code": "X1"}
    assert import_data({"events": [item(partner_code="X1")]}).unchanged == ["seance"]
    event.plugin_data = {**event.plugin_data, "other_plugin": 3}  # kept: no plugin returns it
    db.session.commit()
    import_data({"events": [item()]})  # None removes the key
    assert by_slug("seance").plugin_data == {"other_plugin": 3}
    with pytest.raises(InvalidImport, match="code partenaire refusé"):
        import_data({"events": [item(partner_code="refuse")]})


def test_import_takes_a_registration_provider(app):
    from rtes_events.registry import by_slug

    import_data({"events": [item(registration_provider="idealco")]})
    assert by_slug("seance").registration_provider == "idealco"
    with pytest.raises(InvalidImport, match="registration_provider"):
        import_data({"events": [item(registration_provider="Ideal Co!")]})


def test_hook_rtes_event_page_items(client, partner, make_event):
    event = make_event(plugin_data={"partner_code": "X1"})
    page = client.get(f"/evenements/{event.slug}/").get_data(as_text=True)
    assert "<dt>Code partenaire</dt><dd>X1</dd>" in page


def test_hook_rtes_club_branding(client, partner, app):
    from rtes_events.demo.loader import load_demo

    load_demo()
    page = client.get("/clubs/club-ess-ile-de-france/").get_data(as_text=True)
    assert '<img src="/static/partenaire.svg" alt="Partenaire régional"' in page


def test_hook_rtes_workspace_event_items(client, partner, make_event, make_user):
    event = make_event()
    login(client, make_user("admin"))
    page = client.get(f"/espace/evenements/{event.id}/").get_data(as_text=True)
    assert "Transmissions" in page and "à traiter : 1 refusée" in page


@pytest.fixture
def blueprint_plugin(tmp_path, monkeypatch):
    """A plugin installed by entry point, serving a public page and a workspace page."""
    (tmp_path / "rtes_test_pages.py").write_text(
        "from flask import Blueprint\n"
        "from rtes_events.hookspecs import hookimpl\n"
        "from rtes_events.views.manage import workspace_blueprint\n\n"
        "public = Blueprint('test_pages', __name__)\n"
        "public.add_url_rule('/partenaire/', 'page', lambda: 'page du partenaire')\n"
        "private = workspace_blueprint('test_espace', __name__)\n"
        "private.add_url_rule('/', 'page', lambda: 'espace du partenaire')\n\n"
        "@hookimpl\n"
        "def rtes_blueprints():\n"
        "    return [public, private]\n"
    )
    info = tmp_path / "rtes_test_pages-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: rtes-test-pages\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[rtes_events]\ntestpages = rtes_test_pages\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "testpages"


def test_hook_rtes_blueprints(app_factory, blueprint_plugin, make_user):
    app = app_factory(RTES_PLUGINS=blueprint_plugin)
    client = app.test_client()
    assert client.get("/partenaire/").get_data(as_text=True) == "page du partenaire"
    signed_out = client.get("/espace/test_espace/")
    assert signed_out.status_code == 302 and "/connexion" in signed_out.location
    with app.app_context():
        login(client, make_user("admin"))
    answer = client.get("/espace/test_espace/")
    assert answer.get_data(as_text=True) == "espace du partenaire"
    assert answer.headers["Cache-Control"] == "no-store"
    assert "/partenaire/" not in {r.rule for r in app_factory(RTES_PLUGINS="none").url_map.iter_rules()}


def test_plugin_data_is_json_and_starts_empty(make_event):
    event = make_event()
    assert event.plugin_data == {}
    event.plugin_data = {"cnfpt_code": "ABC", "liste": [1, 2]}
    db.session.commit()
    stored = db.session.execute(db.text("select plugin_data from events where id = :id"), {"id": event.id})
    assert json.loads(stored.scalar()) == {"cnfpt_code": "ABC", "liste": [1, 2]}
