"""Settings read from ``RTES_*`` environment variables, with embedded defaults."""

import ipaddress
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TIMEZONE = "Europe/Paris"


def shipped_dir(name: str) -> Path:
    """A top-level project folder (templates, migrations): in the installed wheel, else the source tree."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


REMINDER_UNITS = {"d": 24 * 60, "j": 24 * 60, "h": 60, "min": 1}
MAX_REMINDER_DAYS = 60
NO_REMINDERS = ("", "aucun", "none")


def reminder_offsets(text: str, name: str = "RTES_REMINDERS") -> tuple[int, ...]:
    """Reminder offsets before an event's start, in minutes, latest reminder last: ``7d,1d,1h`` →
    ``(10080, 1440, 60)``. Units ``d`` (or ``j``), ``h``, ``min``; empty or ``aucun``: none.
    ValueError, in French and naming ``name``, on anything else."""
    if text.strip().lower() in NO_REMINDERS:
        return ()
    offsets = set()
    for part in text.replace(";", ",").split(","):
        token = part.strip().lower().replace(" ", "")
        number = token.rstrip("abcdefghijklmnopqrstuvwxyz")
        unit = token[len(number) :]
        if not number.isdigit() or unit not in REMINDER_UNITS or int(number) == 0:
            raise ValueError(
                f"{name} : « {part.strip()} » n'est pas un délai de rappel (exemples : 7d, 1d, 1h, 30min ; "
                "séparés par des virgules ; « aucun » pour n'envoyer aucun rappel)."
            )
        minutes = int(number) * REMINDER_UNITS[unit]
        if minutes > MAX_REMINDER_DAYS * 24 * 60:
            raise ValueError(f"{name} : un rappel ne peut partir plus de {MAX_REMINDER_DAYS} jours avant.")
        offsets.add(minutes)
    return tuple(sorted(offsets, reverse=True))


def checked_reminders(text: str) -> str:
    """``text`` once ``reminder_offsets`` reads it (else its ValueError)."""
    reminder_offsets(text)
    return text


@dataclass(frozen=True)
class Setting:
    """An ``RTES_*`` environment variable: declared once here, read by ``from_environment`` (or by
    ``environ`` for those needed before the app exists), listed in the deployment documentation."""

    name: str
    default: str  # the text read when the variable is unset or empty
    description: str
    parse: Callable[[str], object] = str
    key: str | None = ""  # the app config key: "" for ``name``, None when read elsewhere (``environ``)
    shown_default: str = ""  # the default as the documentation says it, when ``default`` is not it


def _url(text: str) -> str:
    return text.rstrip("/")


def _hours(text: str) -> timedelta:
    return timedelta(hours=float(text))


def _networks(text: str) -> tuple:
    """``1``: every address; else comma-separated networks (``10.0.0.0/8,192.168.1.20``); ``0``: none."""
    value = text.strip().lower()
    if value in ("", "0", "false", "non", "no"):
        return ()
    if value in ("1", "true", "oui", "yes"):
        return (ipaddress.ip_network("0.0.0.0/0"), ipaddress.ip_network("::/0"))
    try:
        return tuple(
            ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip()
        )
    except ValueError:
        raise ValueError(
            f"RTES_SOURCES_ALLOW_PRIVATE : « {text.strip()[:60]} » n'est ni 0, ni 1, ni une liste de réseaux "
            "(exemple : 10.0.0.0/8,192.168.1.20)."
        ) from None


def _interval(text: str) -> timedelta:
    """``1h``, ``30min``, ``1d`` (or ``1j``) as a timedelta; ValueError, in French, else."""
    minutes = reminder_offsets(text, "RTES_SOURCES_REFRESH")
    if len(minutes) != 1:
        raise ValueError("RTES_SOURCES_REFRESH : un seul délai, par exemple 1h ou 30min.")
    return timedelta(minutes=minutes[0])


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RTES_INSTANCE_PATH",
        "",
        "instance folder (database, secret key, outbox)",
        key=None,
        shown_default="``./instance`` with ``make``, else Flask's default",
    ),
    Setting(
        "RTES_DATABASE_URL",
        "",
        "SQLAlchemy URL, e.g. ``postgresql+psycopg://user:pw@host/rtes``",
        key=None,
        shown_default="SQLite file in the instance folder",
    ),
    Setting(
        "RTES_SECRET_KEY",
        "",
        "session and CSRF signing key",
        key=None,
        shown_default="generated once, kept in ``<instance>/secret_key``",
    ),
    Setting(
        "RTES_ENV",
        "development",
        "``production`` makes cookies ``Secure`` and sends HSTS",
        key=None,
    ),
    Setting(
        "RTES_MAIL_URL",
        "file:",
        "``file:/path``, ``smtp://[user:pw@]host:port[?starttls=1]`` or ``smtps://…`` "
        "(``file:`` writes ``.eml`` files in ``<instance>/outbox/``)",
    ),
    Setting("RTES_MAIL_FROM", "RTES <ne-pas-repondre@rtes.fr>", "sender of the e-mails"),
    Setting(
        "RTES_BASE_URL",
        "http://127.0.0.1:5000",
        "absolute links in e-mails and feeds (the demo's host and port by default)",
        _url,
    ),
    Setting(
        "RTES_PLUGINS",
        "",
        "comma-separated entry point names of the partner plugins to load; empty loads every "
        "installed one, ``none`` loads none",
    ),
    Setting(
        "RTES_RETENTION_DAYS",
        "365",
        "how long registrants' personal data is kept after an event (the consent text and "
        "``/donnees-personnelles`` say it)",
        int,
    ),
    Setting(
        "RTES_SENSITIVE_RETENTION_DAYS",
        "30",
        "how long answers to sensitive questions (dietary and accessibility needs, which may reveal "
        "health) are kept after an event; the worker erases them then, even when the rest of the "
        "registration is kept longer",
        int,
    ),
    Setting(
        "RTES_RATELIMIT_STORAGE_URL",
        "memory://",
        "Flask-Limiter storage shared by every worker and server: ``redis://host:6379`` or "
        "``memcached://host:11211`` (default: counts in each process)",
        key="RATELIMIT_STORAGE_URI",
    ),
    Setting(
        "RTES_REGISTRATION_RATE_LIMIT",
        "60 per minute; 600 per hour",
        "registration posts accepted per client address (generous: a whole organisation may share "
        "one address)",
    ),
    Setting(
        "RTES_REGISTRATION_EMAIL_RATE_LIMIT",
        "10 per hour",
        "registrations and link reminders per submitted e-mail address (lower-cased, ``+tag`` "
        "dropped), whatever the client address",
    ),
    Setting(
        "RTES_PROXY_HOPS",
        "0",
        "reverse proxies in front that set ``X-Forwarded-For``/``-Proto``/``-Host`` (werkzeug's "
        "ProxyFix); ``1`` behind one nginx",
        int,
    ),
    Setting(
        "RTES_CACHE_URL",
        "",
        "where pages, feeds and serialised events are kept: ``redis://host:6379/0`` shares them "
        "between every worker and server (default: a bounded cache in each process)",
    ),
    Setting(
        "RTES_FEED_PAST_MONTHS",
        "12",
        "how many months of past events ``/agenda.ics`` and the club feeds carry "
        "(``?periode=passes`` gives them all)",
        int,
    ),
    Setting(
        "RTES_REMINDERS",
        "7d,1d,1h",
        "reminders before a session: offsets in ``d`` (or ``j``), ``h``, ``min``, comma-separated; "
        "under a day only for online and hybrid sessions; ``aucun`` for none; a session may have its own",
        checked_reminders,  # a wrong value stops the start-up with its reason
    ),
    Setting(
        "RTES_VERSION_CHECK_SECONDS",
        "1",
        "how long a worker trusts the data versions it read before asking the database again; "
        "``0`` asks on every request",
        float,
    ),
    Setting(
        "RTES_OUTBOX_CLAIM_SECONDS",
        "300",
        "a message claimed by a worker that died while sending is taken by another after this long",
        float,
    ),
    Setting("RTES_LOGIN_RATE_LIMIT", "10 per minute", "failed sign-ins accepted per client address"),
    Setting(
        "RTES_API_RATE_LIMIT",
        "120 per minute; 3000 per hour",
        "API requests accepted per client address, all routes of ``/api/v1/`` together (429 beyond)",
    ),
    Setting(
        "RTES_LOGIN_ACCOUNT_RATE_LIMIT",
        "10 per hour",
        "failed sign-ins accepted per account (submitted e-mail), whatever the address",
    ),
    Setting(
        "RTES_MEMBER_ACCESS_RATE_LIMIT",
        "10 per minute; 60 per hour",
        "member access requests (``/adherents/acces``) accepted per client address, refused ones included",
    ),
    Setting(
        "RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT",
        "3 per hour",
        "member access e-mails sent per submitted address (lower-cased, ``+tag`` dropped), whatever "
        "the client address",
    ),
    Setting(
        "RTES_SESSION_HOURS",
        "8",
        "a workspace session expires after this many hours",
        _hours,
        key="PERMANENT_SESSION_LIFETIME",
    ),
    Setting(
        "RTES_UPLOAD_MAX_MB",
        "20",
        "largest replay file (slides PDF, WebVTT captions) accepted, in megabytes; only the two upload "
        "forms accept that much",
        float,
    ),
    Setting(
        "RTES_SOURCES_REFRESH",
        "1h",
        "how often the worker refreshes each followed calendar (``30min``, ``1h``, ``1d``); a failing "
        "one is tried again later and later, up to a day",
        _interval,
    ),
    Setting(
        "RTES_SOURCES_ALLOW_PRIVATE",
        "0",
        "``1`` lets followed calendars be on private, loopback or link-local addresses (tests, intranets); "
        "a list of networks (``10.0.0.0/8,192.168.1.20``) allows only those",
        _networks,
    ),
    Setting("RTES_SOURCES_TIMEOUT", "20", "seconds allowed to fetch a followed calendar, whole", float),
    Setting("RTES_SOURCES_MAX_MB", "10", "largest followed calendar read, in megabytes", float),
    Setting(
        "RTES_SOURCES_MAX_EVENTS",
        "1000",
        "events relayed from one followed calendar at most (occurrences of recurring ones counted), "
        "soonest first",
        int,
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
# App config keys named like settings but never read from the environment (tests change them).
CONFIG_ONLY = {"RTES_REGISTRATION_LOCK"}


def environ(name: str) -> str:
    """The text of the declared setting ``name``: its environment variable, else its default."""
    return os.environ.get(name, BY_NAME[name].default)


def instance_path() -> str | None:
    """The instance folder named by ``RTES_INSTANCE_PATH``, or None for Flask's default."""
    path = environ("RTES_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def secret_key(instance: Path) -> str:
    """``RTES_SECRET_KEY``, else a key generated once and kept in the instance folder."""
    if key := environ("RTES_SECRET_KEY"):
        return key
    path = instance / "secret_key"
    if not path.exists():  # written aside then linked: workers starting together keep one whole key
        draft = path.with_name(f".secret_key.{secrets.token_hex(8)}")
        draft.write_text(secrets.token_hex(32))
        draft.chmod(0o600)
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip()


def from_environment(instance: Path) -> dict:
    """The application settings for an instance folder."""
    production = environ("RTES_ENV") == "production"
    return {
        "SECRET_KEY": secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": environ("RTES_DATABASE_URL")
        or f"sqlite:///{instance / 'rtes_events.sqlite3'}",
        **{s.key or s.name: s.parse(environ(s.name)) for s in SETTINGS if s.key is not None},
        "RTES_REGISTRATION_LOCK": True,
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # forms; upload routes raise it to RTES_UPLOAD_MAX_MB
    }
