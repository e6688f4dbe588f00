"""The demo data and ``rtes-events import-events``: the network's seed, idempotent imports, bad files."""

import json
from datetime import time

import icalendar
import pytest
from sqlalchemy import func, select

from rtes_events import replays
from rtes_events.demo.loader import EXAMPLE_PREFIX, examples, load_demo, seed
from rtes_events.extensions import db
from rtes_events.importer import InvalidImport, import_data
from rtes_events.models import Club, Event, Partner, event_words

BOTH_DATABASES = True  # run on SQLite and on a real PostgreSQL server


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def by_slug(slug: str) -> Event:
    return db.session.scalar(select(Event).where(Event.slug == slug))


# The example sessions three to five weeks ahead, and the webinar of tomorrow whose reminder goes out.
EXAMPLES = len(examples()) + 1


def test_demo_loads_every_event_club_and_partner_of_the_seed(app):
    data = seed()
    report = load_demo()
    assert count(Event) == len(data["events"]) + EXAMPLES
    assert count(Club) == len(data["clubs"])
    assert count(Partner) == len(data["partners"])
    assert len(report.created) == len(data["events"]) + EXAMPLES


def test_demo_is_idempotent(app):
    load_demo()
    sequences = dict(db.session.execute(select(Event.slug, Event.sequence)).all())
    again = load_demo()
    assert (again.created, again.updated) == ([], [])
    assert dict(db.session.execute(select(Event.slug, Event.sequence)).all()) == sequences


def test_demo_examples_are_labelled_ahead_and_one_is_small(app):
    load_demo()
    examples = db.session.scalars(select(Event).where(Event.title.startswith(EXAMPLE_PREFIX))).all()
    assert len(examples) == EXAMPLES
    assert all(not e.is_past for e in examples)
    assert min(e.capacity for e in examples if e.capacity) <= 5


def test_seed_events_keep_what_the_documents_say(app):
    load_demo()
    unknown_time = by_slug("2019-03-14-rencontre-collectivites-monnaies-locales-complementaires")
    assert unknown_time.all_day and not unknown_time.month_only
    assert (unknown_time.city, unknown_time.participants, unknown_time.participants_note) == (
        "Grenoble",
        100,
        "plus de 100",
    )
    month = db.session.scalar(select(Event).where(Event.title.startswith("Economie informelle : s'appuyer")))
    assert month.month_only and month.local_start.day == 1
    timed = db.session.scalar(select(Event).where(Event.title.startswith("Club collectivit'ESS")))
    assert (timed.local_start.time(), timed.local_end.time(), timed.all_day) == (time(14), time(16), False)
    europe = db.session.scalar(select(Event).where(Event.title.startswith("Mobiliser les fonds")))
    assert [str(s) for s in europe.speakers][0] == "Maud Leblois (Région Nouvelle-Aquitaine)"
    assert [s.name for s in europe.hosts] == ["Mélanie Thuillier", "Amélia Gustave"]
    assert europe.club.slug == "club-ess-nouvelle-aquitaine"
    assert {p.key for p in europe.co_organisers} == {"cress-naq", "terress"}
    general_assembly = db.session.scalar(select(Event).where(Event.title == "Assemblée générale du RTES"))
    assert general_assembly.audience == "members"
    postponed = db.session.scalar(select(Event).where(Event.title.startswith("Séminaire national")))
    assert postponed.postponed_from.isoformat() == "2022-11-10"


def write(tmp_path, events, **extra):
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"events": events, **extra}, ensure_ascii=False), encoding="utf-8")
    return str(path)


NEW = {
    "kind": "webinaire",
    "title": "Achats responsables\r\net ESS",
    "start": "2031-03-12",
    "start_time": "10:00",
    "end_time": "11:30",
    "mode": "online",
    "capacity": 50,
    "waitlist": False,
    "registration_closes": "2031-03-11T18:00",
    "themes": ["commande publique"],
}


def test_import_events_command_is_idempotent_and_says_what_it_did(runner, tmp_path):
    path = write(tmp_path, [NEW])
    first = runner.invoke(args=["import-events", path])
    assert first.exit_code == 0, first.output
    assert "1 événement(s) créé(s), 0 mis à jour, 0 inchangé(s) (détail : --verbose)" in first.output
    assert "achats" not in first.output
    second = runner.invoke(args=["import-events", path])
    assert "0 événement(s) créé(s), 0 mis à jour, 1 inchangé(s)" in second.output
    event = by_slug("2031-03-12-achats-responsables-et-ess")
    assert (event.title, event.capacity, event.waitlist) == ("Achats responsables et ESS", 50, False)
    assert event.registration_closes_at.isoformat() == "2031-03-11T17:00:00"  # 18 h in Paris, winter


