"""The ``rtes-events`` command group (Flask CLI bound to ``create_app``)."""

import json
import os
import signal
import sys
import tempfile
import threading
from contextlib import nullcontext
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup
from flask_migrate import upgrade

from . import backups, clock, mail
from . import worker as worker_loop


class Refused(click.ClickException):
    """A French refusal on stderr, exit code 1 (click would prefix it with an English « Error: »)."""

    def show(self, file=None) -> None:
        click.echo(self.format_message(), err=True)


def _create_app():
    from . import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True, add_version_option=False)
def main():
    """rtes-events : événements et clubs régionaux du RTES."""


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo)
    app.cli.add_command(import_events)
    app.cli.add_command(worker)
    app.cli.add_command(purge_personal_data)
    app.cli.add_command(send_surveys)
    app.cli.add_command(create_user)
    app.cli.add_command(backup)
    app.cli.add_command(restore)
    app.cli.add_command(sources_group)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def demo(host: str, port: int) -> None:
    """Create or upgrade the database, load the demo data and its accounts, then serve the platform
    with gunicorn and the outbox worker beside it, until Ctrl-C (or SIGTERM) stops them both."""
    from .demo import accounts, server
    from .demo.loader import load_demo

    upgrade()
    report = load_demo()
    click.echo(report.summary())
    found = accounts.ensure()
    reachable = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 (a wildcard listen address)
    base = os.environ.get("RTES_BASE_URL") or f"http://{reachable}:{port}"
    current_app.config["RTES_BASE_URL"] = base
    transport = mail.transport()
    is_file = isinstance(transport, mail.FileTransport)
    mails = transport.folder if is_file else current_app.config["RTES_MAIL_URL"]
    env = {
        **os.environ,
        "RTES_INSTANCE_PATH": current_app.instance_path,
        "RTES_BASE_URL": base,
        "PYTHONUNBUFFERED": "1",  # the worker's lines appear as they come, on a pipe too
    }

    def ready() -> None:
        click.echo(f"Plateforme de démonstration : http://{bind_host(host)}:{port}/ — e-mails : {mails}")
        for line in accounts.lines(found, base.rstrip("/") + "/connexion"):
            click.echo(line)
        click.echo("Ctrl-C pour arrêter.")

    sys.exit(server.run(host, port, env, ready))


def bind_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


@click.command("import-events")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--verbose", "-v", is_flag=True, help="List every event created or updated.")
def import_events(path: Path, verbose: bool) -> None:
    """Create or update events (and clubs, partners) from a JSON file in the seed's schema.

    Prints a summary (with a progress bar on a terminal); ``--verbose`` lists the events too.
    """
    from .checks import InvalidImport
    from .importer import import_data

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        events = data.get("events") if isinstance(data, dict) else None
        with _progressbar(len(events) if isinstance(events, list) else 0, "Import des événements") as bar:
            report = import_data(data, progress=bar.update if bar else None)
    except (ValueError, InvalidImport) as exc:
        raise click.ClickException(f"{path} : {exc}") from exc
    if verbose:
        lines = report.lines()
    elif len(report.others) <= FEW_LINES:
        lines = report.others
    else:
        others = len(report.others)
        lines = [
            f"{others} changements de régions, partenaires, clubs ou listes d'attente (détail : --verbose)"
        ]
    for line in lines:
        click.echo(line)
    hint = "" if verbose or not (report.created or report.updated) else " (détail : --verbose)"
    click.echo(report.summary() + hint)


FEW_LINES = 20  # regions, partners, clubs and waiting lists: listed while there are no more


def _progressbar(length: int, label: str):
    """A progress bar on a terminal; elsewhere (a pipe, a log, cron) nothing."""
    if _is_terminal():
        return click.progressbar(length=length, label=label)
    return nullcontext()


def _is_terminal() -> bool:
    return sys.stdout.isatty()


def _report(sent: int, failed: int) -> None:
    click.echo(f"outbox : {sent} envoyé(s), {failed} en échec (réessai plus tard)")


@click.command()
@click.option("--once", is_flag=True, help="Send what is due, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between two passes.")
def worker(once: bool, interval: float) -> None:
    """Queue the reminders due, render and send what the outbox holds (e-mails, partner webhooks),
    retrying failures."""
    if once:
        _report(*worker_loop.one_pass())
        return
    stop = threading.Event()
    for stopping in (signal.SIGINT, signal.SIGTERM):  # finish the pass under way, then stop
        signal.signal(stopping, lambda signum, frame: stop.set())
    worker_loop.run(interval, stop, _report)


@click.command("purge-personal-data")
@click.option("--days", type=click.IntRange(min=0), help="Retention period (default: RTES_RETENTION_DAYS).")
def purge_personal_data(days: int | None) -> None:
    """Erase registrants' personal data once events are over for longer than the retention period."""
    from .registrations import purge_personal_data as purge

    days = current_app.config["RTES_RETENTION_DAYS"] if days is None else days
    erased = purge(days)
    click.echo(f"{erased} inscription(s) anonymisée(s) (événements terminés depuis plus de {days} jours)")


@click.command("send-surveys")
@click.option("--days", default=7, show_default=True, type=click.IntRange(min=1), help="Events ended since.")
def send_surveys(days: int) -> None:
    """Queue the satisfaction questionnaire of the events ended in the last DAYS days (once per person)."""
    from .surveys import send_recent

    sent = send_recent(days)
    for slug, count in sent.items():
        click.echo(f"{slug} : {count} questionnaire(s)")
    click.echo(f"{sum(sent.values())} questionnaire(s) mis en file d'envoi ({len(sent)} événement(s))")


