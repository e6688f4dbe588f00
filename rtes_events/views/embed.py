"""The embeddable agenda: ``/widget/agenda`` (the one page other sites may frame) and ``/integrer``,
where members and partners choose its filters, preview it and copy the ``<iframe>`` snippet."""

import re
from dataclasses import dataclass

from flask import Blueprint, Response, abort, render_template, request, url_for
from markupsafe import escape

from .. import cache, registry
from ..security import framable_by
from ..urls import external_url

bp = Blueprint("embed", __name__)

DEFAULT_COUNT, MAX_COUNT = 5, 20
HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
CANONICAL_COLOUR = re.compile(r"[0-9a-f]{6}")
SNIPPET_HEIGHT = 500
# The filters /integrer offers, as named in the agenda's query string (``origine`` once it exists).
OFFERED_FILTERS = ("type", "region", "club", "theme", "partenaire", "programme", "origine")


@dataclass(frozen=True)
class WidgetOptions:
    """What a widget shows: the agenda's filters, how many events, an accent colour (6 hex digits)."""

    filters: registry.EventFilter
    count: int = DEFAULT_COUNT
    colour: str = ""

    def as_args(self) -> dict:
        """The query string of the widget showing this (defaults left out)."""
        args = self.filters.as_args()
        if self.count != DEFAULT_COUNT:
            args["nombre"] = str(self.count)
        if self.colour:
            args["couleur"] = self.colour
        return args


def parse_options(args) -> tuple[WidgetOptions, list[str]]:
    """Widget options from request arguments, and the French messages of those that are invalid."""
    errors, count, colour = [], DEFAULT_COUNT, ""
    raw_count = args.get("nombre", "").strip()
    if raw_count:
        if raw_count.isascii() and raw_count.isdigit() and 1 <= int(raw_count) <= MAX_COUNT:
            count = int(raw_count)
        else:
            errors.append(f"Le nombre d'événements doit être un nombre entier de 1 à {MAX_COUNT}.")
    raw_colour = args.get("couleur", "").strip(" ")
    if raw_colour:
        if match := HEX_COLOUR.fullmatch(raw_colour):
            colour = normalise_colour(match[1])
        else:
            errors.append(
                "La couleur doit être un code hexadécimal de 3 ou 6 chiffres, par exemple 005a46 ou #005a46."
            )
    return WidgetOptions(registry.EventFilter.from_args(args), count, colour), errors


def normalise_colour(digits: str) -> str:
    """« 0A4 » → « 00aa44 »: six lower-case hex digits."""
    digits = digits.lower()
    return "".join(c * 2 for c in digits) if len(digits) == 3 else digits


def text_on(colour: str) -> str:
    """Black or white, whichever reads better on ``colour`` (WCAG contrast ratio; at least 4.5:1)."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (0, 2, 4))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return "#000000" if (luminance + 0.05) / 0.05 >= 1.05 / (luminance + 0.05) else "#ffffff"


def widget_key():
    """The cache key of a widget: its filters as parsed, and the other arguments as given."""
    return (
        registry.EventFilter.from_args(request.args).as_args(),
        request.args.get("nombre", ""),
        request.args.get("couleur", ""),
    )


@bp.get("/widget/agenda")
@framable_by("*")
@cache.public(("events", "shared"), key=widget_key)
def widget():
    options, errors = parse_options(request.args)
    if errors:
        return render_template("embed/widget.html", errors=errors, options=options), 400
    events = registry.listed(registry.agenda(options.filters).limit(options.count))
    return render_template(
        "embed/widget.html",
        errors=[],
        options=options,
        events=events,
        agenda_url=external_url("public.agenda", **options.filters.as_args()),
    )


@bp.get("/widget/couleur-<colour>.css")
def accent(colour: str):
    """The accent colour of widgets, as a stylesheet (the widget's policy allows no inline style):
    only six lower-case hex digits are ever written into it."""
    if not CANONICAL_COLOUR.fullmatch(colour):
        abort(404)
    css = f":root {{ --accent: #{colour}; --on-accent: {text_on(colour)}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 365 * 24 * 3600
    response.cache_control.immutable = True
    return response


@bp.get("/integrer")
@cache.public(("events", "shared"))
def integrate():
    options, errors = parse_options(request.args)
    choices = registry.filter_choices()
    names = [name for name in OFFERED_FILTERS if choices.get(name)]
    if errors:
        status, snippet, link = 400, "", ""
    else:
        status = 200
        link = external_url("public.agenda", **options.filters.as_args())
        snippet = iframe_snippet(external_url("embed.widget", **options.as_args()))
    return render_template(
        "embed/integrate.html",
        errors=errors,
        options=options,
        choices=choices,
        names=names,
        current=dict(request.args.items()),
        preview=url_for("embed.widget", **options.as_args()),
        widget_base=external_url("embed.widget"),
        agenda_base=external_url("public.agenda"),
        snippet=snippet,
        link=link,
        max_count=MAX_COUNT,
        default_count=DEFAULT_COUNT,
    ), status


def iframe_snippet(url: str) -> str:
    """The HTML a site pastes to show the widget at ``url`` (static/embed.js writes the same)."""
    return (
        f'<iframe src="{escape(url)}" title="Agenda des événements du RTES" width="100%" '
        f'height="{SNIPPET_HEIGHT}" style="border:0" loading="lazy"></iframe>'
    )
