"""The plugins' tests use the core's fixtures (an app on a migrated database, clients, factories),
with the partner plugins that ``enabled_plugins`` names loaded as ``RTES_PLUGINS`` would."""

import pytest

from rtes_events.extensions import db
from tests.conftest import *  # noqa: F403 (fixtures)


@pytest.fixture
def enabled_plugins() -> str:
    """``RTES_PLUGINS`` of the test's app: every installed plugin; a module or test overrides it."""
    return ""


@pytest.fixture
def app(app_factory, enabled_plugins):
    app = app_factory(RTES_PLUGINS=enabled_plugins)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