def test_a_moved_event_is_updated_and_its_sequence_bumped(runner, tmp_path):
    runner.invoke(args=["import-events", write(tmp_path, [{**NEW, "slug": "achats"}])])
    before = by_slug("achats")
    uid, sequence = before.uid, before.sequence
    result = runner.invoke(
        args=[
            "import-events",
            "--verbose",
            write(tmp_path, [{**NEW, "slug": "achats", "start_time": "14:00", "end_time": "16:00"}]),
        ]
    )
    assert "mis à jour : achats" in result.output
    db.session.expire_all()
    after = by_slug("achats")
    assert (after.uid, after.sequence) == (uid, sequence + 1)
    runner.invoke(
        args=[
            "import-events",
            write(
                tmp_path,
                [
                    {
                        **NEW,
                        "slug": "achats",
                        "start_time": "14:00",
                        "end_time": "16:00",
                        "summary": "Nouveau résumé",
                    }
                ],
            ),
        ]
    )
    db.session.expire_all()
    assert by_slug("achats").sequence == sequence + 1  # a new summary is no schedule change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "conférence"}, "type inconnu"),
        ({"start": "12/03/2031"}, "date invalide"),
        ({"start_time": "25:00"}, "heure invalide"),
        ({"end_time": "09:00"}, "fin doit suivre"),
        ({"club": "club-inconnu"}, "club inconnu"),
        ({"partners": ["personne"]}, "partenaire inconnu"),
        ({"capacity": -3}, "entier positif"),
        ({"status": "secret"}, "statut inconnu"),
        ({"title": ""}, "« title » est obligatoire"),
        ({"online_url": "javascript:alert(1)"}, "adresse web invalide"),
    ],
)
def test_a_bad_file_is_refused_in_french_and_nothing_is_imported(runner, tmp_path, change, message):
    good = {**NEW, "slug": "bon"}
    result = runner.invoke(args=["import-events", write(tmp_path, [good, {**NEW, **change}])])
    assert result.exit_code == 1
    assert message in result.output
    assert by_slug("bon") is None


