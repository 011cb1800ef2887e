"""What the Urban Nature Atlas says of each site: its description and its outline.

The outline is kept as GeoJSON (WGS 84, consecutive repeated vertices dropped); the case's point
is a point on the outline's surface, because the centroid of 62 of the 330 outlines falls outside
them (a river bend, a ring of parks). Areas are geodesic, on the WGS 84 ellipsoid, so a site in
Quito and one in Oslo are measured alike.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape

from cityweave.data.loaders.provenance import DATA_DIR, read_csv

DESCRIPTIONS_FILE = "nbs_cases_naturescapes_una/una_nbs_sites_descriptions.csv"
OUTLINES_FILE = "nbs_cases_naturescapes_una/una_nbs_sites_outlines.geojson"

DESCRIPTION_NOTE = (
    "The Urban Nature Atlas's description of the site, verbatim. The numbered references in it "
    "(“Ref 2”, “(2, 3)”) point to the reference list kept with the site at the source; CityWeave "
    "does not copy that list."
)

_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class SiteOutline:
    geometry: dict[str, Any]
    latitude: float
    longitude: float
    area_m2: float


def geodesic_area_m2(geometry: shapely.Geometry) -> float:
    """Area in m² of a lon/lat polygon on the WGS 84 ellipsoid (pyproj's ``Geod``, after Karney
    2013); ``abs`` because the sign follows the ring's winding order."""
    area, _perimeter = _GEOD.geometry_area_perimeter(geometry)
    return abs(area)


def site_outline(geojson_geometry: dict[str, Any]) -> SiteOutline:
    geometry = shapely.remove_repeated_points(shape(geojson_geometry))
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    point = geometry.point_on_surface()
    return SiteOutline(
        geometry=json.loads(json.dumps(mapping(geometry))),  # tuples to lists, as stored
        latitude=round(point.y, 6),
        longitude=round(point.x, 6),
        area_m2=round(geodesic_area_m2(geometry), 1),
    )


@cache
def descriptions() -> dict[str, str]:
    """Site ID → the source's description of it."""
    return {row["id"]: row["description"].strip() for row in read_csv(DESCRIPTIONS_FILE)}


@cache
def outlines() -> dict[str, SiteOutline]:
    """Site ID → its outline, for the 330 sites that have one."""
    with (DATA_DIR / OUTLINES_FILE).open(encoding="utf-8") as handle:
        features = json.load(handle)["features"]
    return {str(f["properties"]["ID"]): site_outline(f["geometry"]) for f in features}
