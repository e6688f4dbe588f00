"""Replays: import, catalogue, access rules for every role, uploads, announcements, counts, Atom."""

import html
import io
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from rtes_events import clock, importer, opt_outs, replays
from rtes_events.demo.loader import load_demo
from rtes_events.extensions import db
from rtes_events.models import Club, Replay, ReplayCount, ReplayResource
from rtes_events.videos import parse_chapters, video_of

from .conftest import OTHER_CLUB, OWN_CLUB, csrf_token, login

BOTH_DATABASES = True
ATOM = "{http://www.w3.org/2005/Atom}"
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
VTT = "WEBVTT\n\n00:00.000 --> 00:02.000\nBonjour à toutes et à tous\n".encode()
LOCK = "réservé aux collectivités adhérentes"


@pytest.fixture
def past_event(make_event, clubs):
    """A club session of the Île-de-France club that took place ten days ago."""

    def factory(days_ago: int = 10, **values):
        starts = clock.now() - timedelta(days=days_ago)
        values = {
            "kind": "club",
            "club": clubs[OWN_CLUB],
            "starts_at": starts,
            "ends_at": starts + timedelta(hours=2),
            **values,
        }
        return make_event(**values)

    return factory


@pytest.fixture
def users(make_user, clubs):
    return {
        "admin": make_user("admin"),
        "coorganiser": make_user("coorganiser", clubs=[OWN_CLUB]),
        "other_coorganiser": make_user("coorganiser", clubs=[OTHER_CLUB]),
        "member": make_user("member"),
    }


def upload(name: str, data: bytes):
    return (io.BytesIO(data), name)


def post_file(client, event, route: str, data: bytes, name: str, access: str = "members"):
    url = f"/espace/evenements/{event.id}/replay/{route}"
    form = {"csrf_token": csrf_token(client, url), "file": upload(name, data), "access": access}
    return client.post(url, data=form, content_type="multipart/form-data")


def switch(client, user) -> None:
    """Sign out whoever is signed in, then sign ``user`` in (or nobody)."""
    client.post("/deconnexion", data={"csrf_token": csrf_token(client, "/replays/")})
    if user is not None:
        login(client, user)


def post_form(client, path: str, **fields):
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


@pytest.fixture
def members_replay(client, past_event, users):
    """A published replay: a public YouTube video with chapters, members-only slides (PDF) and a
    members-only summary; attached and published by the admin through the workspace."""
    event = past_event(title="Séance sur les tiers-lieux")
    login(client, users["admin"])
    base = f"/espace/evenements/{event.id}/replay"
    assert (
        post_form(
            client,
            f"{base}/video",
            url="https://www.youtube.com/watch?v=dQw4w9WgXcQ",
            access="public",
            chapters="0:00 Accueil\n12:30 Débat",
        ).status_code
        == 303
    )
    assert post_file(client, event, "diaporama", PDF, "présentation.pdf").status_code == 303
    assert (
        post_form(
            client, f"{base}/synthese", text="## Points clés\n\n* le **réemploi**", access="members"
        ).status_code
        == 303
    )
    assert post_form(client, f"{base}/publier").status_code == 303
    switch(client, None)
    return event


# --- Import ---------------------------------------------------------------------------------------


def test_the_seed_s_fifteen_replays_are_imported_and_shown(app, client):
    load_demo()
    assert (
        db.session.scalar(select(func.count()).select_from(Replay).where(Replay.published_at.isnot(None)))
        == 15
    )
    assert load_demo().updated == []  # idempotent
    catalogue = client.get("/replays/").get_data(as_text=True)
    assert "15 replays" in catalogue
    idealco = db.session.scalar(select(Replay).where(Replay.host == "idealco"))
    page = client.get(f"/replays/{idealco.event.slug}/").get_data(as_text=True)
    assert "Replay disponible sur le site d'IdealCo" in page and "<iframe" not in page
    slides = db.session.scalar(select(Replay).where(Replay.slides_announced))
    page = client.get(f"/replays/{slides.event.slug}/").get_data(as_text=True)
    assert "Replay publié par le RTES" in page and "Un diaporama a été présenté" in page
    event_page = client.get(f"/evenements/{slides.event.slug}/").get_data(as_text=True)
    assert f'href="/replays/{slides.event.slug}/"' in event_page
    assert client.get("/replays/?ressource=slides").get_data(as_text=True).count('class="event-item"') == 1


