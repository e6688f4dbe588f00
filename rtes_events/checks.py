"""Checks of outside data, owned by the core and shared by its readers (the importer, followed
calendars) and by the services that parse their parts (programmes, replays): the error that refuses
data, and web addresses."""

from urllib.parse import urlsplit

from .formatting import one_line


class InvalidImport(ValueError):
    """The data does not follow its schema; the message says where, in French."""


def web_address(text) -> str | None:
    """An ``http(s)`` address, or None when empty; anything else is refused."""
    value = one_line(text)
    if value and urlsplit(value).scheme not in ("http", "https"):
        raise InvalidImport(f"adresse web invalide : {value!r}.")
    return value or None
