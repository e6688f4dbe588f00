"""The documentation site (docs/): the settings table's source, the hook reference, the tutorial's plugin."""

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import timedelta
from pathlib import Path

import pytest

from rtes_events import config

ROOT = Path(__file__).resolve().parent.parent


def names_in(folder: Path) -> set[str]:
    return {
        name
        for path in folder.rglob("*")
        if path.suffix in {".py", ".html", ".txt"}
        for name in re.findall(r"\bRTES_[A-Z0-9_]*[A-Z0-9]", path.read_text(encoding="utf-8"))
    }


def test_every_setting_the_package_reads_is_declared_once_in_the_registry():
    declared = [setting.name for setting in config.SETTINGS]
    assert len(declared) == len(set(declared))
    used = names_in(ROOT / "rtes_events") | names_in(ROOT / "templates")
    assert used - config.CONFIG_ONLY - set(declared) == set()
    assert set(declared) <= used  # nothing declared that nothing reads
    assert all(setting.description and setting.name.startswith("RTES_") for setting in config.SETTINGS)


def test_the_partner_plugins_settings_are_documented_with_them():
    page = (ROOT / "docs" / "plugins" / "partners.md").read_text(encoding="utf-8")
    for name in names_in(ROOT / "plugins") - set(config.BY_NAME):
        assert f"`{name}`" in page, name


# Workspace pages that are no page of the workspace: the newsletter block's preview is framed inside
# /espace/lettre (no navigation of its own).
NOT_A_WORKSPACE_PAGE = {"manage.newsletter_preview"}
# Documents that answer 409 with the reason while there is nothing to print (tests/test_attestations.py
# prints them).
MAY_HAVE_NOTHING_YET = {"manage.badges_pdf", "manage.attestations_pdf"}


def route_values(admin) -> dict[str, int]:
    """A demo object for each argument of the workspace's routes: an upcoming club session, a past one
    (for its replay and attendance pages), an account, a member authority, a programme, a pending proposal,
    a followed calendar and an event relayed from it (for its relay page)."""
    from sqlalchemy import select

    from rtes_events import clock, proposals, questions
    from rtes_events.extensions import db
    from rtes_events.models import Event, MemberOrganisation, Programme, Slot, User

    from .conftest import new_relayed

    club_sessions = select(Event.id).where(Event.club_id.is_not(None), Event.status == "published")
    past = db.session.scalar(
        club_sessions.where(Event.ends_at < clock.now()).order_by(Event.starts_at.desc())
    )
    coming = db.session.scalar(club_sessions.where(Event.starts_at > clock.now()).order_by(Event.starts_at))
    starts = clock.now() + timedelta(days=40)
    proposal = proposals.submit(
        admin,
        {"title": "Forum de l'ESS", "kind": "rencontre", "organisation": "Ville d'Exemple", "mode": "online"}
        | {"starts_at": starts, "ends_at": starts + timedelta(hours=2)},
    )
    question = questions.add(db.session.get(Event, coming), {"label": "Déjeuner", "type": "oui-non"})
    relayed = new_relayed(starts_at=starts, ends_at=starts + timedelta(hours=2))
    db.session.add(relayed)
    db.session.commit()
    rencontre = db.session.scalars(select(Slot).limit(1)).one()
    return {
        "event_id": coming,
        "question_id": question.id,
        "relay_event_id": relayed.id,
        "source_id": relayed.calendar_source_id,
        "past_event_id": past,
        "user_id": db.session.scalar(select(User.id).where(User.id != admin.id)),
        "member_id": db.session.scalar(select(MemberOrganisation.id)),
        "programme_id": db.session.scalar(select(Programme.id)),
        "proposal_id": proposal.id,
        "slot_event_id": rencontre.event_id,  # the demo rencontre's programme
        "slot_id": rencontre.id,
        "key": "accessibilite",
    }


def test_every_workspace_page_links_to_its_help_section(app, client, make_user):
    from flask import url_for

    from rtes_events.demo.loader import load_demo
    from tests.conftest import login

    load_demo()
    admin = make_user("admin")
    make_user("coorganiser", clubs=["club-ess-ile-de-france"])
    values = route_values(admin)
    login(client, admin)
    help_page = client.get("/espace/aide").get_data(as_text=True)
    anchors = set(re.findall(r'<h2 id="([a-z-]+)"', help_page))
    pages = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/espace/") or "GET" not in rule.methods or "fmt" in rule.arguments:
            continue
        with app.test_request_context():
            after = rule.endpoint.startswith(("manage.replay", "manage.attendance"))
            prefix = "past_" if after else "relay_" if rule.endpoint.startswith("manage.relay") else ""
            prefix = prefix or ("slot_" if "slot_id" in rule.arguments else "")
            url = url_for(
                rule.endpoint, **{name: values.get(prefix + name, values[name]) for name in rule.arguments}
            )
        response = client.get(url)
        assert response.status_code == 200 or (
            response.status_code == 409 and rule.endpoint in MAY_HAVE_NOTHING_YET
        ), url
        nothing_yet = response.status_code == 409
        if nothing_yet or response.mimetype != "text/html" or rule.endpoint in NOT_A_WORKSPACE_PAGE:
            continue
        links = re.findall(r'href="/espace/aide#([a-z-]+)"', response.get_data(as_text=True))
        assert links and set(links) <= anchors, url
        pages += 1
    assert pages >= 30


def test_the_help_answers_admins_and_co_organisers_only(app, clubs, make_user):
    from tests.conftest import OWN_CLUB, login

    assert app.test_client().get("/espace/aide").status_code == 302  # to the sign-in page
    for role, own, status in (("member", (), 403), ("admin", (), 200), ("coorganiser", [OWN_CLUB], 200)):
        client = app.test_client()
        login(client, make_user(role, clubs=own))
        page = client.get("/espace/aide")
        assert page.status_code == status, role
        assert ("Aide de l'espace des organisateurs" in page.get_data(as_text=True)) == (status == 200)


