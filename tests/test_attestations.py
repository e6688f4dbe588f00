"""Name badges and attestations de présence: the PDFs read back with pypdf (text, pages) and their QR
code decoded with zxing-cpp; attestations only for the people present, with the hours of each day
they came; the verification address; closing the attendance and the e-mails; erasure."""

import io
from datetime import time, timedelta

import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from rtes_events import attestations, badges, clock, registrations
from rtes_events.extensions import db
from rtes_events.hookspecs import hookimpl
from rtes_events.models import AuditEntry, CheckIn, OutboxMessage, Slot

from .conftest import OWN_CLUB, csrf_token, login

BOTH_DATABASES = True


def read(content: bytes) -> PdfReader:
    assert content.startswith(b"%PDF")
    return PdfReader(io.BytesIO(content))


def qr_codes(reader: PdfReader) -> list[str]:
    """The text of every QR code drawn in the PDF, page by page."""
    found = []
    for page in reader.pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            found += [barcode.text for barcode in zxingcpp.read_barcodes(picture)]
    return found


@pytest.fixture
def rencontre(clubs, make_event):
    """A two-day on-site rencontre of the Île-de-France club, 9 h – 17 h each day, three weeks ahead."""
    starts = clock.to_utc(clock.local_today() + timedelta(days=21), time(9))
    return make_event(
        kind="club",
        club=clubs[OWN_CLUB],
        title="Rencontre « Économie & cœur » des territoires",
        mode="onsite",
        venue="Maison de l'ESS",
        city="Paris",
        starts_at=starts,
        ends_at=starts + timedelta(days=1, hours=8),
    )


def register(event, make_registration, *names):
    return [
        make_registration(event, email=f"p{n}@example.org", first_name=first, last_name=last)
        for n, (first, last) in enumerate(name.split(" ", 1) for name in names)
    ]


def started(event) -> None:
    """Move ``event`` into the past by two days (its registrations made beforehand)."""
    event.starts_at -= timedelta(days=23)
    event.ends_at -= timedelta(days=23)
    db.session.commit()


def test_badges_on_a4_sheets_of_eight_sorted_by_name_with_the_atelier(
    client, rencontre, make_registration, make_user
):
    names = ["Zoé Zola", "Anaïs Œuvrard", "Jean-François D'Alembert-Castelnau-de-la-Très-Longue-Lignée"]
    people = register(rencontre, make_registration, *names, *(f"Personne N{n}" for n in range(6)))
    atelier = Slot(title="Atelier circuits courts", starts=time(14), ends=time(16), choice="Ateliers")
    rencontre.slots.append(atelier)
    people[0].slots.append(atelier)
    db.session.commit()
    login(client, make_user("coorganiser", clubs=[OWN_CLUB]))
    response = client.get(f"/espace/evenements/{rencontre.id}/badges.pdf")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    pages = read(response.get_data()).pages
    assert len(pages) == 2  # 9 badges, 8 per sheet
    first = pages[0].extract_text()
    assert "Rencontre « Économie & cœur » des territoires" in first and "Anaïs Œuvrard" in first
    assert first.index("D'Alembert") < first.index("Œuvrard")  # by name
    assert (
        "Zoé Zola" in pages[1].extract_text()
        and "Atelier : Atelier circuits courts" in pages[1].extract_text()
    )
    listed = client.get(f"/espace/evenements/{rencontre.id}/inscrits").get_data(as_text=True)
    assert f"badges.pdf?inscription={people[1].id}" in listed  # each person's own badge
    one = client.get(f"/espace/evenements/{rencontre.id}/badges.pdf?inscription={people[1].id}")
    assert len(read(one.get_data()).pages) == 1 and "Œuvrard" in read(one.get_data()).pages[0].extract_text()
    for bad in ("abc", "99999999999999999999999", "-1", "%3Cb%3E"):
        assert (
            client.get(f"/espace/evenements/{rencontre.id}/badges.pdf?inscription={bad}").status_code == 404
        )


