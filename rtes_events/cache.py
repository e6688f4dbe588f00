"""Caches of public pages and feeds, keyed on the data versions, answering conditional GETs.

A response's key, and so its ETag, comes from the data versions it depends on, its URL and
filters, the plugin set and the base URL: a conditional GET is answered 304 after one small query,
without building anything, and a body is built once per key. Bodies live in Flask-Caching: a bounded
in-process cache by default, Redis when ``RTES_CACHE_URL`` names one (then shared by every worker
and server). Only anonymous requests use it: a signed-in user, a remember-me cookie or a pending
flash message gets a fresh page that no cache keeps.
"""

import functools
import gzip
import hashlib

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_caching import Cache

from . import versions

bodies = Cache()  # pages and feeds, by key
vevents = Cache()  # each event's serialised VEVENT (see feeds.py)

BODY_LIMIT = 500  # entries kept in process
VEVENT_LIMIT = 50_000
TIMEOUT = 7 * 24 * 3600  # a key never comes back once its data changed: this only frees the space
HARMLESS_SESSION_KEYS = {"csrf_token", "_fresh", "_id", "_permanent"}
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Last-Modified")


def init_app(app: Flask) -> None:
    url = app.config["RTES_CACHE_URL"]
    backend = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url} if url else {"CACHE_TYPE": "SimpleCache"}
    bodies.init_app(
        app,
        config={
            **backend,
            "CACHE_THRESHOLD": BODY_LIMIT,
            "CACHE_DEFAULT_TIMEOUT": TIMEOUT,
            "CACHE_KEY_PREFIX": "rtes-body:",
        },
    )
    vevents.init_app(
        app,
        config={
            **backend,
            "CACHE_THRESHOLD": VEVENT_LIMIT,
            "CACHE_DEFAULT_TIMEOUT": TIMEOUT,
            "CACHE_KEY_PREFIX": "rtes-vevent:",
        },
    )


def plugin_set() -> str:
    """What the plugins and the configuration add to every key: plugin names and versions, base URL."""
    pm = current_app.extensions["rtes_plugins"]
    names = sorted(name for name, _ in pm.list_name_plugin())
    dists = sorted(f"{dist.project_name}={dist.version}" for _, dist in pm.list_plugin_distinfo())
    return f"{names}{dists}{current_app.config['RTES_BASE_URL']}"


def digest(*parts) -> str:
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def anonymous() -> bool:
    """True when the response cannot depend on who asks: nobody signed in, no flash message waiting."""
    if current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    if current_app.config["SESSION_COOKIE_NAME"] not in request.cookies:
        return True
    return session.keys() <= HARMLESS_SESSION_KEYS


def _gzip_accepted() -> bool:
    return request.accept_encodings["gzip"] > 0


def public(scopes: tuple[str, ...], *, key=None, moments=True, feed: bool = False):
    """Decorate a view whose anonymous response depends only on the data of ``scopes``, its URL,
    ``key()`` (canonical arguments; the query string by default) and, when ``moments`` (or
    ``moments()``) is true, on which starts, ends and registration dates are past. Feeds are
    cacheable by anyone for five minutes; pages are revalidated on each use."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not anonymous():
                response = make_response(view(*args, **kwargs))
                response.cache_control.private = True
                response.cache_control.no_store = True
                return response
            arguments = key() if key else sorted(request.args.items(multi=True))
            data = versions.current(*scopes, moments=moments() if callable(moments) else moments)
            name = digest(data, request.path, arguments, plugin_set())
            zipped = _gzip_accepted()
            etag = f"{name}-gz" if zipped else name
            if request.if_none_match.contains_weak(etag):
                return _not_modified(etag, feed)
            entry = bodies.get(name)
            if entry is None:
                response = make_response(view(*args, **kwargs))
                if not _storable(response):
                    return response
                kept = [(h, response.headers[h]) for h in KEPT_HEADERS if h in response.headers]
                entry = (response.get_data(), kept)
                bodies.set(name, entry)
            body, headers = entry
            if zipped:
                body = bodies.get(f"{name}-gz")
                if body is None:
                    body = gzip.compress(entry[0], compresslevel=6, mtime=0)
                    bodies.set(f"{name}-gz", body)
            response = Response(body, headers=headers)
            if zipped:
                response.headers["Content-Encoding"] = "gzip"
            _cache_headers(response, etag, feed)
            return response.make_conditional(request)

        return wrapper

    return decorate


def _storable(response: Response) -> bool:
    """A built response may be kept: a 200 holding no form token and setting no cookie."""
    return (
        response.status_code == 200
        and "csrf_token" not in g
        and not session.modified
        and not response.cache_control.private
        and not response.cache_control.no_store
    )


def _cache_headers(response: Response, etag: str, feed: bool) -> None:
    response.set_etag(etag)
    response.vary.add("Accept-Encoding")
    if feed:
        response.cache_control.public = True
        response.cache_control.max_age = 300
    else:
        response.vary.add("Cookie")
        response.cache_control.public = True
        response.cache_control.no_cache = True


def _not_modified(etag: str, feed: bool) -> Response:
    response = Response(status=304)
    _cache_headers(response, etag, feed)
    return response
