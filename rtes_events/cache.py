"""Caches of public pages and feeds, keyed on the data versions, answering conditional GETs.

A response's key, and so its ETag, comes from the data versions it depends on, its URL and
filters, the plugin set and the base URL: a conditional GET is answered 304 after one small query,
without building anything, and a body is built once per key. Bodies live in Flask-Caching: a bounded
in-process cache by default, Redis when ``RTES_CACHE_URL`` names one (then shared by every worker
and server). In front of it, each process keeps the bodies it served last as bytes ready to send
(``LocalBodies``), so that a warm answer copies nothing, pickles nothing and asks no shared cache:
a key never names another body, so a copy is never stale. Only anonymous requests use these
caches: a signed-in user, a remember-me cookie or a pending flash message gets a fresh page that no
cache keeps.
"""

import functools
import gzip
import hashlib
import threading
from collections import OrderedDict

from flask import Flask, Response, current_app, g, make_response, request, session
from flask_caching import Cache
from werkzeug.http import quote_etag

from . import versions

bodies = Cache()  # pages and feeds, by key
vevents = Cache()  # each event's serialised VEVENT (see feeds.py)

BODY_LIMIT = 500  # entries kept in process
LOCAL_BYTES = 64 * 1024 * 1024  # bodies kept ready to send by each process, in bytes
VEVENT_LIMIT = 50_000
TIMEOUT = 7 * 24 * 3600  # a key never comes back once its data changed: this only frees the space
# Session keys no cached page depends on ("registration_sent": which registration the browser's
# last form made, read by the page after the form alone, never cached).
HARMLESS_SESSION_KEYS = {"csrf_token", "_fresh", "_id", "_permanent", "registration_sent"}
KEPT_HEADERS = ("Content-Type", "Content-Disposition", "Last-Modified")


class LocalBodies:
    """The bodies a process served last, as they are sent (bytes, never pickled), up to
    ``limit`` bytes, the least recently used dropped first; in front of ``bodies``."""

    def __init__(self, limit: int = LOCAL_BYTES):
        self.limit, self.size = limit, 0
        self.entries: OrderedDict[str, tuple] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def set(self, key: str, entry: tuple) -> None:
        size = len(entry[0])
        if size > self.limit:
            return
        with self.lock:
            if key in self.entries:
                self.size -= len(self.entries.pop(key)[0])
            self.entries[key] = entry
            self.size += size
            while self.size > self.limit:
                self.size -= len(self.entries.popitem(last=False)[1][0])

    def clear(self) -> bool:
        """Emptied with Flask-Caching's backends (``app.extensions["cache"]``)."""
        with self.lock:
            self.entries.clear()
            self.size = 0
        return True


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
    app.extensions["cache"][LocalBodies] = LocalBodies()  # cleared with the other caches


def _get(name: str):
    """The body kept under ``name``, from this process, else from the shared cache (then kept here)."""
    local = current_app.extensions["cache"][LocalBodies]
    entry = local.get(name)
    if entry is None:
        entry = bodies.get(name)
        if entry is not None:
            local.set(name, entry)
    return entry


def _set(name: str, entry: tuple) -> None:
    current_app.extensions["cache"][LocalBodies].set(name, entry)
    bodies.set(name, entry)


def plugin_set() -> str:
    """What the plugins and the configuration add to every key: plugin names and versions, base URL."""
    pm = current_app.extensions["rtes_plugins"]
    distinfo = pm.list_plugin_distinfo()
    registered = (tuple(sorted(name for name, _ in pm.list_name_plugin())), tuple(id(p) for p, _ in distinfo))
    known = current_app.extensions.setdefault("rtes_plugin_set", {})
    if registered not in known:  # distributions' versions are read from files: once per plugin set
        dists = sorted(f"{dist.project_name}={dist.version}" for _, dist in distinfo)
        known[registered] = f"{list(registered[0])}{dists}"
    return f"{known[registered]}{current_app.config['RTES_BASE_URL']}"


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
            kept_as = f"{name}:gzip" if zipped else name
            entry = _get(kept_as)
            if entry is None:
                plain = _get(name) if zipped else None
                if plain is None:
                    response = make_response(view(*args, **kwargs))
                    if not _storable(response):
                        return response
                    kept = [(h, response.headers[h]) for h in KEPT_HEADERS if h in response.headers]
                    plain = (response.get_data(), kept)
                    _set(name, plain)
                entry = (gzip.compress(plain[0], compresslevel=6, mtime=0), plain[1]) if zipped else plain
                if zipped:
                    _set(kept_as, entry)
            body, headers = entry
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


# Written as strings: werkzeug's header objects cost more than the rest of a 304.
CACHE_HEADERS = {
    True: (("Vary", "Accept-Encoding"), ("Cache-Control", "public, max-age=300")),  # feeds
    False: (("Vary", "Accept-Encoding, Cookie"), ("Cache-Control", "public, no-cache")),  # pages
}


def _cache_headers(response: Response, etag: str, feed: bool) -> None:
    """ETag, Vary and Cache-Control of a kept response (one that has none of them yet)."""
    response.headers["ETag"] = quote_etag(etag)
    for name, value in CACHE_HEADERS[feed]:
        response.headers[name] = value


def _not_modified(etag: str, feed: bool) -> Response:
    return Response(status=304, headers=[("ETag", quote_etag(etag)), *CACHE_HEADERS[feed]])
