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
        "RTES_VERSION_CHECK_SECONDS": float(env("RTES_VERSION_CHECK_SECONDS", "1")),
        "RTES_LOGIN_RATE_LIMIT": env("RTES_LOGIN_RATE_LIMIT", "10 per minute"),
        "RTES_LOGIN_ACCOUNT_RATE_LIMIT": env("RTES_LOGIN_ACCOUNT_RATE_LIMIT", "10 per hour"),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(env("RTES_SESSION_HOURS", "8"))),
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": None,
        "RTES_UPLOAD_MAX_MB": float(env("RTES_UPLOAD_MAX_MB", "20")),
        "MAX_CONTENT_LENGTH": 1024 * 1024,  # forms; upload routes raise it to RTES_UPLOAD_MAX_MB
    }
