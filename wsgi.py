"""WSGI entry point: ``gunicorn wsgi:app``."""

from rtes_events import create_app

app = create_app()