def test_the_import_schema_takes_a_replay_object(app):
    item = {
        "kind": "webinaire",
        "title": "Webinaire importé",
        "start": "2024-02-01",
        "replay": {
            "host": "rtes",
            "url": "https://vimeo.com/123456",
            "slides_url": "https://example.org/diapos.pdf",
            "summary": "Synthèse *importée*",
            "access": "members",
        },
    }
    importer.import_data({"events": [item]})
    replay = db.session.scalar(select(Replay))
    assert replay.is_published and replay.notified_at is not None  # imports announce nothing
    assert {r.kind: (r.url or r.text, r.access) for r in replay.resources} == {
        "video": ("https://vimeo.com/123456", "members"),
        "slides": ("https://example.org/diapos.pdf", "members"),
        "summary": ("Synthèse *importée*", "members"),
    }
    assert importer.import_data({"events": [item]}).unchanged == ["2024-02-01-webinaire-importe"]
    with pytest.raises(importer.InvalidImport, match="replay.access"):
        importer.import_data({"events": [{**item, "replay": {"access": "tous"}}]})
    with pytest.raises(importer.InvalidImport, match="adresse web invalide"):
        importer.import_data({"events": [{**item, "replay": {"url": "javascript:alert(1)"}}]})


# --- Access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "reads"),
    [(None, False), ("member", True), ("admin", True), ("coorganiser", True), ("other_coorganiser", False)],
)
def test_members_only_resources_for_every_role(app, client, members_replay, users, role, reads):
    if role:
        login(client, users[role])
    page = client.get(f"/replays/{members_replay.slug}/")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Lancer la vidéo" in body  # the public video, for all
    assert ("le <strong>réemploi</strong>" in body) is reads
    assert ("connectez-vous" in body) is not reads
    file = client.get(f"/replays/{members_replay.slug}/fichiers/diaporama")
    if reads:
        assert file.status_code == 200 and file.data == PDF
        assert file.headers["Content-Type"] == "application/pdf"
        assert file.headers["Content-Disposition"].startswith("attachment;")
        assert "no-store" in file.headers["Cache-Control"] and "private" in file.headers["Cache-Control"]
    elif role is None:
        assert file.status_code == 302 and file.headers["Location"].startswith("/connexion?next=")
    else:
        assert file.status_code == 403 and file.data != PDF


def test_files_are_not_reachable_by_guessing(app, client, members_replay, users, past_event):
    stored = db.session.scalar(select(ReplayResource.stored_name).where(ReplayResource.kind == "slides"))
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored)
    assert (Path(app.instance_path) / "uploads" / stored).read_bytes() == PDF
    login(client, users["member"])
    for path in (
        f"/uploads/{stored}",
        f"/static/{stored}",
        f"/replays/{members_replay.slug}/fichiers/{stored}",
        f"/replays/{members_replay.slug}/fichiers/sous-titres",
        "/replays/inconnu/fichiers/diaporama",
    ):
        assert client.get(path).status_code == 404, path
    # Withdrawn: neither the page nor the file, even for a member.
    switch(client, users["admin"])
    post_form(client, f"/espace/evenements/{members_replay.id}/replay/retirer")
    switch(client, users["member"])
    assert client.get(f"/replays/{members_replay.slug}/").status_code == 404
    assert client.get(f"/replays/{members_replay.slug}/fichiers/diaporama").status_code == 404


def test_the_player_loads_only_when_asked_from_a_privacy_friendly_host(app, client, members_replay):
    page = client.get(f"/replays/{members_replay.slug}/")
    assert "<iframe" not in page.get_data(as_text=True)
    assert "frame-src" not in page.headers["Content-Security-Policy"]
    playing = client.get(f"/replays/{members_replay.slug}/?lecture=1&t=750")
    body = playing.get_data(as_text=True)
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?start=750"' in body
    assert playing.headers["Content-Security-Policy"].endswith("frame-src https://www.youtube-nocookie.com")
    assert "12:30 — Débat" in body


