"""Build static/geo/henan-cities.geojson, the boundaries of Henan's 18 prefecture-level cities the comparison map
draws, from the npm package echarts 4.9.0 (Apache-2.0; its map/json/province/henan.json, which echarts 5 no longer
ships). Run it again to rebuild the file; the package is fetched with `npm pack` from the npm registry and checked
against the registry's SHA-1 before anything is read.

    python scripts/henan_geojson.py [--tarball echarts-4.9.0.tgz]

echarts stores the rings compressed (UTF8Encoding: each coordinate is a zig-zag encoded delta from the previous one,
offset by 64 into a character, scaled by 1024). This decodes them into plain GeoJSON (RFC 7946) rounded to 1e-4°
and simplified (Ramer–Douglas–Peucker, 0.003° ≈ 300 m: under a pixel on the page's map) so that the page carries
about a third of the points; it keeps each feature's adcode and name only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = "echarts@4.9.0"
SHA1 = "a9b9baa03f03a2a731e6340c55befb57a9e1347d"  # `npm view echarts@4.9.0 dist.shasum`
MEMBER = "package/map/json/province/henan.json"
OUT = Path(__file__).resolve().parent.parent / "static" / "geo"
SCALE = 1024
TOLERANCE = 0.003  # degrees


def simplify(points: list[list[float]], tolerance: float = TOLERANCE) -> list[list[float]]:
    """Ramer–Douglas–Peucker: drop the points nearer than `tolerance` to the chord of their neighbours."""
    if len(points) < 3:
        return points
    (x1, y1), (x2, y2) = points[0], points[-1]
    length = ((x2 - x1) ** 2 + (y2 - y1) ** 2) ** 0.5
    worst, index = -1.0, 0
    for i in range(1, len(points) - 1):
        x, y = points[i]
        if length == 0:
            distance = ((x - x1) ** 2 + (y - y1) ** 2) ** 0.5
        else:
            distance = abs((y2 - y1) * x - (x2 - x1) * y + x2 * y1 - y2 * x1) / length
        if distance > worst:
            worst, index = distance, i
    if worst <= tolerance:
        return [points[0], points[-1]]
    return simplify(points[: index + 1], tolerance)[:-1] + simplify(points[index:], tolerance)


def decode_ring(text: str, offset: list[int]) -> list[list[float]]:
    x, y = offset
    ring = []
    for i in range(0, len(text), 2):
        dx, dy = ord(text[i]) - 64, ord(text[i + 1]) - 64
        x += (dx >> 1) ^ -(dx & 1)
        y += (dy >> 1) ^ -(dy & 1)
        ring.append([x / SCALE, y / SCALE])
    if ring and ring[0] != ring[-1]:  # GeoJSON rings are closed
        ring.append(list(ring[0]))
    # A closed ring's chord has length 0: simplify its two halves, split at the point farthest from the start.
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
    kept = simplify(ring[: far + 1])[:-1] + simplify(ring[far:])
    return [[round(x, 4), round(y, 4)] for x, y in kept]


def decode_geometry(geometry: dict[str, Any]) -> dict[str, Any]:
    kind, rings, offsets = geometry["type"], geometry["coordinates"], geometry["encodeOffsets"]
    if kind == "Polygon":
        rings, offsets = [rings], [offsets]
    elif kind != "MultiPolygon":
        raise ValueError(f"unexpected geometry {kind}")
    polygons = []
    for polygon, polygon_offsets in zip(rings, offsets, strict=True):
        decoded = [decode_ring(r, o) for r, o in zip(polygon, polygon_offsets, strict=True)]
        # A sliver that simplification folds to fewer than 4 points (3 distinct corners) is no ring any more.
        kept = [ring for ring in decoded if len(ring) >= 4]
        if kept and kept[0] is decoded[0]:  # a polygon whose outline is gone goes with its holes
            polygons.append(kept)
    if len(polygons) == 1:
        return {"type": "Polygon", "coordinates": polygons[0]}
    return {"type": "MultiPolygon", "coordinates": polygons}


def build(tarball: Path) -> dict[str, Any]:
    digest = hashlib.sha1(tarball.read_bytes(), usedforsecurity=False).hexdigest()
    if digest != SHA1:
        raise SystemExit(f"{tarball}: SHA-1 {digest}, expected {SHA1} (not the published {PACKAGE})")
    with tarfile.open(tarball) as archive:
        source = json.load(archive.extractfile(MEMBER))  # type: ignore[arg-type]
        for name in ("LICENSE", "NOTICE"):
            (OUT / f"{name}-echarts.txt").write_bytes(archive.extractfile(f"package/{name}").read())  # type: ignore[union-attr]
    features = [
        {
            "type": "Feature",
            "id": feature["id"],
            "properties": {"adcode": feature["id"], "name": feature["properties"]["name"]},
            "geometry": decode_geometry(feature["geometry"]),
        }
        for feature in sorted(source["features"], key=lambda f: f["id"])
    ]
    return {
        "type": "FeatureCollection",
        "source": f"npm {PACKAGE} {MEMBER.removeprefix('package/')}, Apache-2.0, see LICENSE-echarts.txt",
        "features": features,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help="echarts-4.9.0.tgz already fetched (default: npm pack it)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        tarball = args.tarball
        if tarball is None:
            command = ["npm", "pack", PACKAGE, "--pack-destination", scratch]
            subprocess.run(command, check=True, capture_output=True)  # noqa: S603 — fixed arguments, npm from PATH
            tarball = Path(scratch) / "echarts-4.9.0.tgz"
        collection = build(tarball)
    target = OUT / "henan-cities.geojson"
    target.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{target}: {len(collection['features'])} cities, {target.stat().st_size} bytes")


if __name__ == "__main__":
    main()