def test_only_on_site_people_get_a_badge_and_remote_ones_attended_at_a_distance(
    make_event, make_registration
):
    hybrid = make_event(mode="hybrid")
    remote = make_registration(hybrid, email="remi@example.org", last_name="Distant", mode="remote")
    onsite = make_registration(hybrid, email="sam@example.org", last_name="Salle", mode="onsite")
    assert badges.badged(hybrid) == [onsite]
    assert attestations.place(remote) == "à distance" and attestations.place(onsite) == "sur place"
    assert badges.badged(make_event(mode="online")) == []


def test_closing_the_attendance_issues_attestations_to_the_people_present_with_their_hours(
    app, client, rencontre, make_registration, make_user, outbox_messages
):
    rencontre.send_attestations = True
    one_day, both_days, absent, unmarked = register(
        rencontre, make_registration, "Léa Unjour", "Théo Deuxjours", "Ali Absent", "Noé Nonrelevé"
    )
    started(rencontre)
    first_day = clock.to_local(rencontre.starts_at).date()
    db.session.add(CheckIn(registration=one_day, event_id=rencontre.id, day=first_day, scan_id="scan-1"))
    registrations.mark_attendance(both_days, True)
    registrations.mark_attendance(absent, False)
    db.session.commit()
    login(client, make_user("coorganiser", clubs=[OWN_CLUB]))
    page = f"/espace/evenements/{rencontre.id}/presences"
    assert client.get(f"/inscription/{both_days.token}/attestation.pdf").status_code == 404  # not closed yet
    closed = client.post(page + "/cloture", data={"csrf_token": csrf_token(client, page)})
    assert closed.status_code == 303
    assert "2 attestations délivrées et envoyées par e-mail" in client.get(page).get_data(as_text=True)
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.closed"))
    assert rencontre.attendance_closed_at is not None

    facts = attestations.of_registration(one_day).facts
    assert [item["minutes"] for item in facts["days"]] == [480] and facts["place"] == "Maison de l'ESS, Paris"
    assert attestations.of_registration(both_days).facts["minutes"] == 960
    assert attestations.of_registration(absent) is None and attestations.of_registration(unmarked) is None

    mine = client.get(f"/inscription/{one_day.token}/attestation.pdf")
    reader = read(mine.get_data())
    text = " ".join(reader.pages[0].extract_text().split())
    code = attestations.of_registration(one_day).code
    for expected in (
        "Léa Unjour",
        "« Rencontre « Économie & cœur » des territoires »",
        "8 h",
        "Maison de l'ESS",
    ):
        assert expected in text
    assert qr_codes(reader) == [f"{app.config['RTES_BASE_URL'].rstrip('/')}/attestations/{code}"]
    assert "Télécharger mon attestation" in client.get(f"/inscription/{one_day.token}/").get_data(
        as_text=True
    )
    assert client.get(f"/inscription/{absent.token}/attestation.pdf").status_code == 404
    everyone = client.get(f"/espace/evenements/{rencontre.id}/attestations.pdf")
    assert len(read(everyone.get_data()).pages) == 2

    sent = [m for m in outbox_messages() if m["Subject"].startswith("Votre attestation de présence")]
    assert sorted(message["To"] for message in sent) == ["p0@example.org", "p1@example.org"]
    attached = next(sent[0].iter_attachments())
    assert attached.get_content_type() == "application/pdf"
    assert "Attestation de présence" in read(attached.get_content()).pages[0].extract_text()
    # Closed again: nothing issued twice, the facts stay as issued.
    client.post(page + "/cloture", data={"csrf_token": csrf_token(client, page)})
    assert len(attestations.of_event(rencontre)) == 2
    assert db.session.query(OutboxMessage).filter_by(purpose="attestation").count() == 2


