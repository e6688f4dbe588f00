"""The three partner plugins installed by ``make`` load together (``RTES_PLUGINS`` empty) and
serve the demo."""

from rtes_events.demo.loader import load_demo


def test_every_partner_plugin_loads_and_the_demo_pages_answer(app, client):
    pm = app.extensions["rtes_plugins"]
    assert {"cnfpt", "idealco", "cress"} <= {name for name, _ in pm.list_name_plugin()}
    load_demo()
    for url in (
        "/",
        "/agenda.ics",
        "/clubs/club-ess-ile-de-france/",
        "/cress/cress-naq/",
        "/cress/cress-naq.ics",
    ):
        assert client.get(url).status_code == 200, url
