"""Default behaviour written as plugins, registered before any partner plugin."""

from . import local_registration, relayed

BUILTIN_PLUGINS = [("local_registration", local_registration), ("relayed", relayed)]
