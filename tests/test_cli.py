"""The ``rtes-events`` commands and the health check (the demo: test_demo.py)."""

from rtes_events import cli

from .test_import import NEW, write


def test_healthz_answers_json_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_gone(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/absent/base.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "erreur"


def many_events(count: int) -> list[dict]:
    return [{**NEW, "slug": f"session-{n}", "title": f"Session {n}"} for n in range(count)]


def test_import_events_prints_a_summary_and_lists_events_only_when_verbose(runner, tmp_path):
    result = runner.invoke(args=["import-events", write(tmp_path, many_events(30))])
    assert result.exit_code == 0, result.output
    assert result.output == "30 événement(s) créé(s), 0 mis à jour, 0 inchangé(s) (détail : --verbose)\n"
    changed = [{**event, "capacity": 10} for event in many_events(30)[:2]]
    verbose = runner.invoke(args=["import-events", "--verbose", write(tmp_path, changed)])
    assert verbose.output.splitlines() == [
        "mis à jour : session-0",
        "mis à jour : session-1",
        "0 événement(s) créé(s), 2 mis à jour, 0 inchangé(s)",
    ]


def test_import_events_counts_regions_partners_and_clubs_when_they_are_many(runner, tmp_path):
    regions = [{"code": f"R{n:02}", "name": f"Région {n}"} for n in range(cli.FEW_LINES + 1)]
    result = runner.invoke(args=["import-events", write(tmp_path, [], regions=regions)])
    assert result.output.splitlines() == [
        f"{cli.FEW_LINES + 1} changements de régions, partenaires, clubs ou listes d'attente"
        " (détail : --verbose)",
        "0 événement(s) créé(s), 0 mis à jour, 0 inchangé(s)",
    ]


def test_import_events_shows_a_progress_bar_on_a_terminal_only(runner, tmp_path, monkeypatch):
    path = write(tmp_path, many_events(3))
    assert "Import des événements" not in runner.invoke(args=["import-events", path]).output
    monkeypatch.setattr(cli, "_is_terminal", lambda: True)
    assert "Import des événements" in runner.invoke(args=["import-events", path]).output
