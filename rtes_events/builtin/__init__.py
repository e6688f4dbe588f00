"""Default behaviour written as plugins, registered before any partner plugin."""

from . import local_registration

BUILTIN_PLUGINS = [("local_registration", local_registration)]
