"""rtes-events: the events and regional-club platform of the RTES."""

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import from_environment, instance_path, shipped_dir


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides the settings read from the environment."""
    app = Flask(__name__, instance_path=instance_path(), template_folder=str(shipped_dir("templates")))
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    # An address with an empty segment (« /evenements//x », « %2F » in a slug) is not found, as any
    # unknown address, rather than redirected to another one.
    app.url_map.merge_slashes = False
    app.config.from_mapping(from_environment(Path(app.instance_path)))
    app.config.from_mapping(config or {})
    if hops := app.config["RTES_PROXY_HOPS"]:  # the client address, scheme and host set by the proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from . import attestations, cache, database, formatting, reminders, security  # noqa: F401 (their renderers)
    from .builtin import BUILTIN_PLUGINS
    from .cli import register_commands
    from .extensions import csrf, db, limiter, migrate
    from .plugins import create_plugin_manager
    from .views import register_blueprints

    database.configure(app)
    db.init_app(app)
    database.close_sessions(app)
    migrate.init_app(app, db, directory=str(shipped_dir("migrations")), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)
    app.extensions["rtes_plugins"] = create_plugin_manager(app.config["RTES_PLUGINS"], BUILTIN_PLUGINS)
    formatting.register(app)
    security.register(app)
    register_blueprints(app)
    register_commands(app)
    return app
