"""Case content from the Urban Nature Atlas: descriptions, outlines, points and areas."""

from __future__ import annotations

import pytest
from shapely.geometry import Point, Polygon, shape

from cityweave.catalogue.models import Case
from cityweave.data.loaders.case_sites import geodesic_area_m2, site_outline

pytestmark = pytest.mark.django_db


def test_every_case_has_its_description_with_the_note_on_references() -> None:
    cases = Case.objects.all()
    assert not cases.filter(description="").exists()
    assert not cases.filter(description_note="").exists()
    rio_salado = Case.objects.get(slug__endswith="-una-1")
    assert rio_salado.description.startswith("The Rio Salado Habitat Restoration Area is a urban")
    assert "reference list" in rio_salado.description_note


def test_330_outlined_sites_have_a_point_inside_their_outline() -> None:
    outlined = Case.objects.filter(location_precision="site")
    assert outlined.count() == 330
    for case in outlined:
        outline = shape(case.polygon)
        assert outline.covers(Point(case.longitude, case.latitude)), case.slug
        assert case.area_m2 and case.area_m2 > 0


def test_a_site_without_outline_stays_at_its_city_centre() -> None:
    case = Case.objects.get(slug__endswith="-una-33")
    assert case.location_precision == "city"
    assert case.polygon is None and case.area_m2 is None
    assert (case.latitude, case.longitude) == (case.city.latitude, case.city.longitude)


def test_geodesic_area_of_a_degree_square_at_the_equator() -> None:
    # One degree by one degree at the equator on the WGS 84 ellipsoid: 12,308.8 km². A sphere of
    # the mean radius (6,371,008.8 m) gives R² · Δλ · sin 1° = 12,363.7 km², 0.45 % more.
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    assert geodesic_area_m2(square) == pytest.approx(1.2308778e10, rel=1e-6)


def test_an_outline_whose_centroid_is_outside_gets_a_point_inside() -> None:
    # A U shape: its centroid (in the notch) lies outside the polygon.
    u_shape = {
        "type": "Polygon",
        "coordinates": [[[0, 0], [3, 0], [3, 3], [2, 3], [2, 1], [1, 1], [1, 3], [0, 3], [0, 0]]],
    }
    outline = site_outline(u_shape)
    assert not shape(u_shape).contains(shape(u_shape).centroid)
    assert shape(u_shape).contains(Point(outline.longitude, outline.latitude))


def test_repeated_vertices_are_dropped() -> None:
    ring = [[0, 0], [0.001, 0], [0.001, 0], [0.001, 0.001], [0, 0.001], [0, 0]]
    outline = site_outline({"type": "Polygon", "coordinates": [ring]})
    assert len(outline.geometry["coordinates"][0]) == 5
