"""E-mails to registrants (text + HTML from Jinja templates, ``.ics`` attached) and their transports."""

import smtplib
import ssl
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid, parseaddr
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app, render_template

from . import opt_outs, qr
from .feeds import registration_ics
from .formatting import one_line
from .urls import external_url

SUBJECTS = {
    "confirmed": "Inscription confirmée : {title}",
    "waitlisted": "Inscription en liste d'attente : {title}",
    "promoted": "Une place s'est libérée, votre inscription est confirmée : {title}",
    "cancelled": "Inscription annulée : {title}",
    "resent": "Votre inscription : {title}",
    "changed": "{change} : {title}",
    "updated": "Inscription modifiée : {title}",
    "replay_published": "Replay disponible : {title}",
    "survey": "Votre avis sur : {title}",
}
WITH_CHECKIN_CODE = {"confirmed", "promoted", "resent"}  # the QR code for the door, inline, when on site
# About an event already over: no calendar entry to update.
WITHOUT_CALENDAR = {"replay_published", "survey", "attestation"}
CHANGES = {"cancelled": "Événement annulé", "postponed": "Événement reporté"}
OPT_OUTS = {"replay_published": opt_outs.headers}  # the List-Unsubscribe headers of e-mails one may refuse


def message_head(recipient: str, subject: str, headers: dict | None = None) -> EmailMessage:
    """An e-mail from the platform without its body: the usual headers, then ``headers`` (e.g.
    ``List-Unsubscribe``), each on one line. Every e-mail says it was sent by a program
    (``Auto-Submitted``, RFC 3834), so that no vacation reply answers it."""
    msg = EmailMessage(policy=SMTP)
    # Encoded here (RFC 2047, split inside the encoded words): the policy's own folding of a long
    # French subject puts the fold between two encoded words, where readers drop the space.
    msg.set_raw("Subject", Header(one_line(subject), header_name="Subject").encode())
    msg["From"] = current_app.config["RTES_MAIL_FROM"]
    msg["To"] = recipient
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain="rtes.fr")
    msg["Auto-Submitted"] = "auto-generated"
    for name, value in (headers or {}).items():
        msg[name] = one_line(value)
    return msg


def compose(recipient: str, subject: str, text: str, html: str, headers: dict | None = None) -> EmailMessage:
    """An e-mail from the platform, in text and HTML."""
    msg = message_head(recipient, subject, headers)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg


def registration_message(
    registration,
    template: str,
    *,
    subject_line: str | None = None,
    context: dict | None = None,
    headers: dict | None = None,
) -> EmailMessage:
    """The e-mail ``template`` (a key of SUBJECTS, else ``subject_line`` is given) for
    ``registration``, with the event attached; ``context`` adds to the templates' values."""
    event = registration.event
    context = {
        **(context or {}),
        "registration": registration,
        "event": event,
        "event_url": external_url("public.event", slug=event.slug),
        "manage_url": external_url("registration.manage", token=registration.token),
    }
    checkin_cid = None
    if template in WITH_CHECKIN_CODE and registration.shows_checkin_code:
        checkin_cid = make_msgid(domain="rtes.fr")
        context["checkin_cid"] = checkin_cid[1:-1]
    if template in OPT_OUTS:
        headers = {**OPT_OUTS[template](registration.email), **(headers or {})}
    msg = message_head(registration.email, subject_line or subject(registration, template), headers)
    msg.set_content(render_template(f"mail/{template}.txt", **context))
    msg.add_alternative(render_template(f"mail/{template}.html", **context), subtype="html")
    if checkin_cid:
        html = msg.get_payload()[1]
        png = qr.png(registration.checkin_code)
        html.add_related(
            png, "image", "png", cid=checkin_cid, disposition="inline", filename="code-accueil.png"
        )
    if registration.is_active and template not in WITHOUT_CALENDAR:
        msg.add_attachment(
            registration_ics(registration),
            maintype="text",
            subtype="calendar",
            filename=f"{event.slug}.ics",
            params={"method": "PUBLISH", "charset": "utf-8"},
        )
    return msg


def subject(registration, template: str) -> str:
    """The subject line of the e-mail ``template`` for ``registration``."""
    event = registration.event
    change = CHANGES.get(event.status, "Changement de date, d'horaire ou de lieu")
    return one_line(SUBJECTS[template].format(title=event.title, change=change))


class FileTransport:
    """Writes each message as an ``.eml`` file in a folder (the default: ``<instance>/outbox``)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message_id: int, recipient: str, payload: str) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{message_id:08d}.eml"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(payload, encoding="utf-8", newline="")
        tmp.replace(path)


class SMTPTransport:
    """Sends through an SMTP server: ``smtp://[user:password@]host:port[?starttls=1]`` or ``smtps://``."""

    def __init__(self, url: str):
        parts = urlsplit(url)
        self.implicit_tls = parts.scheme == "smtps"
        self.starttls = parse_qs(parts.query).get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.implicit_tls else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    def send(self, message_id: int, recipient: str, payload: str) -> None:
        context = ssl.create_default_context()
        if self.implicit_tls:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=30)
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password or "")
            sender = parseaddr(current_app.config["RTES_MAIL_FROM"])[1]
            client.sendmail(sender, [recipient], payload.encode("utf-8"))


def transport():
    """The transport named by ``RTES_MAIL_URL``."""
    url = current_app.config["RTES_MAIL_URL"]
    if url.startswith("file:"):
        folder = url[len("file:") :]
        return FileTransport(Path(folder) if folder else Path(current_app.instance_path) / "outbox")
    if url.startswith(("smtp://", "smtps://")):
        return SMTPTransport(url)
    raise ValueError(f"RTES_MAIL_URL non pris en charge : {url!r} (file:, smtp:// ou smtps://)")
