"""Feeds and e-mail attachments as libical reads them (Evolution, GNOME Calendar): parsed without
error and within RFC 5546's restrictions for ``METHOD:PUBLISH`` (``icalrestriction_check``).

A small C program, compiled here against Debian's libical-dev, does the check.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from rtes_events import feeds, registrations
from rtes_events.demo.loader import load_demo

SOURCE = Path(__file__).parent / "libical" / "restrictions.c"


@pytest.fixture(scope="module")
def libical(tmp_path_factory) -> Path:
    compiler, pkg_config = shutil.which("cc"), shutil.which("pkg-config")
    flags = None
    if compiler and pkg_config:
        found = subprocess.run([pkg_config, "--cflags", "--libs", "libical"], capture_output=True, text=True)  # noqa: S603
        flags = found.stdout.split() if found.returncode == 0 else None
    if flags is None:
        message = "a C compiler, pkg-config and libical-dev are needed (make test installs them)"
        if os.environ.get("RTES_TEST_REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    program = tmp_path_factory.mktemp("libical") / "restrictions"
    subprocess.run([compiler, "-O1", "-o", str(program), str(SOURCE), *flags], check=True)  # noqa: S603
    return program


def libical_errors(program: Path, body: bytes, tmp_path) -> list[str]:
    path = tmp_path / "calendar.ics"
    path.write_bytes(body)
    result = subprocess.run([str(program), str(path)], capture_output=True, text=True, timeout=60)  # noqa: S603
    assert result.returncode in (0, 1), result.stderr
    return result.stdout.splitlines()


def test_the_checker_sees_a_missing_organizer(libical, tmp_path):
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//FR\r\nMETHOD:PUBLISH\r\nBEGIN:VEVENT\r\n"
        b"UID:1@test\r\nDTSTAMP:20250101T000000Z\r\nDTSTART:20250102T100000Z\r\nSUMMARY:Test\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert any("ORGANIZER" in error for error in libical_errors(libical, body, tmp_path))


def test_every_public_feed_passes_libical(app, client, libical, tmp_path, make_event):
    load_demo()
    make_event(status="cancelled", mode="hybrid", venue="Salle", city="Lyon")
    make_event(status="postponed")
    urls = ["/agenda.ics", "/agenda.ics?periode=passes", "/clubs/club-ess-ile-de-france.ics"]
    urls += ["/evenements/evenement-1.ics", "/evenements/evenement-2.ics"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert b"BEGIN:VEVENT" in response.data, url
        assert libical_errors(libical, response.data, tmp_path) == [], url


def test_attachments_and_personal_feeds_pass_libical(
    client, libical, tmp_path, make_event, make_registration
):
    event = make_event(online_url="https://visio.example.org/salle", capacity=1)
    confirmed = make_registration(event)
    waitlisted = make_registration(event, email="dominique@example.org")
    for registration in (confirmed, waitlisted):
        assert libical_errors(libical, feeds.registration_ics(registration), tmp_path) == []
    token = registrations.calendar_token(confirmed.email).token
    registrations.cancel(confirmed)
    body = client.get(f"/mon-agenda/{token}.ics").data
    assert b"STATUS:CANCELLED" in body
    assert libical_errors(libical, body, tmp_path) == []
