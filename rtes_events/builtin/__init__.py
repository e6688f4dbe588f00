"""Default behaviour written as plugins, registered before any partner plugin."""

from . import local_registration, organiser_notices, relayed

BUILTIN_PLUGINS = [
    ("local_registration", local_registration),
    ("organiser_notices", organiser_notices),
    ("relayed", relayed),
]