def code_blocks(page: Path) -> dict[str, str]:
    """The files of a documentation page: its ``{code-block}`` blocks, by their ``:caption:`` (a path)."""
    pattern = re.compile(r"^```\{code-block\} \w+\n:caption: (\S+)\n(.*?)^```$", re.M | re.S)
    return {name: text for name, text in pattern.findall(page.read_text(encoding="utf-8"))}


@pytest.fixture
def tutorial_plugin(tmp_path, monkeypatch) -> Path:
    """The tutorial's plugin written from the page's own code blocks, importable and discoverable
    through its entry point, as ``pip install`` leaves it: the package on the path beside a
    ``.dist-info`` holding the entry points that its ``pyproject.toml`` declares."""
    files = code_blocks(ROOT / "docs" / "plugins" / "tutorial.md")
    assert {"plugins/exemple/pyproject.toml", "plugins/exemple/rtes_exemple/plugin.py"} <= set(files)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    folder = tmp_path / "plugins" / "exemple"
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    info = folder / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    points = "".join(
        f"[{group}]\n" + "".join(f"{name} = {value}\n" for name, value in entries.items())
        for group, entries in project["entry-points"].items()
    )
    (info / "entry_points.txt").write_text(points)
    monkeypatch.syspath_prepend(str(folder))
    yield folder
    for module in [name for name in sys.modules if name.startswith("rtes_exemple")]:
        del sys.modules[module]


def test_the_tutorials_plugin_loads_from_its_entry_point_and_changes_the_feeds(tutorial_plugin, app_factory):
    from rtes_events import clock
    from rtes_events.extensions import db
    from rtes_events.models import Event

    starts = clock.now() + timedelta(days=10)
    for plugins, expected in (("exemple", True), ("none", False)):  # the same database, two apps
        app = app_factory(RTES_PLUGINS=plugins)
        with app.app_context():
            if expected:
                db.session.add(
                    Event(
                        slug="webinaire",
                        kind="webinaire",
                        title="Webinaire",
                        mode="online",
                        status="published",
                        starts_at=starts,
                        ends_at=starts + timedelta(hours=1),
                    )
                )
                db.session.commit()
            feed = app.test_client().get("/evenements/webinaire.ics").get_data(as_text=True)
            assert "SUMMARY:Webinaire" in feed
            assert ("CONTACT:RTES - Réseau des collectivités Territoriales" in feed) is expected, plugins
            db.engine.dispose()


def test_the_tutorials_own_test_passes_with_the_core_fixtures(tutorial_plugin):
    """The tutorial's test file, run by pytest as in ``plugins/``: the core's fixtures come through
    ``plugins/conftest.py``."""
    shutil.copy(ROOT / "plugins" / "conftest.py", tutorial_plugin.parent / "conftest.py")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tutorial_plugin), str(ROOT)])}
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tutorial_plugin.parent),
            "--confcutdir",  # its conftest is above the plugin's pyproject.toml, as in the repository
            str(tutorial_plugin.parent),
            str(tutorial_plugin / "tests"),
        ],
        capture_output=True,
        text=True,
        env=environment,
        cwd=tutorial_plugin.parent,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "1 passed" in result.stdout


def test_the_site_builds_without_a_warning_and_documents_every_hook(tmp_path):
    """``make docs``'s build (nitpicky, warnings as errors); the hook reference has every hookspec's
    generated entry, the settings table every setting."""
    from rtes_events import hookspecs

    if importlib.util.find_spec("myst_parser") is None or importlib.util.find_spec("furo") is None:
        message = 'the documentation needs the docs extra: pip install -e ".[docs]" (make test installs it)'
        pytest.fail(message) if os.environ.get("RTES_TEST_REQUIRE_ALL") else pytest.skip(message)
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-n",
            "-q",
            "-b",
            "html",
            str(ROOT / "docs"),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    hooks = {name for name in dir(hookspecs) if name.startswith("rtes_")}
    assert len(hooks) >= 18
    reference = (tmp_path / "plugins" / "hooks.html").read_text(encoding="utf-8")
    assert {name for name in hooks if f'id="rtes_events.hookspecs.{name}"' not in reference} == set()
    table = (tmp_path / "deploy" / "configuration.html").read_text(encoding="utf-8")
    assert {
        s.name
        for s in config.SETTINGS
        if f'<code class="docutils literal notranslate"><span class="pre">{s.name}</span></code>' not in table
    } == set()


def test_the_partner_plugins_import_only_what_the_documentation_allows():
    """What a plugin may import (docs/plugins/imports.md) is what the three partner plugins import."""
    page = (ROOT / "docs" / "plugins" / "imports.md").read_text(encoding="utf-8")
    allowed = set(re.findall(r"^\| `(rtes_events[\w.]*)` \|", page, re.M))
    imported = set()
    for path in (ROOT / "plugins").glob("*/rtes_*/**/*.py"):
        text = path.read_text(encoding="utf-8")
        for module, *names in re.findall(
            r"^\s*from (rtes_events[\w.]*) import (?:\(([^)]*)\)|([\w, ]+)$)", text, re.M
        ):
            submodules = {f"{module}.{name.strip()}" for name in "".join(names).split(",") if name.strip()}
            imported |= (submodules & allowed) or {module}
        imported |= set(re.findall(r"^\s*import (rtes_events[\w.]*)", text, re.M))
    assert len(imported) >= 10
    assert imported - allowed == set()
    assert not any(name.startswith("rtes_events.builtin") for name in imported)