def test_video_addresses():
    assert (
        video_of("https://youtu.be/dQw4w9WgXcQ").embed == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    )
    assert video_of("https://vimeo.com/76979871").embed == "https://player.vimeo.com/video/76979871?dnt=1"
    peertube = video_of("https://tube.example.org/w/kkGMgK9ZtnKfYAgnEtQxbv")
    assert peertube.embed == "https://tube.example.org/videos/embed/kkGMgK9ZtnKfYAgnEtQxbv"
    assert peertube.origin == "https://tube.example.org"
    idealco = video_of("https://www.idealco.fr/formation/webinaire-ess-123")
    assert idealco.embed is None and idealco.host == "IdealCo"
    assert parse_chapters("1:02:03 - Fin\n0:00 Début") == [[0, "Début"], [3723, "Fin"]]
    with pytest.raises(ValueError, match="ligne 2"):
        parse_chapters("0:00 Début\nquestions")


# --- Workspace and uploads ----------------------------------------------------------------------------


def test_uploads_refused_when_too_large_or_of_the_wrong_type(app, client, past_event, users):
    event = past_event()
    login(client, users["coorganiser"])
    app.config["RTES_UPLOAD_MAX_MB"] = 0.01  # about 10 KB
    uploads = Path(app.instance_path) / "uploads"

    def refused(response, message: str) -> None:
        assert 400 <= response.status_code < 500, response.status_code
        assert message in html.unescape(response.get_data(as_text=True))
        assert not list(uploads.glob("*")) if uploads.exists() else True
        assert db.session.scalar(select(func.count()).select_from(ReplayResource)) == 0

    refused(
        post_file(client, event, "diaporama", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "faux.pdf"),
        "n'est pas au format PDF",
    )
    refused(
        post_file(client, event, "diaporama", PDF + b"0" * 20_000, "gros.pdf"), "dépasse la taille autorisée"
    )
    refused(
        post_file(client, event, "diaporama", PDF + b"0" * 200_000, "énorme.pdf"), "Envoi trop volumineux"
    )
    refused(post_file(client, event, "diaporama", b"", "vide.pdf"), "Le fichier envoyé est vide")
    post_form(
        client, f"/espace/evenements/{event.id}/replay/video", url="https://vimeo.com/1", access="public"
    )
    refused_vtt = post_file(client, event, "sous-titres", b"1\n00:00:00,000 --> 00:00:02,000\nSRT\n", "s.vtt")
    assert refused_vtt.status_code == 400
    assert "n'est pas au format WebVTT" in html.unescape(refused_vtt.get_data(as_text=True))
    assert post_file(client, event, "sous-titres", VTT, "s.vtt").status_code == 303
    captions = db.session.scalar(select(ReplayResource).where(ReplayResource.kind == "captions"))
    assert captions.content_type == "text/vtt" and captions.access == "public"
    # Other forms keep the small limit.
    big = client.post(
        f"/espace/evenements/{event.id}/replay/synthese",
        data={
            "csrf_token": csrf_token(client, f"/espace/evenements/{event.id}/replay/video"),
            "text": "x" * 1_100_000,
        },
    )
    assert big.status_code == 413


