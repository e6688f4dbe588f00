"""A throw-away application with the demo data, for the benchmarks."""

import os
import tempfile
from pathlib import Path


def demo_app(**config):
    """An app on a fresh SQLite file in a temporary instance folder, migrated and with the demo loaded."""
    folder = Path(tempfile.mkdtemp(prefix="rtes-bench-"))
    os.environ["RTES_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade

    from rtes_events import create_app
    from rtes_events.demo.loader import load_demo

    app = create_app({"RATELIMIT_ENABLED": False, "RTES_BASE_URL": "http://rtes.test", **config})
    with app.app_context():
        upgrade()
        load_demo()
    return app


def migrated_app(url: str, **config):
    """An app on the database at ``url``, migrated, with the demo's clubs, partners and themes."""
    folder = Path(tempfile.mkdtemp(prefix="rtes-bench-"))
    os.environ["RTES_INSTANCE_PATH"] = str(folder)
    from flask_migrate import upgrade

    from rtes_events import create_app
    from rtes_events.demo.loader import load_demo

    app = create_app({"RATELIMIT_ENABLED": False, "SQLALCHEMY_DATABASE_URI": url, **config})
    with app.app_context():
        upgrade()
        load_demo()
    return app


def timed(label: str, call, repeat: int, baseline: float | None = None) -> float:
    """Run ``call`` ``repeat`` times; print the mean time and its ratio to ``baseline``."""
    import time

    call()  # warm up
    start = time.perf_counter()
    for _ in range(repeat):
        call()
    mean = (time.perf_counter() - start) / repeat
    ratio = f"  ×{mean / baseline:6.2f}" if baseline else "  (baseline)"
    print(f"{label:<48} {mean * 1000:8.2f} ms{ratio}")
    return mean
