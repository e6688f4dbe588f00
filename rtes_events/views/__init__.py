"""Blueprints: thin views that parse input, call the registry or a service, and render."""

from flask import Flask

from ..urls import RecordId
from . import (
    api,
    attestations,
    auth,
    clubs,
    embed,
    errors,
    feeds,
    health,
    manage,
    member_access,
    members,
    proposals,
    public,
    registration,
    reminders,
    replays,
    seo,
    site_pages,
    surveys,
)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RecordId  # before any route is bound
    for module in (public, registration, clubs, feeds, health, auth, manage, replays, surveys, embed):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(members.bp)
    app.register_blueprint(proposals.bp)
    app.register_blueprint(member_access.bp)
    app.register_blueprint(seo.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(site_pages.bp)
    app.register_blueprint(attestations.bp)
    for blueprints in app.extensions["rtes_plugins"].hook.rtes_blueprints():
        for blueprint in blueprints:
            app.register_blueprint(blueprint)
    auth.register(app)
    errors.register(app)
