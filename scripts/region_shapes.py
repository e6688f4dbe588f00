"""Write rtes_events/region_shapes.py: simplified SVG outlines of France's regions for /adherents/.

Source: IGN GEOFLA 2016 contours (Licence Ouverte / Etalab), as GeoJSON in the france-geojson
project by Grégoire David: ``regions-version-simplifiee.geojson`` (metropolitan regions) and
``regions-avec-outre-mer.geojson`` (overseas regions). Run once by hand when the shapes change:

    python scripts/region_shapes.py METROPOLE.geojson OUTRE_MER.geojson > rtes_events/region_shapes.py

The metropolitan regions are projected (equirectangular, scaled at 46.5° N), simplified
(Douglas–Peucker) and rounded to whole pixels; the five overseas regions become insets, each
scaled to its own box, all under the seed's region code ``OM``. Corsica belongs to ``PAC``.
"""

import json
import math
import sys

# INSEE region code → the seed's region code.
CODES = {
    "11": "IDF", "24": "CVL", "27": "BFC", "28": "NOR", "32": "HDF", "44": "GES", "52": "PDL",
    "53": "BRE", "75": "NAQ", "76": "OCC", "84": "ARA", "93": "PAC", "94": "PAC",
}  # fmt: skip
OVERSEAS = {"01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte"}
SCALE = 46  # pixels per degree of latitude
COS = math.cos(math.radians(46.5))
WEST, NORTH = -5.3, 51.2
LEFT = 110  # the insets' column is on the left
INSET, GAP = 70, 26  # inset box size and the space for its name below
TOLERANCE = 0.9  # pixels
MIN_AREA = 6  # square pixels: smaller islands are left out


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker on an open polyline."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = math.hypot(x2 - x1, y2 - y1) or 1e-9
    index, distance = 0, 0.0
    for i in range(1, len(points) - 1):
        x, y = points[i]
        d = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length
        if d > distance:
            index, distance = i, d
    if distance <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def simplify_ring(ring, tolerance: float):
    """A closed ring simplified as two open halves, split at the point farthest from the first."""
    x0, y0 = ring[0]
    far = max(range(len(ring)), key=lambda i: math.hypot(ring[i][0] - x0, ring[i][1] - y0))
    return simplify(ring[: far + 1], tolerance)[:-1] + simplify(ring[far:], tolerance)[:-1]


def area(ring) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def centroid(ring) -> tuple[float, float]:
    a = area(ring) or 1e-9
    cx = sum(
        (x1 + x2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
    )
    cy = sum(
        (y1 + y2) * (x1 * y2 - x2 * y1) for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)
    )
    return cx / (6 * a), cy / (6 * a)


def polygons(geometry) -> list:
    return [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]


def ring_path(ring) -> str:
    points = [(round(x, 1), round(y, 1)) for x, y in ring]
    points = [p for i, p in enumerate(points) if i == 0 or p != points[i - 1]]
    return "M" + "L".join(f"{x:g},{y:g}" for x, y in points) + "Z"


def shape(geometry, project, tolerance=TOLERANCE):
    """The SVG path of a geometry and the label point of its largest polygon."""
    parts, largest = [], (0, None)
    for polygon in polygons(geometry):
        for n, ring in enumerate(polygon):
            projected = [project(lon, lat) for lon, lat in ring]
            simple = simplify_ring(projected, tolerance)
            if len(simple) < 3 or abs(area(simple)) < MIN_AREA:
                continue
            parts.append(ring_path(simple))
            if n == 0 and abs(area(simple)) > largest[0]:
                largest = (abs(area(simple)), simple)
    x, y = centroid(largest[1])
    return "".join(parts), (round(x), round(y))


def read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as file:
        return json.load(file)["features"]


def main(metropole: str, overseas: str) -> None:
    def project(lon, lat):
        return LEFT + (lon - WEST) * COS * SCALE, (NORTH - lat) * SCALE

    regions: dict[str, dict] = {}
    for feature in read(metropole):
        code = CODES[feature["properties"]["code"]]
        path, label = shape(feature["geometry"], project)
        entry = regions.setdefault(code, {"path": "", "label": label})
        entry["path"] += path
    insets = []
    features = {feature["properties"]["code"]: feature for feature in read(overseas)}
    for n, (code, name) in enumerate(OVERSEAS.items()):
        geometry = features[code]["geometry"]
        coords = [point for polygon in polygons(geometry) for ring in polygon for point in ring]
        lons, lats = [p[0] for p in coords], [p[1] for p in coords]
        cos = math.cos(math.radians(sum(lats) / len(lats)))
        span = max((max(lons) - min(lons)) * cos, max(lats) - min(lats))
        top = 8 + n * (INSET + GAP)
        box = (8, top)

        def fit(lon, lat, lons=lons, lats=lats, cos=cos, span=span, box=box):
            width = (max(lons) - min(lons)) * cos / span * INSET
            height = (max(lats) - min(lats)) / span * INSET
            return (
                box[0] + (INSET - width) / 2 + (lon - min(lons)) * cos / span * INSET,
                box[1] + (INSET - height) / 2 + (max(lats) - lat) / span * INSET,
            )

        path, _ = shape(geometry, fit, tolerance=0.6)
        insets.append({"name": name, "path": path, "box": [box[0], top, INSET, INSET]})
    regions["OM"] = {"path": "".join(i["path"] for i in insets), "label": None}
    width = round(LEFT + (9.7 - WEST) * COS * SCALE) + 8
    height = max(round((NORTH - 41.3) * SCALE) + 8, 8 + len(OVERSEAS) * (INSET + GAP))
    print(
        '"""Simplified outlines of France\'s regions, in SVG coordinates, keyed by the seed\'s region codes.'
    )
    print()
    print("Generated by scripts/region_shapes.py from IGN GEOFLA 2016 contours (Licence Ouverte / Etalab)")
    print("as published in GeoJSON by the france-geojson project (Grégoire David). PAC includes Corsica;")
    print('the five overseas regions are insets, all under ``OM``.\n"""')
    print()
    print(f"WIDTH, HEIGHT = {width}, {height}")
    print()
    print("# code → (SVG path, label point or None)")
    print("REGIONS = {")
    for code in sorted(regions):
        print(f"    {code!r}: (")
        print(f"        {regions[code]['path']!r},")
        print(f"        {regions[code]['label']!r},")
        print("    ),")
    print("}")
    print()
    print("# The overseas insets: (name, x, y, width, height) of each box, drawn within REGIONS['OM'].")
    print("INSETS = (")
    for inset in insets:
        print(f"    ({inset['name']!r}, {', '.join(str(v) for v in inset['box'])}),")
    print(")")


if __name__ == "__main__":
    main(*sys.argv[1:3])
