"""The application as gunicorn serves it in the benchmarks, plus a bare route: the baseline."""

from rtes_events import create_app

app = create_app({"RATELIMIT_ENABLED": False})


@app.get("/nu")
def bare():
    return "ok"
