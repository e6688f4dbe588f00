"""Fetching a followed calendar over HTTP(S) with requests, guarded: only ``http(s)`` (``webcal://``
is https), never a private, loopback, link-local or reserved address unless allowed (the address is
checked when each connection opens, so every redirect and every DNS answer is checked again), a
timeout for the whole download, a size limit read as it streams, a content type, and conditional
requests (ETag, Last-Modified: a 304 changes nothing). Failures are ``FetchFailed``, in French."""

import ipaddress
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

MAX_REDIRECTS = 5
CHUNK = 64 * 1024
MAX_RETRY_AFTER = 24 * 3600  # seconds: a longer wait asked by a server is cut to a day
USER_AGENT = "rtes-events (agenda du RTES ; suivi de calendriers iCalendar)"
# What calendar servers send their feeds as: iCalendar's own types, and the generic ones that many
# servers give to any ``.ics`` file. An HTML page (a calendar's web page, a login) is refused.
CALENDAR_TYPES = {
    "text/calendar",
    "application/ics",
    "application/calendar",
    "text/x-vcalendar",
    "application/octet-stream",
    "text/plain",
    "application/force-download",
    "application/x-download",
}
REDIRECTS = (301, 302, 303, 307, 308)


class FetchFailed(Exception):
    """The calendar could not be fetched; the message says why, in French. ``retry_after``: the
    seconds the server asked us to wait (``Retry-After``), if any."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Fetched:
    """A calendar's answer: its bytes (None: not modified since the validators sent) and validators."""

    body: bytes | None
    etag: str | None
    last_modified: str | None


def calendar_url(text: str) -> str:
    """The address to fetch for what an admin typed: ``webcal(s)://`` becomes ``https://``; anything
    but an http(s) address with a host is refused (ValueError, in French)."""
    value = "".join(str(text or "").split())
    parts = urlsplit(value)
    scheme = parts.scheme.lower()
    if scheme in ("webcal", "webcals"):
        scheme = "https"
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "L'adresse du calendrier doit commencer par https:// (ou webcal://) et nommer un serveur."
        )
    if parts.username or parts.password:
        raise ValueError("L'adresse du calendrier ne doit pas contenir d'identifiant ni de mot de passe.")
    return urlunsplit((scheme, parts.netloc.lower(), parts.path or "/", parts.query, ""))


def fetch(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20,
    max_bytes: int = 10 * 1024 * 1024,
    allow_private: tuple = (),
) -> Fetched:
    """GET ``url``, following up to ``MAX_REDIRECTS`` redirects, each checked as the first address.
    ``timeout`` bounds the connection, each read and the whole download."""
    deadline = time.monotonic() + timeout
    headers = {"User-Agent": USER_AGENT, "Accept": "text/calendar, application/ics;q=0.9, */*;q=0.1"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with requests.Session() as session:
        session.trust_env = False  # no proxy nor .netrc from the environment: the address is ours to check
        adapter = _GuardedAdapter(allow_private)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        for _ in range(MAX_REDIRECTS + 1):
            response = _get(session, url, headers, timeout)
            with response:
                if response.status_code in REDIRECTS and response.headers.get("Location"):
                    url = calendar_url(urljoin(url, response.headers["Location"]))
                    continue
                return _read(response, max_bytes, deadline, timeout)
    raise FetchFailed(f"Le serveur du calendrier redirige plus de {MAX_REDIRECTS} fois : abandon.")


def _get(session: requests.Session, url: str, headers: dict, timeout: float) -> requests.Response:
    host = urlsplit(url).hostname
    try:
        return session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=False)
    except Blocked as exc:
        raise FetchFailed(str(exc)) from None
    except requests.exceptions.SSLError:
        raise FetchFailed(f"Le certificat HTTPS de {host} n'est pas valide.") from None
    except requests.exceptions.Timeout:
        raise FetchFailed(f"Le serveur {host} n'a pas répondu à temps ({timeout:g} s).") from None
    except requests.exceptions.RequestException:
        raise FetchFailed(f"Le serveur {host} est injoignable.") from None


def _read(response: requests.Response, max_bytes: int, deadline: float, timeout: float) -> Fetched:
    """The body of a final answer, or why it is refused."""
    etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
    if response.status_code == 304:
        return Fetched(None, etag, modified)
    if response.status_code in (429, 503):
        wait = retry_after(response.headers.get("Retry-After"))
        raise FetchFailed(
            f"Le serveur du calendrier demande d'attendre (erreur {response.status_code}).", wait
        )
    if response.status_code != 200:
        raise FetchFailed(f"Le serveur du calendrier a répondu par une erreur {response.status_code}.")
    kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if kind and kind not in CALENDAR_TYPES:
        raise FetchFailed(
            f"L'adresse donne une page de type « {kind[:60]} », pas un calendrier iCalendar : "
            "indiquez le lien d'abonnement du calendrier (souvent en .ics)."
        )
    too_big = FetchFailed(f"Le calendrier dépasse la taille admise ({max_bytes / 1024 / 1024:g} Mo).")
    if int(response.headers.get("Content-Length") or 0) > max_bytes:
        raise too_big
    body = bytearray()
    try:
        for chunk in response.iter_content(CHUNK):
            body += chunk
            if len(body) > max_bytes:
                raise too_big
            if time.monotonic() > deadline:
                raise FetchFailed(f"Le calendrier arrive trop lentement (plus de {timeout:g} s).")
    except requests.exceptions.RequestException:
        raise FetchFailed("La lecture du calendrier a été interrompue.") from None
    return Fetched(bytes(body), etag, modified)


def retry_after(text: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), at most a day."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        return min(float(text), MAX_RETRY_AFTER)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max((when - datetime.now(UTC)).total_seconds(), 0.0), MAX_RETRY_AFTER)


class Blocked(Exception):
    """A connection refused before it opens (its address is not public); the message is French."""


def public_address(host: str, port: int, allowed: tuple) -> str:
    """An address of ``host`` to connect to: the first one that is public or in one of the
    ``allowed`` networks; Blocked when none is."""
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise Blocked(f"Le serveur {host} est introuvable (nom inconnu).") from None
    for *_, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0].split("%")[0])
        if address.is_global or any(address in network for network in allowed):
            return str(address)
    raise Blocked(
        f"L'adresse de {host} est privée ou locale : elle n'est pas suivie "
        "(RTES_SOURCES_ALLOW_PRIVATE=1 l'autorise, pour un intranet)."
    )


class _Guarded:
    """A connection that opens only to the address ``public_address`` chose, as checked now (the
    host name still names the server for TLS and the Host header)."""

    allow_private: tuple = ()

    def _new_conn(self):
        named = self._dns_host
        self._dns_host = public_address(named, self.port, self.allow_private)
        try:
            return super()._new_conn()
        finally:
            self._dns_host = named


class _GuardedAdapter(HTTPAdapter):
    """requests' adapter whose pools open only guarded connections; no retries (the schedule retries)."""

    def __init__(self, allow_private: tuple):
        self.allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        flags = {"allow_private": self.allow_private}
        plain = type("GuardedHTTPConnection", (_Guarded, HTTPConnection), flags)
        secure = type("GuardedHTTPSConnection", (_Guarded, HTTPSConnection), flags)
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": plain}),
            "https": type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": secure}),
        }
