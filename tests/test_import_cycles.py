"""The package's modules import one another without cycles, counting the imports written inside
functions too (a deferred import hides a cycle, it does not break it); and each module imports on
its own, in a fresh interpreter state."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "rtes_events"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that ``name`` imports anywhere in its code (and the packages holding
    them, which run first), its own packages aside (Python initialises a package before its
    modules: that edge is no cycle)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in known)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            submodules = {f"{target}.{alias.name}" for alias in node.names} & known
            found.update(submodules or ({target} & known))
    with_packages = set(found)
    for target in found:  # importing a.b.c first runs a/__init__ and a/b/__init__
        parts = target.split(".")
        with_packages.update(".".join(parts[:end]) for end in range(1, len(parts)))
    return {
        other
        for other in with_packages & known
        if other != name and not name.startswith(other + ".")  # its own packages: initialised first
    }


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path (first module repeated at the end), or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_its_path():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_deferred_relative_and_package_imports():
    graph = import_graph()
    assert "rtes_events.extensions" in graph["rtes_events.outbox"]  # from .extensions import db
    assert "rtes_events.hookspecs" in graph["rtes_events.builtin.local_registration"]  # from ..hookspecs
    assert "rtes_events.cli" in graph["rtes_events"]  # imported inside create_app
    assert "rtes_events.models" in graph["rtes_events.outbox"]  # from .models import …
    assert "rtes_events" not in graph["rtes_events.cli"]  # its own package, initialised first


def test_the_package_has_no_import_cycle():
    cycle = find_cycle(import_graph())
    assert cycle is None, (
        "import cycle: " + " → ".join(cycle) + " (move the piece both need where it belongs, "
        "rather than deferring an import)"
    )


def test_no_core_service_imports_a_reader_of_outside_data():
    """The importer and the followed calendars write events through the core (``editing``): only the
    command line, the worker, the demo, the views and their forms call them."""
    graph = import_graph()
    readers = {"rtes_events.importer", *(name for name in graph if name.startswith("rtes_events.sources"))}
    callers = {"rtes_events.cli", "rtes_events.worker", "rtes_events.demo.loader"}
    for name, imported in graph.items():
        if imported & readers and name not in readers | callers:
            assert name.startswith(("rtes_events.views.", "rtes_events.forms.")), (
                f"{name} imports {imported & readers}"
            )


def test_each_module_imports_on_its_own():
    """Each module imported first, with no other module of the package loaded before it (``__main__``,
    which runs the command line, aside)."""
    names = sorted(name for name in modules() if not name.endswith("__main__"))
    code = (
        "import importlib, sys\n"
        f"for name in {names!r}:\n"
        "    for loaded in [m for m in sys.modules if m == 'rtes_events' or m.startswith('rtes_events.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter, code written above)
        [sys.executable, "-W", "ignore", "-c", code],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def test_sending_imports_no_service():
    """The worker renders each message by the renderer its kind registered (``rendering``): neither
    sending nor the registry imports, even indirectly, a module that registers a renderer."""
    graph = import_graph()
    registering = {
        name
        for name, path in modules().items()
        if "rendering.renders(" in path.read_text(encoding="utf-8") and name != "rtes_events.rendering"
    }
    assert "rtes_events.reminders" in registering
    reached, todo = set(), ["rtes_events.delivery"]
    while todo:
        for other in graph[todo.pop()] - reached:
            reached.add(other)
            todo.append(other)
    assert "rtes_events.rendering" in reached
    assert not reached & registering, f"delivery imports {reached & registering}"