def test_not_json_or_wrong_shape_is_refused(runner, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{pas du json")
    assert runner.invoke(args=["import-events", str(path)]).exit_code == 1
    with pytest.raises(InvalidImport, match="liste « events »"):
        import_data({"evenements": []})


def test_duplicate_slugs_in_one_file_are_refused(app):
    with pytest.raises(InvalidImport, match="déjà utilisé"):
        import_data({"events": [NEW, NEW]})


def test_regions_partners_and_clubs_are_created_then_updated(runner, tmp_path):
    regions = [{"code": "BRE", "name": "Bretagne"}]
    partners = [{"key": "cress-bre", "name": "CRESS Bretagne", "region": "BRE"}]
    clubs = [{"slug": "club-bre", "name": "Club Bretagne", "region": "BRE", "co_organisers": ["cress-bre"]}]
    first = runner.invoke(
        args=["import-events", write(tmp_path, [], regions=regions, partners=partners, clubs=clubs)]
    )
    for line in ("région créée : BRE", "partenaire créé : cress-bre", "club créé : club-bre"):
        assert line in first.output
    partners[0]["name"] = "CRESS de Bretagne"
    second = runner.invoke(
        args=["import-events", write(tmp_path, [], regions=regions, partners=partners, clubs=clubs)]
    )
    assert "partenaire mis à jour : cress-bre" in second.output
    assert "région" not in second.output and "club" not in second.output
    club = db.session.scalar(select(Club).where(Club.slug == "club-bre"))
    assert [p.name for p in club.co_organisers] == ["CRESS de Bretagne"]


def attachment(message) -> icalendar.Event:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_content()).walk("VEVENT")[0]


WAITLISTED = {**NEW, "slug": "achats", "capacity": 1, "waitlist": True}


@pytest.fixture
def registered(runner, tmp_path, make_registration):
    """An imported event with one confirmed and one waitlisted registrant; their e-mails so far."""
    runner.invoke(args=["import-events", write(tmp_path, [WAITLISTED])])
    event = by_slug("achats")
    make_registration(event, email="a@example.org")
    make_registration(event, email="b@example.org")
    return event


def test_registrants_are_told_when_an_import_moves_the_event(runner, tmp_path, registered, outbox_messages):
    sequence = registered.sequence
    moved = {**WAITLISTED, "start_time": "14:00", "end_time": "15:30"}
    runner.invoke(args=["import-events", write(tmp_path, [moved])])
    changes = outbox_messages()[2:]
    assert [m["To"] for m in changes] == ["a@example.org", "b@example.org"]
    assert changes[0]["Subject"] == "Changement de date, d'horaire ou de lieu : Achats responsables et ESS"
    vevent = attachment(changes[0])
    assert (vevent["SEQUENCE"], vevent.decoded("DTSTART").hour) == (sequence + 1 + 1, 14)  # +1: confirmed
    assert "14 h – 15 h 30" in changes[0].get_body(("plain",)).get_content()


def test_registrants_are_told_when_an_import_cancels_the_event(runner, tmp_path, registered, outbox_messages):
    cancelled = {**WAITLISTED, "status": "cancelled"}
    runner.invoke(args=["import-events", write(tmp_path, [cancelled])])
    changes = outbox_messages()[2:]
    assert [m["Subject"] for m in changes] == ["Événement annulé : Achats responsables et ESS"] * 2
    assert attachment(changes[0])["STATUS"] == "CANCELLED"


def test_a_capacity_raised_by_import_confirms_the_waiting_list(runner, tmp_path, registered, outbox_messages):
    bigger = {**WAITLISTED, "capacity": 2}
    result = runner.invoke(args=["import-events", write(tmp_path, [bigger])])
    assert "liste d'attente : 1 inscription(s) confirmée(s) pour achats" in result.output
    [promoted] = outbox_messages()[2:]
    assert promoted["To"] == "b@example.org"
    assert promoted["Subject"].startswith("Une place s'est libérée")


def test_a_new_summary_tells_nobody(runner, tmp_path, registered, outbox_messages):
    runner.invoke(
        args=[
            "import-events",
            write(tmp_path, [{**WAITLISTED, "summary": "Nouveau"}]),
        ]
    )
    assert len(outbox_messages()) == 2


def stored(slugs) -> dict:
    """What the database holds of these events, as the pages read it (not ids, uids or times of change)."""
    db.session.expire_all()
    found = {}
    for slug in slugs:
        event = by_slug(slug)
        columns = {c.key: getattr(event, c.key) for c in Event.__table__.columns}
        for name in ("id", "uid", "sequence", "created_at", "updated_at"):
            columns.pop(name)
        replay = replays.for_event(event)
        found[slug] = {
            **columns,
            "themes": [(t.slug, t.name) for t in event.themes],
            "partners": [p.key for p in event.partners],
            "people": [(str(link.speaker), link.role, link.position) for link in event.speaker_links],
            "words": sorted(
                db.session.scalars(select(event_words.c.word).where(event_words.c.event_id == event.id))
            ),
            "replay": replay
            and (replay.host, replay.published_at, [(r.kind, r.url, r.access) for r in replay.resources]),
        }
    return found


MIXED = [
    {**NEW, "slug": "un", "themes": ["Commande publique", "Thème d'essai"]},
    {
        **NEW,
        "slug": "deux",
        "kind": "club",
        "club": "club-ess-nouvelle-aquitaine",
        "partners": ["terress", "cress-naq"],
        "speakers": ["Maud Leblois (Région Nouvelle-Aquitaine)", "Camille Martin"],
        "hosts": ["Camille Martin"],
        "cnfpt_code": "ABC123",
    },
    {
        **NEW,
        "slug": "trois",
        "start": "2019-03-12",
        "replay": {"host": "idealco", "url": "https://v.example.org/3"},
    },
]


def test_a_mixed_import_writes_new_and_stored_events_alike(app):
    """New events are written in bulk and stored ones through the ORM: both hold the same."""
    load_demo()
    first = import_data({"events": MIXED})
    assert (first.created, first.updated, first.unchanged) == (["un", "deux", "trois"], [], [])
    new = stored(["un", "deux", "trois"])
    other = [
        {**item, "title": "Autre titre", "themes": ["Autre"], "speakers": ["Autre personne"], "hosts": []}
        for item in MIXED[:2]
    ]
    import_data({"events": other})
    mixed = [{**NEW, "slug": "quatre", "speakers": ["Camille Martin"]}, *MIXED]
    again = import_data({"events": mixed})
    assert (again.created, again.updated, again.unchanged) == (["quatre"], ["un", "deux"], ["trois"])
    assert again.lines() == ["créé : quatre", "mis à jour : un", "mis à jour : deux"]
    assert again.summary() == "1 événement(s) créé(s), 2 mis à jour, 1 inchangé(s)"
    assert stored(["un", "deux", "trois"]) == new
    assert new["deux"]["people"] == [
        ("Maud Leblois (Région Nouvelle-Aquitaine)", "speaker", 0),
        ("Camille Martin", "speaker", 1),
        ("Camille Martin", "host", 2),
    ]
    assert sorted(new["un"]["themes"]) == [
        ("commande-publique", "commande publique"),
        ("theme-d-essai", "Thème d'essai"),
    ]
    assert "achats" in new["un"]["words"] and new["trois"]["replay"] is not None
    # one speaker per name and organisation, shared by the events that name them
    people = [link.speaker for slug in ("deux", "quatre") for link in by_slug(slug).speaker_links]
    assert len({p.id for p in people if p.name == "Camille Martin"}) == 1
