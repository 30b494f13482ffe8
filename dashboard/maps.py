"""The boundaries the comparison map draws: static/geo/henan-cities.geojson, Henan's 18 prefecture-level cities,
decoded from the npm package echarts 4.9.0 (Apache-2.0) by scripts/henan_geojson.py. Read once per process."""

from __future__ import annotations

import functools
import itertools
import json
from dataclasses import dataclass

from django.conf import settings

GEOJSON = settings.BASE_DIR / "static" / "geo" / "henan-cities.geojson"
PROVINCE = "410000"  # the only province the shipped file covers

Ring = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Shape:
    adcode: str
    name: str
    rings: tuple[Ring, ...]  # outer rings (the file's cities have no holes worth drawing)
    centre: tuple[float, float]  # where the city's name and clickable marker go


def _area_centre(ring: Ring) -> tuple[float, float, float]:
    """The signed area and the centroid of a closed ring (the shoelace formula)."""
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(ring):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    area /= 2
    if area == 0:
        return 0.0, ring[0][0], ring[0][1]
    return area, cx / (6 * area), cy / (6 * area)


@functools.cache
def shapes(province: str = PROVINCE) -> dict[str, Shape]:
    """adcode → the city's shape; empty for a province the shipped file does not cover."""
    if province != PROVINCE:
        return {}
    collection = json.loads(GEOJSON.read_text(encoding="utf-8"))
    found = {}
    for feature in collection["features"]:
        geometry = feature["geometry"]
        polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        rings = tuple(tuple((x, y) for x, y in polygon[0]) for polygon in polygons)
        largest = max(rings, key=lambda ring: abs(_area_centre(ring)[0]))
        _area, cx, cy = _area_centre(largest)
        adcode = feature["properties"]["adcode"]
        found[adcode] = Shape(adcode, feature["properties"]["name"], rings, (round(cx, 4), round(cy, 4)))
    return found
