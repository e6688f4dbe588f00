"""Messages rendered when sent: each kind of e-mail queued as a reference (``outbox.enqueue_rendered``)
registers here how it is rendered, and the worker (``delivery``) renders it by its kind, importing
no service.

A service registers its kinds when it is imported, which the app factory does at start::

    @renders("reminder")
    def reminder(reference: dict) -> EmailMessage: ...

``reference`` is the JSON the row was queued with (``template`` is the kind, the rest its details);
the renderer returns the e-mail, addressed, or raises ``outbox.Dropped`` when it is no longer wanted.
The registrants' plain e-mails (``mail.SUBJECTS``) are registered below.
"""

from collections.abc import Callable
from email.message import EmailMessage
from functools import partial

from . import mail
from .extensions import db
from .models import Registration
from .outbox import Dropped

Renderer = Callable[[dict], EmailMessage]
RENDERERS: dict[str, Renderer] = {}


class NoRenderer(LookupError):
    """A message of a kind that no module registered a renderer for: it fails, and is retried."""


def renders(kind: str) -> Callable[[Renderer], Renderer]:
    """Register the decorated function as the renderer of the messages of ``kind`` (once)."""

    def register(renderer: Renderer) -> Renderer:
        if RENDERERS.setdefault(kind, renderer) is not renderer:
            raise ValueError(f"the message kind {kind!r} already has a renderer: {RENDERERS[kind]!r}")
        return renderer

    return register


def render(reference: dict) -> EmailMessage:
    """The e-mail ``reference`` stands for, rendered by its kind's renderer."""
    kind = reference.get("template")
    if kind not in RENDERERS:
        raise NoRenderer(
            f"no renderer for the message kind {kind!r}: register one with @rendering.renders({kind!r}) "
            "in a module the app factory imports"
        )
    return RENDERERS[kind](reference)


def registration(reference: dict) -> Registration:
    """The registration a message is about; ``Dropped`` when it is gone or erased, or has no address
    to write to (a walk-in added at the door)."""
    found = db.session.get(Registration, reference.get("registration") or 0)
    if found is None or found.erased_at is not None or found.walk_in:
        raise Dropped
    return found


def _plain(template: str, reference: dict) -> EmailMessage:
    return mail.registration_message(registration(reference), template)


for _template in mail.SUBJECTS:
    renders(_template)(partial(_plain, _template))
