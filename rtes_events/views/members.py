"""``/adherents/``: who the member authorities are, by region, on a map and in a table."""

from dataclasses import dataclass

from flask import Blueprint, render_template, request, url_for
from sqlalchemy import select

from .. import cache, memberships, registry
from ..extensions import db
from ..members import current_year
from ..models import Region
from ..models.members import KINDS
from ..region_shapes import HEIGHT, INSETS, REGIONS, WIDTH

bp = Blueprint("members", __name__)

# The network's own figure, reported in its 2019 activity report: shown as such, never as rows.
REPORTED = {
    "date": "31 décembre 2019",
    "members": 132,
    "regions": 8,
    "departements": 17,
    "source": "rapport d'activité 2019 du RTES",
}
# Fill of a region by its share of the largest count (0: none), and the colour of its figure.
SHADES = (
    ("#dde3ea", "#1b1b1b"),
    ("#c6dbef", "#1b1b1b"),
    ("#85bcdb", "#1b1b1b"),
    ("#3b7fb8", "#ffffff"),
    ("#1c4f8a", "#ffffff"),
)


@dataclass
class RegionRow:
    code: str
    name: str
    count: int
    members: list
    club_url: str | None
    club_name: str | None
    shade: int = 0

    @property
    def fill(self) -> str:
        return SHADES[self.shade][0]

    @property
    def text(self) -> str:
        return SHADES[self.shade][1]

    @property
    def path(self) -> str:
        return REGIONS[self.code][0] if self.code in REGIONS else ""

    @property
    def label(self) -> tuple[int, int] | None:
        return REGIONS[self.code][1] if self.code in REGIONS else None


def kind_filter() -> str:
    kind = request.args.get("type", "")
    return kind if kind in KINDS else ""


@bp.get("/adherents/")
@cache.public(("shared",), key=lambda: (kind_filter(), current_year()), moments=False)
def index():
    kind = kind_filter()
    members = memberships.current_members(kind or None)
    clubs = {}
    for club in registry.clubs():
        clubs.setdefault(club.region_code, club)
    rows = []
    for region in db.session.scalars(select(Region).order_by(Region.name)):
        own = [member for member in members if member.region_code == region.code]
        club = clubs.get(region.code)
        rows.append(
            RegionRow(
                region.code,
                region.name,
                len(own),
                own,
                url_for("clubs.club", slug=club.slug) if club else None,
                club.name if club else None,
            )
        )
    largest = max((row.count for row in rows), default=0)
    for row in rows:
        row.shade = 0 if not row.count else min(4, 1 + (3 * row.count) // max(largest, 1))
    return render_template(
        "members/index.html",
        rows=rows,
        total=len(members),
        kind=kind,
        kinds=KINDS,
        kind_counts=memberships.kind_counts(),
        reported=REPORTED,
        shades=[shade for shade, _ in SHADES],
        legend=legend(largest),
        map_size=(WIDTH, HEIGHT + 24),
        insets=INSETS,
    )


def legend(largest: int) -> list[tuple[str, str]]:
    """The map's key: (colour, what it means) for each shade in use."""
    items = [(SHADES[0][0], "aucun adhérent")]
    bounds: dict[int, list[int]] = {}
    for count in range(1, largest + 1):
        bounds.setdefault(min(4, 1 + (3 * count) // largest), []).append(count)
    for shade, counts in sorted(bounds.items()):
        low, high = counts[0], counts[-1]
        text = f"{low} adhérent{'s' if low > 1 else ''}" if low == high else f"de {low} à {high} adhérents"
        items.append((SHADES[shade][0], text))
    return items
