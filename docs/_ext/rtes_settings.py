"""The ``rtes-settings`` directive: the table of every ``RTES_*`` setting, from
``rtes_events.config.SETTINGS`` (the one place that declares them, which the application reads), so
the documentation cannot drift."""

import re

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

from rtes_events.config import SETTINGS


def inline(text: str) -> list[nodes.Node]:
    """``text`` with its ````literal```` parts as literal nodes."""
    parts = re.split(r"``(.+?)``", text)
    return [nodes.literal(part, part) if i % 2 else nodes.Text(part) for i, part in enumerate(parts) if part]


def row(*cells: list[nodes.Node]) -> nodes.row:
    return nodes.row("", *(nodes.entry("", nodes.paragraph("", "", *cell)) for cell in cells))


class SettingsTable(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        group = nodes.tgroup(cols=3)
        group += [nodes.colspec(colwidth=width) for width in (3, 3, 6)]
        group += nodes.thead(
            "", row([nodes.Text("variable")], [nodes.Text("default")], [nodes.Text("meaning")])
        )
        group += nodes.tbody(
            "",
            *(
                row(
                    [nodes.literal(s.name, s.name)],
                    inline(s.shown_default)
                    if s.shown_default
                    else inline(f"``{s.default}``" if s.default else "empty"),
                    inline(s.description),
                )
                for s in SETTINGS
            ),
        )
        table = nodes.table("", group, classes=["rtes-settings"])
        return [table]


def setup(app):
    app.add_directive("rtes-settings", SettingsTable)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
