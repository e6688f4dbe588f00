"""Settings from the environment."""

from concurrent.futures import ThreadPoolExecutor

from rtes_events.config import from_environment, secret_key


def test_the_generated_secret_key_is_kept_and_shared(tmp_path, monkeypatch):
    monkeypatch.delenv("RTES_SECRET_KEY", raising=False)
    with ThreadPoolExecutor(8) as pool:
        keys = set(pool.map(lambda _: secret_key(tmp_path), range(32)))
    assert len(keys) == 1 and len(keys.pop()) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_environment_variables_override_the_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("RTES_SECRET_KEY", "s3cret")
    monkeypatch.setenv("RTES_DATABASE_URL", "postgresql+psycopg://rtes@db/rtes")
    monkeypatch.setenv("RTES_MAIL_URL", "smtp://mail:25")
    monkeypatch.setenv("RTES_BASE_URL", "https://evenements.rtes.fr/")
    monkeypatch.setenv("RTES_RETENTION_DAYS", "730")
    monkeypatch.setenv("RTES_ENV", "production")
    config = from_environment(tmp_path)
    assert config["SECRET_KEY"] == "s3cret"
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://rtes@db/rtes"
    assert (config["RTES_MAIL_URL"], config["RTES_BASE_URL"]) == (
        "smtp://mail:25",
        "https://evenements.rtes.fr",
    )
    assert config["RTES_RETENTION_DAYS"] == 730
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


def test_defaults_are_the_embedded_ones(tmp_path, monkeypatch):
    for name in ("RTES_DATABASE_URL", "RTES_MAIL_URL", "RTES_BASE_URL", "RTES_ENV", "RTES_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    config = from_environment(tmp_path)
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'rtes_events.sqlite3'}"
    assert (config["RTES_MAIL_URL"], config["SESSION_COOKIE_SECURE"]) == ("file:", False)
