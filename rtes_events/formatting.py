"""French formatting of dates, times and numbers, for templates, e-mails and calendar texts."""

from datetime import date, datetime, time

import markdown
import nh3
from babel.dates import format_date
from flask import Flask
from markupsafe import Markup

from . import clock

LOCALE = "fr_FR"


def day(value: date) -> str:
    """« jeudi 4 septembre 2025 », « mardi 1er juillet 2025 »."""
    text = format_date(value, "EEEE d MMMM y", locale=LOCALE)
    return text.replace(" 1 ", " 1er ", 1) if value.day == 1 else text


def hour(value: datetime | time) -> str:
    """« 14 h », « 12 h 30 »."""
    return f"{value.hour} h" if value.minute == 0 else f"{value.hour} h {value.minute:02d}"


def when(event) -> str:
    """The date and time of an event as French readers expect them, Europe/Paris time."""
    start, end = event.local_start, event.local_end
    if event.month_only:
        return format_date(start.date(), "MMMM y", locale=LOCALE) + " (date précise non connue)"
    if event.all_day:
        # An all-day event ends at midnight after its last day.
        last_day = date.fromordinal(end.date().toordinal() - 1) if end.time() == time(0) else end.date()
        if last_day <= start.date():
            return day(start.date())
        return f"du {day(start.date())} au {day(last_day)}"
    if start.date() == end.date():
        return f"{day(start.date())}, {hour(start)} – {hour(end)}"
    return f"du {day(start.date())}, {hour(start)} au {day(end.date())}, {hour(end)}"


def one_line(text) -> str:
    """Text on one line: control characters (CR, LF, tabs…) become spaces, spaces are folded."""
    text = str(text or "")
    if not text.isprintable():  # read character by character only when some are not
        text = "".join(c if c.isprintable() else " " for c in text)
    return " ".join(text.split())


def moment(value: datetime) -> str:
    """« jeudi 4 septembre 2025 à 14 h »."""
    return f"{day(value.date())} à {hour(value)}"


def render_markdown(text: str | None) -> Markup:
    """Markdown turned into sanitised HTML."""
    return Markup(nh3.clean(markdown.markdown(text))) if text else Markup("")  # noqa: S704 (sanitised by nh3)


def slot_details(slot) -> str:
    """When and where a slot of a programme is: « 14 h – 15 h 30, salle B » (its day first, if it has one)."""
    times = f"{hour(slot.starts)} – {hour(slot.ends)}"
    return ", ".join(part for part in (day(slot.day) if slot.day else "", times, slot.place or "") if part)


def slot_line(slot) -> str:
    """A slot on one line: « Atelier 2 (14 h – 15 h 30, salle B) »."""
    return f"{slot.title} ({slot_details(slot)})"


def datetime_short(value: datetime) -> str:
    """« 04/09/2025 à 14 h 05 », for lists and logs (Paris time given)."""
    return f"{value:%d/%m/%Y} à {hour(value)}"


def answer_text(value) -> str:
    """An answer to an organisers' question as text: « Oui », « Non », choices joined by commas, a
    number, the text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def retention(days: int) -> str:
    """How long personal data is kept: « un an », « 2 ans », « 90 jours »."""
    years, rest = divmod(days, 365)
    if years and not rest:
        return "un an" if years == 1 else f"{years} ans"
    return f"{days} jours"


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        day=day,
        hour=hour,
        when=when,
        moment=moment,
        datetime_short=datetime_short,
        slot_details=slot_details,
        slot_line=slot_line,
        markdown=render_markdown,
        local=clock.to_local,
        answer=answer_text,
    )

    @app.context_processor
    def data_protection():
        return {"retention": retention(app.config["RTES_RETENTION_DAYS"])}
