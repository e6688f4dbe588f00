"""Blueprints: thin views that parse input, call the registry or a service, and render."""

from flask import Flask

from . import clubs, errors, feeds, health, public, registration


def register_blueprints(app: Flask) -> None:
    for module in (public, registration, clubs, feeds, health):
        app.register_blueprint(module.bp)
    errors.register(app)
