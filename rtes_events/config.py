"""Settings read from ``RTES_*`` environment variables, with embedded defaults."""

import os
import secrets
from datetime import timedelta
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
TIMEZONE = "Europe/Paris"


def shipped_dir(name: str) -> Path:
    """A top-level project folder (templates, migrations): in the installed wheel, else the source tree."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PACKAGE_DIR.parent / name


def instance_path() -> str | None:
    """The instance folder named by ``RTES_INSTANCE_PATH``, or None for Flask's default."""
    path = os.environ.get("RTES_INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def secret_key(instance: Path) -> str:
    """``RTES_SECRET_KEY``, else a key generated once and kept in the instance folder."""
    if key := os.environ.get("RTES_SECRET_KEY"):
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


def from_environment(instance: Path) -> dict:
    """The application settings for an instance folder."""
    env = os.environ.get
    production = env("RTES_ENV", "development") == "production"
    return {
        "SECRET_KEY": secret_key(instance),
        "SQLALCHEMY_DATABASE_URI": env("RTES_DATABASE_URL")
        or f"sqlite:///{instance / 'rtes_events.sqlite3'}",
        "RTES_MAIL_URL": env("RTES_MAIL_URL", "file:"),
        "RTES_MAIL_FROM": env("RTES_MAIL_FROM", "RTES <ne-pas-repondre@rtes.fr>"),
        "RTES_BASE_URL": env("RTES_BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "RTES_PLUGINS": env("RTES_PLUGINS", ""),
        "RTES_REGISTRATION_LOCK": True,
        "RTES_RETENTION_DAYS": int(env("RTES_RETENTION_DAYS", "365")),
        "RATELIMIT_STORAGE_URI": env("RTES_RATELIMIT_STORAGE_URL", "memory://"),
        "RTES_REGISTRATION_RATE_LIMIT": env("RTES_REGISTRATION_RATE_LIMIT", "60 per minute; 600 per hour"),
        "RTES_REGISTRATION_EMAIL_RATE_LIMIT": env("RTES_REGISTRATION_EMAIL_RATE_LIMIT", "10 per hour"),
        "RTES_PROXY_HOPS": int(env("RTES_PROXY_HOPS", "0")),
        "RTES_CACHE_URL": env("RTES_CACHE_URL", ""),
        "RTES_FEED_PAST_MONTHS": int(env("RTES_FEED_PAST_MONTHS", "12")),
        # Reminders to confirmed registrants, before the start (reminders.py): read here so that a
        # wrong value stops the start-up with its reason.
        "RTES_REMINDERS": checked_reminders(env("RTES_REMINDERS", "7d,1d,1h")),
        "RTES_VERSION_CHECK_SECONDS": float(env("RTES_VERSION_CHECK_SECONDS", "1")),
        "RTES_OUTBOX_CLAIM_SECONDS": float(env("RTES_OUTBOX_CLAIM_SECONDS", "300")),
        "RTES_LOGIN_RATE_LIMIT": env("RTES_LOGIN_RATE_LIMIT", "10 per minute"),
        "RTES_API_RATE_LIMIT": env("RTES_API_RATE_LIMIT", "120 per minute; 3000 per hour"),
        "RTES_LOGIN_ACCOUNT_RATE_LIMIT": env("RTES_LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour"),
        "RTES_MEMBER_ACCESS_RATE_LIMIT": env("RTES_MEMBER_ACCESS_RATE_LIMIT", "10 per minute; 60 per hour"),
        "RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT": env("RTES_MEMBER_ACCESS_EMAIL_RATE_LIMIT", "3 per hour"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(env("RTES_SESSION_HOURS", "8"))),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "RTES_UPLOAD_MAX_MB": float(env("RTES_UPLOAD_MAX_MB", "20")),
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # forms; upload routes raise it to RTES_UPLOAD_MAX_MB
    }
