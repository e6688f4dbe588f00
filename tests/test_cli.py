"""The ``rtes-events demo`` command and the health check."""

import time
from pathlib import Path

from rtes_events import cli, registrations, registry

from .conftest import PERSON


def test_demo_upgrades_loads_and_serves(app, runner, monkeypatch):
    served = {}
    monkeypatch.delenv("RTES_BASE_URL", raising=False)
    monkeypatch.setattr(
        cli, "run_simple", lambda host, port, wsgi, **options: served.update(host=host, port=port)
    )
    result = runner.invoke(args=["demo", "--host", "0.0.0.0", "--port", "5123"])
    assert result.exit_code == 0, result.output
    assert "59 événement(s) créé(s)" in result.output
    assert "outbox" in result.output
    assert served == {"host": "0.0.0.0", "port": 5123}
    assert app.config["RTES_BASE_URL"] == "http://127.0.0.1:5123"
    again = runner.invoke(args=["demo", "--port", "5123"])
    assert "0 événement(s) créé(s), 0 mis à jour, 56 inchangé(s)" in again.output


def test_the_demo_delivers_e_mails_at_once_beside_the_server(app, runner, monkeypatch):
    """``demo`` runs the outbox worker in a thread: a registration's e-mail is written within a second."""
    outbox = Path(app.instance_path) / "outbox"

    def serve(host, port, wsgi, **options):
        event = registry.by_slug("exemple-club-ile-de-france-tiers-lieux")
        registrations.register(event, PERSON)
        deadline = time.monotonic() + 2
        while not any(outbox.glob("*.eml")) and time.monotonic() < deadline:
            time.sleep(0.05)
        served["delay"] = 2 - (deadline - time.monotonic())

    served = {}
    monkeypatch.setattr(cli, "run_simple", serve)
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert served["delay"] < 1.5 and len(list(outbox.glob("*.eml"))) == 1


def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/absent/base.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "erreur"
