"""Registration limits behind a reverse proxy: per client address (flood) and per e-mail address."""

from datetime import timedelta

import pytest
from flask import request

from rtes_events import clock
from rtes_events.extensions import db
from rtes_events.models import Event

from .conftest import PERSON, csrf_token

FORM = {**PERSON, "consent": "y"}
URL = "/evenements/limite/inscription"


@pytest.fixture(params=["memoire", "redis"])
def storage(request) -> str:
    """Where the limits count: in the process (one server), or in the shared Redis of several."""
    return request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"


@pytest.fixture
def limited(app_factory, storage):
    """An application with the limits on, and an event open for registration."""
    apps = []

    def factory(**config):
        app = app_factory(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=storage, **config)
        apps.append(app)
        with app.app_context():
            starts = clock.now() + timedelta(days=10)
            db.session.add(
                Event(
                    slug="limite",
                    kind="webinaire",
                    title="Limite",
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=1),
                    status="published",
                )
            )
            db.session.commit()
            db.session.remove()
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.engine.dispose()


def post(client, email: str, address: str | None = None, **changes) -> int:
    headers = {"X-Forwarded-For": address} if address else {}
    data = {**FORM, "csrf_token": csrf_token(client, URL), "email": email, **changes}
    return client.post(URL, data=data, headers=headers).status_code


def test_the_client_address_is_the_one_the_trusted_proxy_saw(limited):
    app = limited(RTES_PROXY_HOPS=1)
    with app.test_client() as client:
        client.get(
            "/healthz",
            headers={
                "X-Forwarded-For": "203.0.113.9",
                "X-Forwarded-Proto": "https",
                "X-Forwarded-Host": "rtes.fr",
            },
        )
        assert (request.remote_addr, request.scheme, request.host) == ("203.0.113.9", "https", "rtes.fr")


def test_without_a_proxy_forwarded_headers_are_ignored(limited):
    app = limited()
    with app.test_client() as client:
        client.get("/healthz", headers={"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"})
        assert (request.remote_addr, request.scheme) == ("127.0.0.1", "http")


def test_only_the_trusted_hops_are_believed(limited):
    """With one proxy, the address it appended counts; what the client wrote before it does not."""
    app = limited(RTES_PROXY_HOPS=1)
    with app.test_client() as client:
        client.get("/healthz", headers={"X-Forwarded-For": "10.6.6.6, 198.51.100.7"})
        assert request.remote_addr == "198.51.100.7"


def test_a_flood_from_one_address_is_refused_but_distinct_people_behind_the_proxy_pass(limited):
    app = limited(RTES_PROXY_HOPS=1, RTES_REGISTRATION_RATE_LIMIT="3 per minute")
    client = app.test_client()
    people = [post(client, f"p{n}@example.org", f"198.51.100.{n}") for n in range(1, 11)]
    assert people == [303] * 10  # ten people at once, one proxy: each is their own address
    flood = [post(client, f"bot{n}@example.org", "203.0.113.66") for n in range(5)]
    assert flood == [303, 303, 303, 429, 429]
    assert post(client, "p11@example.org", "198.51.100.11") == 303


def test_a_spoofed_forwarded_header_does_not_escape_the_limit_without_a_proxy(limited):
    app = limited(RTES_REGISTRATION_RATE_LIMIT="2 per minute")
    client = app.test_client()
    codes = [post(client, f"p{n}@example.org", f"198.51.100.{n}") for n in range(3)]
    assert codes == [303, 303, 429]


def test_one_email_address_is_limited_whatever_its_case_tag_or_client_address(limited):
    app = limited(RTES_PROXY_HOPS=1, RTES_REGISTRATION_EMAIL_RATE_LIMIT="2 per hour")
    client = app.test_client()
    assert post(client, "camille@example.org", "198.51.100.1") == 303  # registered
    assert post(client, "camille@example.org", "198.51.100.1", first_name="") == 400  # not counted
    assert post(client, "Camille+rtes@Example.org", "198.51.100.2") == 303  # the link sent again
    assert post(client, "CAMILLE@example.org ", "198.51.100.3") == 429
    assert post(client, "dominique@example.org", "198.51.100.3") == 303