def test_the_verification_address_shows_the_facts_as_issued_and_nothing_else(
    client, rencontre, make_registration
):
    person, other = register(rencontre, make_registration, "Léa Vérifiée", "Max Effacé")
    started(rencontre)
    registrations.mark_all_present(rencontre)
    db.session.commit()
    attestations.close_attendance(rencontre)
    code, withdrawn = (attestations.of_registration(r).code for r in (person, other))
    shown = client.get(f"/attestations/{code}")
    html = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Léa Vérifiée" in html and "16 h" in html
    assert "p0@example.org" not in html and person.token not in html  # nothing beyond the facts
    assert shown.headers["Cache-Control"] == "no-store" and "noindex" in shown.headers["X-Robots-Tag"]
    registrations.erase(other)
    gone = client.get(f"/attestations/{withdrawn}")
    assert gone.status_code == 404 and "a été retirée" in gone.get_data(as_text=True)
    assert "Effacé" not in gone.get_data(as_text=True)
    for unknown in ("inconnu", "x" * 10_000, "%3Cscript%3E", "12345678901234567890123"):
        answer = client.get(f"/attestations/{unknown}")
        assert answer.status_code == 404 and "Aucune attestation" in answer.get_data(as_text=True)


def test_the_attendance_closes_only_once_the_event_has_begun(client, rencontre, make_user):
    login(client, make_user("coorganiser", clubs=[OWN_CLUB]))
    page = f"/espace/evenements/{rencontre.id}/presences"
    refused = client.post(page + "/cloture", data={"csrf_token": csrf_token(client, page)})
    assert refused.status_code == 303 and rencontre.attendance_closed_at is None
    assert "Les présences se clôturent une fois la session commencée" in client.get(page).get_data(
        as_text=True
    )
    assert client.post(page + "/cloture").status_code == 400  # no CSRF token


HOSTILE = ["<script>alert(1)</script>", "a\x00b", "x" * 10_000, "12345678901234567890123", "2026-02-30"]


def test_the_signatory_is_set_by_admins_and_printed_on_the_next_attestations(
    client, rencontre, make_registration, make_user
):
    page = "/espace/attestations/signataire"
    login(client, make_user("coorganiser", clubs=[OWN_CLUB]))
    assert client.get(page).status_code == 403
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/espace/")})
    login(client, make_user("admin"))
    for value in HOSTILE:
        answer = client.post(
            page, data={"name": value, "role": value, "csrf_token": csrf_token(client, page)}
        )
        assert answer.status_code in (303, 400), value
        if answer.status_code == 400:
            assert "500" not in answer.get_data(as_text=True)
    saved = client.post(
        page,
        data={"name": "Chloé Œillet", "role": "Déléguée générale", "csrf_token": csrf_token(client, page)},
    )
    assert saved.status_code == 303 and attestations.signatory() == {
        "name": "Chloé Œillet",
        "role": "Déléguée générale",
    }
    assert (
        client.post(
            page, data={"name": "Chloé", "role": "", "csrf_token": csrf_token(client, page)}
        ).status_code
        == 400
    )
    (person,) = register(rencontre, make_registration, "Léa Signée")
    started(rencontre)
    registrations.mark_attendance(person, True)
    attestations.close_attendance(rencontre)
    text = read(attestations.document(attestations.of_event(rencontre))).pages[0].extract_text()
    assert "Chloé Œillet" in text and "Déléguée générale" in text


class Partner:
    @hookimpl
    def rtes_attestation_details(self, registration):
        return [("Code de la session", f"S-{registration.event.slug}")]


def test_hook_rtes_attestation_details(app, rencontre, make_registration):
    app.extensions["rtes_plugins"].register(Partner(), name="partner")
    (person,) = register(rencontre, make_registration, "Léa Partenaire")
    started(rencontre)
    registrations.mark_attendance(person, True)
    attestations.close_attendance(rencontre)
    attestation = attestations.of_registration(person)
    assert attestation.facts["details"] == [["Code de la session", f"S-{rencontre.slug}"]]
    text = read(attestations.document([attestation])).pages[0].extract_text()
    assert f"Code de la session : S-{rencontre.slug}" in " ".join(text.split())