@click.command("create-user")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["admin", "coorganiser", "member"]))
@click.option("--club", "clubs", multiple=True, metavar="SLUG", help="A club the co-organiser manages.")
@click.option("--partner", metavar="KEY", help="The partner a co-organiser belongs to.")
@click.option("--name", default="", help="The account holder's name.")
@click.option("--member-organisation", "member", metavar="NAME", help="The member authority of a member.")
def create_user(
    email: str, role: str, clubs: tuple[str, ...], partner: str | None, name: str, member: str | None
) -> None:
    """Create a workspace account; the password is read from standard input."""
    from . import accounts, audit
    from .extensions import db

    if sys.stdin.isatty():
        password = click.prompt("Mot de passe", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = accounts.create_user(email, accounts.Scope(role, clubs, partner, member), password, name=name)
        audit.record("user.created", target_user=user, actor=None, role=role)
        db.session.commit()
    except accounts.AccountError as exc:
        db.session.rollback()
        raise Refused(f"Compte non créé : {exc}") from exc
    named = [user.partner, user.member_organisation]
    scope = ", ".join([*(c.name for c in user.clubs), *(item.name for item in named if item is not None)])
    click.echo(f"Compte créé : {user.email} ({user.role_label}{' — ' + scope if scope else ''})")


@click.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def backup(folder: Path) -> None:
    """Write a consistent copy (database, uploaded files, manifest) as one archive into FOLDER."""
    try:
        path = backups.backup(folder)
    except backups.BackupError as exc:
        raise Refused(str(exc)) from exc
    click.echo(path)


@click.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking for confirmation.")
def restore(path: Path, yes: bool) -> None:
    """Put a backup archive back into an empty database, after checking it and asking for confirmation."""
    with tempfile.TemporaryDirectory(prefix="rtes-restore-") as work:
        try:
            checked = backups.open_backup(path, Path(work))
            backups.check_empty()
            target = current_app.config["SQLALCHEMY_DATABASE_URI"]
            question = f"Restaurer la {checked.describe()} dans {backups.safe_url(target)} ?"
            if not yes and not click.confirm(question):
                raise Refused("Restauration annulée : rien n'a été modifié.")
            upgraded_from = backups.restore(checked)
        except backups.BackupError as exc:
            raise Refused(str(exc)) from exc
    click.echo(f"Restauration terminée : {checked.describe()}.")
    if upgraded_from:
        click.echo(f"Schéma mis à jour depuis la révision {upgraded_from}.")


@click.group("sources")
def sources_group() -> None:
    """Calendars followed (iCalendar feeds of partners and members), whose events the agenda relays."""


@sources_group.command("add")
@click.argument("url")
@click.option("--name", required=True, help="The calendar's name, as the agenda shows it.")
@click.option("--partner", help="Key of the partner whose calendar it is.")
@click.option("--member", help="Name of the member authority whose calendar it is.")
@click.option("--theme", "themes", multiple=True, help="A theme its events get (repeatable).")
@click.option("--region", help="Region code its events get (default: its owner's).")
@click.option("--publish", is_flag=True, help="Publish its new events at once (default: moderated).")
def sources_add(url, name, partner, member, themes, region, publish) -> None:
    """Follow the iCalendar feed at URL (https:// or webcal://), then read it once."""
    from . import sources

    try:
        source = sources.add(
            url, name, partner=partner, member=member, themes=list(themes), region=region, publish=publish
        )
    except sources.SourceRefused as exc:
        raise Refused(str(exc)) from None
    click.echo(f"calendrier suivi n° {source.id} : {source.name} ({source.url})")
    _refreshed(sources.refresh(source.id))


@sources_group.command("list")
def sources_list() -> None:
    """The calendars followed, with the state of their last refresh."""
    from . import sources
    from .formatting import datetime_short

    for source in sources.listed():
        checked = datetime_short(clock.to_local(source.checked_at)) if source.checked_at else "jamais lu"
        state = f"en échec ({source.failures}) : {source.last_error}" if source.failing else "à jour"
        trust = "publié" if source.publish else "modéré"
        paused = "" if source.active else " — suspendu"
        click.echo(
            f"{source.id}\t{source.name}\t{source.url}\t{trust}\t{source.event_count} événement(s)\t"
            f"{checked}\t{state}{paused}"
        )


@sources_group.command("refresh")
@click.argument("source_id", required=False, type=int)
def sources_refresh(source_id: int | None) -> None:
    """Refresh one calendar (ID), or all the active ones, now."""
    from . import sources
    from .extensions import db
    from .models import CalendarSource

    if source_id is not None and db.session.get(CalendarSource, source_id) is None:
        raise Refused(f"Aucun calendrier suivi n° {source_id} (voir « rtes-events sources list »).")
    ids = [source_id] if source_id is not None else [s.id for s in sources.listed() if s.active]
    failed = sum(_refreshed(sources.refresh(id)) for id in ids)
    if failed:
        sys.exit(1)


def _refreshed(result) -> bool:
    """Print what a refresh did; True when it failed."""
    click.echo(f"calendrier n° {result.source_id} : {result.summary()}", err=bool(result.error))
    return bool(result.error)
