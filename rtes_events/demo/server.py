"""The demo's processes: gunicorn serving the platform (a few workers) and ``rtes-events worker``
beside it, both stopped when the demo is (Ctrl-C or SIGTERM)."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable

import click
from gunicorn.config import KNOWN_SETTINGS

WORKERS = 3  # gunicorn worker processes
WORKER_INTERVAL = 0.5  # seconds between two outbox passes: the demo's e-mails appear at once
STOP_TIMEOUT = 10  # seconds a process has to stop before it is killed
READY_TIMEOUT = 60
# gunicorn ≥ 27 opens a control socket in ~/.gunicorn, one path for every gunicorn of the account
NO_CONTROL_SOCKET = [s.cli[0] for s in KNOWN_SETTINGS if s.name == "control_socket_disable"]


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def commands(host: str, port: int) -> dict[str, tuple[list[str], int]]:
    """gunicorn and the outbox worker by name, run with this Python (the same installation), each
    with the signal that stops it: gunicorn's quick shutdown (a demo has no request worth waiting
    for), the worker's own stop after its pass under way."""
    server = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(WORKERS),
        "--bind",
        bind_address(host, port),
        "--graceful-timeout",
        "5",
        "--log-level",
        "warning",
        *NO_CONTROL_SOCKET,
        "rtes_events:create_app()",
    ]
    worker = [sys.executable, "-m", "rtes_events", "worker", "--interval", str(WORKER_INTERVAL)]
    return {"gunicorn": (server, signal.SIGINT), "rtes-events worker": (worker, signal.SIGTERM)}


def _die_with_parent() -> None:  # pragma: no cover (runs in the child, between fork and exec)
    """Linux: a child gets SIGTERM if the demo dies without stopping it (killed with SIGKILL)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _listening(host: str, port: int) -> bool:
    target = "127.0.0.1" if host in ("0.0.0.0", "") else "::1" if host == "::" else host  # noqa: S104
    try:
        with socket.create_connection((target, port), timeout=1):
            return True
    except OSError:
        return False


def run(host: str, port: int, env: dict[str, str], ready: Callable[[], None]) -> int:
    """Start the processes with ``env``, call ``ready()`` once the server listens, and wait for
    SIGINT or SIGTERM (or a process that stops by itself); then stop them all. Returns the exit code."""
    if _listening(host, port):
        click.echo(f"Le port {port} est déjà utilisé : choisissez-en un autre avec --port.", err=True)
        return 1
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes: dict[str, tuple[subprocess.Popen, int]] = {}
    try:
        for name, (command, stop_signal) in commands(host, port).items():
            processes[name] = (
                subprocess.Popen(  # noqa: S603 (this Python, fixed arguments)
                    command,
                    env=env,
                    start_new_session=True,  # Ctrl-C reaches the demo alone, which then stops them
                    preexec_fn=_die_with_parent if sys.platform == "linux" else None,
                ),
                stop_signal,
            )
        deadline = time.monotonic() + READY_TIMEOUT
        while not stop.is_set() and not _listening(host, port):
            if _exited(processes) or time.monotonic() > deadline:
                return 1
            stop.wait(0.1)
        if not stop.is_set():
            ready()
        while not stop.wait(0.2):
            if _exited(processes):
                return 1
    finally:
        _stop(processes)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _exited(processes: dict[str, tuple[subprocess.Popen, int]]) -> bool:
    """Whether one of the processes stopped by itself (it said why on the terminal)."""
    for name, (process, _) in processes.items():
        if process.poll() is not None:
            click.echo(
                f"{name} s'est arrêté (code {process.returncode}) : arrêt de la démonstration.", err=True
            )
            return True
    return False


def _stop(processes: dict[str, tuple[subprocess.Popen, int]]) -> None:
    """Its stop signal to each process still running, then SIGKILL to its process group when it is
    still there after the timeout."""
    for process, stop_signal in processes.values():
        if process.poll() is None:
            process.send_signal(stop_signal)
    deadline = time.monotonic() + STOP_TIMEOUT
    for process, _ in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
