"""Security headers on every response.

No page may be framed by another (``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``), except
the routes marked ``framable_by``: this module's one exception, declared on the route itself.
"""

from flask import Flask, abort, request
from werkzeug.datastructures import ImmutableMultiDict

POLICY = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'self'",
}


def _headers(**directives) -> dict:
    policy = {**POLICY, **{name.replace("_", "-"): value for name, value in directives.items()}}
    frame_options = {"'none'": "DENY", "'self'": "SAMEORIGIN"}.get(policy["frame-ancestors"])
    headers = {
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": frame_options,
        "Referrer-Policy": "same-origin",
        "Content-Security-Policy": "; ".join(f"{name} {value}" for name, value in policy.items()),
    }
    return {name: value for name, value in headers.items() if value}


HEADERS = _headers()


def framable_by(sources: str, **directives):
    """Let ``sources`` frame a view's pages (``"*"``: any site, then no ``X-Frame-Options``;
    ``"'self'"``: this site only); ``directives`` change others of its policy (``style_src=…``)."""

    def decorate(view):
        view.security_headers = _headers(frame_ancestors=sources, **directives)
        return view

    return decorate


def private(response):
    """For a blueprint's ``after_request``: pages holding personal data, a secret link or a form
    are never stored by a cache nor sent as a referrer."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refuse_nul_bytes() -> None:
    """No text of a request may hold a NUL character: no page or form has a use for one, and
    PostgreSQL refuses it in any string (the request would fail deep inside with a 500). A path
    holding one is not found, a form holding one refused; a query value holding one is dropped, as
    unknown filters are."""
    if any("\x00" in value for value in request.args.values()):
        request.args = ImmutableMultiDict(
            [(key, value) for key, value in request.args.items(multi=True) if "\x00" not in value]
        )
    if "\x00" in request.path:
        abort(404)  # no page's address holds one
    form = request.method == "POST" and request.mimetype in FORM_TYPES
    if form and any("\x00" in value for value in request.form.values()):
        abort(400)


def register(app: Flask) -> None:
    app.before_request(refuse_nul_bytes)

    @app.after_request
    def add_headers(response):
        view = app.view_functions.get(request.endpoint) if request.endpoint else None
        for name, value in getattr(view, "security_headers", HEADERS).items():
            response.headers.setdefault(name, value)
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
