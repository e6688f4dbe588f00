"""What import files must hold: the error that refuses a file, and the checks of values that the
importers of events, programmes and replays share."""

from urllib.parse import urlsplit

from .formatting import one_line


class InvalidImport(ValueError):
    """The file does not follow the schema; the message says where, in French."""


def web_address(text) -> str | None:
    """An ``http(s)`` address, or None when empty; anything else is refused."""
    value = one_line(text)
    if value and urlsplit(value).scheme not in ("http", "https"):
        raise InvalidImport(f"adresse web invalide : {value!r}.")
    return value or None
