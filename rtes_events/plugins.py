"""The plugin manager: built-in plugins, then partner plugins from the ``rtes_events`` entry points.

The built-ins are given by the app factory: they queue e-mails and so depend on the services,
which call hooks through ``hook()`` here; this module depends on no plugin."""

from collections.abc import Iterable

import pluggy

from . import hookspecs


def create_plugin_manager(
    enabled: str = "", builtins: Iterable[tuple[str, object]] = ()
) -> pluggy.PluginManager:
    """A plugin manager with ``builtins`` (``(name, module)`` pairs, registered first) and the
    installed partner plugins.

    ``enabled`` is ``RTES_PLUGINS``: empty loads every installed entry point, ``none`` loads none,
    otherwise a comma-separated list of entry point names to load (others are blocked).
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    for name, plugin in builtins:
        pm.register(plugin, name=f"builtin.{name}")
    wanted = {name.strip() for name in enabled.split(",") if name.strip()}
    if wanted:
        from importlib.metadata import entry_points

        for entry in entry_points(group=hookspecs.PROJECT):
            if entry.name not in wanted:
                pm.set_blocked(entry.name)
    pm.load_setuptools_entrypoints(hookspecs.PROJECT)
    pm.check_pending()
    return pm


def hook():
    """The hook caller of the current application's plugin manager."""
    from flask import current_app

    return current_app.extensions["rtes_plugins"].hook
