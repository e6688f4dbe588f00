"""The newsletter's agenda (``/espace/lettre``): the coming weeks' events as a block to paste into the
newsletter, in e-mail-safe HTML (tables, inline styles, absolute links) and in plain text.

Everyone allowed into the workspace may build it: admins from every published event, co-organisers
from the published events they co-organise (as everywhere in the workspace, nothing of another club),
both with the agenda's filters.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import abort, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from ... import clock, registry
from ...models import Event
from ...permissions import can_manage, scope_clause
from ...security import framable_by
from ...urls import external_url
from . import bp

DEFAULT_WEEKS, MAX_WEEKS = 4, 12
OFFERED_FILTERS = ("type", "region", "club", "theme", "partenaire", "programme", "origine")


@dataclass(frozen=True)
class Selection:
    """The events of the block: the agenda's filters, from today for ``weeks`` weeks."""

    filters: registry.EventFilter
    weeks: int = DEFAULT_WEEKS

    @property
    def first_day(self) -> date:
        return clock.local_today()

    @property
    def last_day(self) -> date:
        return self.first_day + timedelta(days=7 * self.weeks - 1)

    def as_args(self) -> dict:
        args = {name: value for name, value in self.filters.as_args().items() if name != "periode"}
        return {**args, "semaines": str(self.weeks)}

    def events(self, user) -> list[Event]:
        """Published events that ``user`` manages, not over yet, starting by the end of the last day,
        soonest first."""
        until = clock.to_utc(self.last_day + timedelta(days=1))
        query = registry.upcoming(self.filters).where(
            Event.status == "published", Event.starts_at < until, scope_clause(user)
        )
        return [event for event in registry.listed(query) if can_manage(user, event, "view")]


def parse_selection(args) -> tuple[Selection, list[str]]:
    filters = registry.EventFilter.from_args(args)
    raw = args.get("semaines", "").strip()
    if not raw:
        return Selection(filters), []
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= MAX_WEEKS:
        return Selection(filters, int(raw)), []
    return Selection(filters), [f"Le nombre de semaines doit être un nombre entier de 1 à {MAX_WEEKS}."]


def relayed(event: Event) -> str | None:
    """« Relayé depuis » the calendar of an event it comes from, or « Proposé par » its organisation."""
    if event.calendar_source is not None:
        return f"Relayé depuis {event.calendar_source.name}"
    return f"Proposé par {event.proposal.organisation}" if event.proposal is not None else None


def blocks(selection: Selection, events: list[Event]) -> tuple[str, str]:
    """The block of ``events`` as e-mail HTML and as plain text."""
    values = {
        "selection": selection,
        "events": events,
        "event_url": lambda event: external_url("public.event", slug=event.slug),
        "relayed": relayed,
        "agenda_url": external_url("public.agenda", **selection.filters.as_args()),
    }
    return (
        render_template("manage/newsletter_block.html", **values).strip(),
        render_template("manage/newsletter_block.txt", **values).strip() + "\n",
    )


@bp.get("/lettre")
def newsletter():
    selection, errors = parse_selection(request.args)
    choices = registry.filter_choices()
    page = {
        "errors": errors,
        "selection": selection,
        "choices": choices,
        "names": [name for name in OFFERED_FILTERS if choices.get(name)],
        "current": dict(request.args.items()),
        "max_weeks": MAX_WEEKS,
    }
    if errors:
        return render_template("manage/newsletter.html", **page), 400
    events = selection.events(current_user)
    html, text = blocks(selection, events)
    preview = url_for("manage.newsletter_preview", **selection.as_args())
    return render_template(
        "manage/newsletter.html", **page, html=html, text=text, count=len(events), preview=preview
    )


@bp.get("/lettre/apercu")
@framable_by("'self'", default_src="'none'", style_src="'unsafe-inline'")
def newsletter_preview():
    """The HTML block as a mail client shows it: framed by /espace/lettre only, the one page whose
    policy lets inline styles through (those of the block, written by the template alone)."""
    selection, errors = parse_selection(request.args)
    if errors:
        abort(400, errors[0])
    html, _ = blocks(selection, selection.events(current_user))
    return render_template("manage/newsletter_preview.html", block=Markup(html))  # noqa: S704 (our template's)
