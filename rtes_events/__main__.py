"""``python -m rtes_events``: the ``rtes-events`` command (the demo starts its worker this way)."""

from .cli import main

main()