@pytest.fixture
def full_disk(app):
    """The uploads folder on a 16 KB file system of its own (tmpfs, mounted as root): a real full disk."""
    folder = Path(app.instance_path) / "uploads"
    folder.mkdir(parents=True)
    mounted = subprocess.run(  # noqa: S603
        ["/bin/mount", "-t", "tmpfs", "-o", "size=16k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode:
        pytest.skip(f"no tmpfs can be mounted here: {mounted.stderr.decode().strip()}")
    yield folder
    subprocess.run(["/bin/umount", str(folder)], check=True)  # noqa: S603


STORAGE_FAILED = "l'espace de stockage de la plateforme est plein ou inaccessible"


def test_a_full_disk_refuses_the_upload_clearly_and_writes_nothing(app, client, past_event, users, full_disk):
    event = past_event()
    login(client, users["coorganiser"])
    answer = post_file(client, event, "diaporama", PDF + b"0" * 40_000, "actes.pdf")
    assert 400 <= answer.status_code < 500
    assert STORAGE_FAILED in html.unescape(answer.get_data(as_text=True))
    assert list(full_disk.iterdir()) == []  # no half-written file
    assert db.session.scalar(select(func.count()).select_from(ReplayResource)) == 0
    assert post_file(client, event, "diaporama", PDF, "court.pdf").status_code == 303  # room for a small one


def test_an_unwritable_uploads_folder_refuses_the_upload_clearly(app, client, past_event, users):
    event = past_event()
    login(client, users["coorganiser"])
    (Path(app.instance_path) / "uploads").write_text("not a folder")
    answer = post_file(client, event, "diaporama", PDF, "actes.pdf")
    assert 400 <= answer.status_code < 500
    assert STORAGE_FAILED in html.unescape(answer.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(ReplayResource)) == 0


def test_workspace_replay_rules(app, client, past_event, make_event, users):
    upcoming = make_event(kind="club", club=db.session.scalar(select(Club).where(Club.slug == OWN_CLUB)))
    login(client, users["coorganiser"])
    assert client.get(f"/espace/evenements/{upcoming.id}/replay/video").status_code == 409
    event = past_event()
    other = past_event(club=db.session.scalar(select(Club).where(Club.slug == OTHER_CLUB)))
    assert client.get(f"/espace/evenements/{other.id}/replay").status_code == 404
    bad = post_form(
        client, f"/espace/evenements/{event.id}/replay/video", url="ftp://x", access="public", chapters="x"
    )
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "doit commencer par https://" in text and "Chapitres, ligne 1" in text
    refused = post_form(client, f"/espace/evenements/{event.id}/replay/publier")
    assert refused.status_code == 303
    assert "Ajoutez au moins une ressource" in client.get(f"/espace/evenements/{event.id}/replay").get_data(
        as_text=True
    )
    preview = post_form(
        client,
        f"/espace/evenements/{event.id}/replay/synthese",
        text="<script>x</script>**gras**",
        access="public",
        step="preview",
    )
    assert "<strong>gras</strong>" in preview.get_data(as_text=True) and "<script>x" not in preview.get_data(
        as_text=True
    )
    post_form(client, f"/espace/evenements/{event.id}/replay/synthese", text="**gras**", access="public")
    post_form(client, f"/espace/evenements/{event.id}/replay/publier")
    log = client.get(f"/espace/evenements/{event.id}/").get_data(as_text=True)
    assert "Replay publié" in log and "Replay modifié" in log


# --- Announcements -----------------------------------------------------------------------------------


def test_registrants_are_told_once_and_may_opt_out(
    app, client, make_event, make_registration, users, outbox_messages, clubs
):
    event = make_event(kind="club", club=clubs[OWN_CLUB], capacity=2)
    confirmed = make_registration(event, email="lea@example.org")
    present = make_registration(event, email="sam@example.org")
    make_registration(event, email="attente@example.org")  # waitlisted: not told
    from rtes_events import registrations

    registrations.cancel(make_registration(event, email="annule@example.org"))
    present.status = "attended"
    event.starts_at, event.ends_at = (
        clock.now() - timedelta(days=3),
        clock.now() - timedelta(days=3, hours=-2),
    )
    db.session.commit()
    before = len(outbox_messages())
    login(client, users["coorganiser"])
    post_form(client, f"/espace/evenements/{event.id}/replay/synthese", text="Synthèse", access="public")
    assert post_form(client, f"/espace/evenements/{event.id}/replay/publier").status_code == 303
    mails = outbox_messages()[before:]
    assert sorted(m["To"] for m in mails) == ["lea@example.org", "sam@example.org"]
    mail = next(m for m in mails if m["To"] == confirmed.email)
    assert mail["Subject"] == f"Replay disponible : {event.title}"
    text = mail.get_body(("plain",)).get_content()
    assert f"http://rtes.test/replays/{event.slug}/" in text
    assert not any(part.get_content_type() == "text/calendar" for part in mail.walk())
    # Withdrawn then published again: nobody is told twice.
    post_form(client, f"/espace/evenements/{event.id}/replay/retirer")
    post_form(client, f"/espace/evenements/{event.id}/replay/publier")
    assert len(outbox_messages()) == before + 2
    # The opt-out link needs no login: a page, then a POST with its CSRF token.
    opt_out = re.search(r"http://rtes\.test(/replays/desabonnement/\S+)", text)[1]
    other = app.test_client()
    assert "Ne plus recevoir ces annonces" in other.get(opt_out).get_data(as_text=True)
    assert other.post(opt_out).status_code == 400  # no CSRF token
    posted = other.post(opt_out, data={"csrf_token": csrf_token(other, opt_out)})
    assert posted.status_code == 303 and posted.headers["Location"] == opt_out
    done = other.get(opt_out)  # reached by GET: a reload sends nothing again
    assert done.status_code == 200 and "ne recevra plus" in done.get_data(as_text=True)
    assert done.headers["Cache-Control"] == "no-store"
    assert other.get(opt_out[:-3] + "abc").status_code == 404  # a forged link
    assert opt_outs.opted_out("LEA@example.org")


# --- Catalogue, feed, counts --------------------------------------------------------------------------


def test_catalogue_filters_year_and_order(app, client, past_event, users):
    old = past_event(days_ago=800, title="Séance ancienne sur l'alimentation")
    recent = past_event(days_ago=5, title="Séance récente sur les tiers-lieux", kind="webinaire", club=None)
    past_event(days_ago=20, title="Séance sans replay")
    login(client, users["admin"])
    for event, route, fields in (
        (old, "video", {"url": "https://vimeo.com/1", "access": "public"}),
        (recent, "synthese", {"text": "Texte", "access": "public"}),
    ):
        post_form(client, f"/espace/evenements/{event.id}/replay/{route}", **fields)
        post_form(client, f"/espace/evenements/{event.id}/replay/publier")
    switch(client, None)

    def titles(query: str = "") -> list[str]:
        return re.findall(
            r'class="event-title"><a [^>]+>([^<]+)<', client.get(f"/replays/{query}").get_data(as_text=True)
        )

    assert titles() == [recent.title, old.title.replace("'", "&#39;")]
    assert titles(f"?annee={clock.to_local(old.starts_at).year}") == [old.title.replace("'", "&#39;")]
    assert titles("?type=webinaire") == [recent.title]
    assert titles(f"?club={OWN_CLUB}") == [old.title.replace("'", "&#39;")]
    assert titles("?ressource=video") == [old.title.replace("'", "&#39;")]
    assert titles("?ressource=summary") == [recent.title]
    assert titles("?q=tiers") == [recent.title]
    for year in ("nimporte", "0000", "9999", "٢٠٢٤"):
        assert titles(f"?annee={year}") == titles()


def test_the_atom_feed_parses_and_hides_private_urls(app, client, members_replay):
    response = client.get("/replays/flux.atom")
    assert response.content_type == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)  # noqa: S314 (the platform's own feed)
    assert feed.tag == f"{ATOM}feed" and feed.find(f"{ATOM}updated").text.endswith("Z")
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [members_replay.title]
    entry = entries[0]
    assert entry.find(f"{ATOM}link").get("href") == f"http://rtes.test/replays/{members_replay.slug}/"
    assert entry.find(f"{ATOM}id").text.startswith("tag:rtes.fr,2019:replay:")
    content = entry.find(f"{ATOM}content").text
    assert "Diaporama : réservé aux collectivités adhérentes" in content
    assert "/fichiers/" not in response.get_data(as_text=True) and "réemploi" not in content


def test_views_and_downloads_are_counted_without_personal_data(app, client, members_replay, users):
    replay = db.session.scalar(select(Replay))
    slug = members_replay.slug
    client.get(f"/replays/{slug}/")
    client.get(f"/replays/{slug}/")
    client.head(f"/replays/{slug}/")
    client.get(f"/replays/{slug}/?lecture=1")
    client.get(f"/replays/{slug}/fichiers/diaporama")  # anonymous: refused, not counted
    login(client, users["member"])
    client.get(f"/replays/{slug}/fichiers/diaporama")
    client.head(f"/replays/{slug}/fichiers/diaporama")
    year = clock.local_today().year
    assert replays.counts(replay) == {year: {"page": 2, "video": 1, "slides": 1}}
    assert set(ReplayCount.__table__.columns.keys()) == {"replay_id", "item", "year", "count"}
    switch(client, users["coorganiser"])
    page = client.get(f"/espace/evenements/{members_replay.id}/replay").get_data(as_text=True)
    assert f'<th scope="row">{year}</th><td>2</td><td>1</td><td>1</td>' in page
