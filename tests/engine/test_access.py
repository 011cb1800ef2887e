"""Urban nature access: kernels and 2SFCA steps checked by hand on strips of five cells, the WHO
indicator on small cities drawn cell by cell, bad inputs, and parity with InVEST 3.20.2's Urban
Nature Access model on the stored fixtures (``benchmarks/invest_fixtures.py``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio.raw
import pytest
from rasterio.crs import CRS
from shapely.geometry import box

from cityweave.engine import io
from cityweave.engine.config import read_config
from cityweave.engine.errors import EngineInputError
from cityweave.engine.models import MODELS, access
from tests.engine.conftest import read_tif, write_csv, write_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "invest"
ORIGIN = (500_000.0, 5_000_000.0)
UTM = CRS.from_epsg(32633)
NODATA = io.FLOAT_NODATA

# --- kernels and ratios --------------------------------------------------------------------


def test_kernels_follow_invest_radius_rounding() -> None:
    # Dichotomy, r = 1.5 cells: the corners (d = 1.414) are in; r = 1: only the 4 sides.
    np.testing.assert_array_equal(access.decay_kernel("dichotomy", 1.5), np.ones((3, 3)))
    plus = access.decay_kernel("dichotomy", 1.0)
    np.testing.assert_array_equal(plus, [[0, 1, 0], [1, 1, 1], [0, 1, 0]])
    # Exponential, r = 1: InVEST reaches to ceil(1) * 2 + 1 = 3 cells, so 7 x 7; e^-d there,
    # e^-3 = 0.049787 at (0, 3); the corner (3, 3), d = 4.24, is out.
    exponential = access.decay_kernel("exponential", 1.0)
    assert exponential.shape == (7, 7)
    assert exponential[3, 3] == 1.0
    assert exponential[3, 4] == pytest.approx(0.367879, rel=1e-5)
    assert exponential[3, 6] == pytest.approx(0.049787, rel=1e-5)
    assert exponential[0, 0] == 0.0
    # Gaussian, r = 2: d = 1 gives (e^-0.125 - e^-0.5) / (1 - e^-0.5)
    # = (0.882497 - 0.606531) / 0.393469 = 0.701368; 0 at d = 2.
    gaussian = access.decay_kernel("gaussian", 2.0)
    assert gaussian.shape == (5, 5)
    assert gaussian[2, 2] == pytest.approx(1.0)
    assert gaussian[2, 3] == pytest.approx(0.701368, rel=1e-5)
    assert gaussian[2, 4] == pytest.approx(0.0, abs=1e-7)
    # Density, r = 2: 0.75 (1 - (d/2)^2): 0.75 at the centre, 0.5625 at d = 1, 0.375 at
    # d = 1.414, 0 at d = 2.
    density = access.decay_kernel("density", 2.0)
    assert (density[2, 2], density[2, 3], density[3, 3], density[2, 4]) == pytest.approx(
        (0.75, 0.5625, 0.375, 0.0)
    )


def test_the_ratio_is_the_area_where_one_person_or_fewer_reach_it() -> None:
    # 100 m² for 200 people: 0.5; for 0.5 person: the area itself; no nature: 0; exactly one
    # person: the area (InVEST's D <= 1 rule).
    ratio = access.nature_population_ratio(
        np.array([100.0, 100.0, 0.0, 50.0], dtype=np.float32), np.array([200.0, 0.5, 10.0, 1.0])
    )
    np.testing.assert_allclose(ratio, [0.5, 100.0, 0.0, 50.0])
    assert ratio.dtype == np.float32


def test_strips_give_the_sums_of_the_whole_array(monkeypatch: pytest.MonkeyPatch) -> None:
    """The strip-wise sums (with a halo of the kernel's reach) equal the whole-array ones."""
    rng = np.random.default_rng(3)
    signal = rng.uniform(0, 10, (90, 40)).astype(np.float32)
    valid = rng.random((90, 40)) > 0.1
    kernel = access.decay_kernel("exponential", 2.5)
    whole = access.WeightedSums(signal.shape, kernel)(signal, valid)
    monkeypatch.setattr(access, "STRIP_CELLS", 40 * 7)
    strips = access.WeightedSums(signal.shape, kernel)
    assert strips.rows < signal.shape[0]
    np.testing.assert_allclose(strips(signal, valid), whole, rtol=1e-6, atol=1e-4)


# --- a strip of five cells -----------------------------------------------------------------

# Land cover 1 (all nature) at both ends, 2 (none) between; 10 m cells, so a nature cell holds
# S = 100 m². People [0, 10, 20, 30, 4].
STRIP = np.array([[1, 2, 2, 2, 1]], dtype=np.uint8)
PEOPLE = np.array([[0, 10, 20, 30, 4]], dtype=np.float32)
TABLE = "lucode,urban_nature,search_radius_m\n1,1,10\n2,0,\n3,0.5,20"


def strip_city(folder: Path, lulc: np.ndarray = STRIP, **extra: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "lulc_raster_path": write_tif(folder / "lulc.tif", lulc, nodata=255),
        "lulc_attribute_table": write_csv(folder / "nature.csv", TABLE),
        "population_raster_path": write_tif(folder / "people.tif", PEOPLE, nodata=-1),
        "urban_nature_demand": 5.0,
        "decay_function": "dichotomy",
        "search_radius_mode": "uniform radius",
        "search_radius": 10.0,  # one cell: each cell and its two neighbours
        "keep_intermediate": True,
    }
    args.update(extra)
    return args


def values(out: Path, name: str) -> np.ndarray:
    cells, nodata = read_tif(next(out.rglob(f"{name}.tif")))
    return np.where(cells == nodata, np.nan, cells.astype(np.float64))[0]


def test_two_step_catchment_on_a_strip(tmp_path: Path) -> None:
    result = access.run(access.AccessArgs.from_invest(strip_city(tmp_path)), tmp_path / "out")
    out = tmp_path / "out"
    # D_j = people within one cell: [0+10, 0+10+20, 10+20+30, 20+30+4, 30+4].
    np.testing.assert_allclose(
        values(out, "distance_weighted_population_within_10.0"), [10, 30, 60, 54, 34]
    )
    # R_j on the nature cells: 100 / 10 = 10 and 100 / 34 = 2.941176.
    np.testing.assert_allclose(
        values(out, "urban_nature_population_ratio"), [10, 0, 0, 0, 100 / 34], rtol=1e-6
    )
    # Supply: the R_j within one cell; nature within reach: 100 m² beside either end.
    supply = [10, 10, 0, 100 / 34, 100 / 34]
    np.testing.assert_allclose(values(out, "urban_nature_supply_percapita"), supply, rtol=1e-6)
    np.testing.assert_allclose(values(out, "accessible_urban_nature"), [100, 100, 0, 100, 100])
    # Demand 5 m² a person; balance per person supply - 5; times the people.
    np.testing.assert_allclose(values(out, "urban_nature_demand"), [0, 50, 100, 150, 20])
    balance = np.array(supply) - 5
    np.testing.assert_allclose(values(out, "urban_nature_balance_percapita"), balance, rtol=1e-6)
    total = balance * PEOPLE[0]
    np.testing.assert_allclose(values(out, "urban_nature_balance_totalpop"), total, rtol=1e-6)
    np.testing.assert_allclose(values(out, "undersupplied_population"), [0, 0, 20, 30, 4])
    np.testing.assert_allclose(values(out, "oversupplied_population"), [0, 10, 0, 0, 0])
    # Every nature cell reached by more than one person is shared out whole:
    # sum(people x supply) = 10 x 10 + 34 x 2.941176 = 200 m², the nature's area.
    summary = result.summary
    assert summary["population"] == pytest.approx(64)
    assert summary["supply_percapita_mean_m2"] == pytest.approx(200 / 64, rel=1e-6)
    assert summary["balance_percapita_m2"] == pytest.approx(total.sum() / 64, rel=1e-6)
    assert (summary["undersupplied_population"], summary["oversupplied_population"]) == (54, 10)
    # One-cell patches are far below 0.5 ha: nobody lives near a WHO green space.
    assert summary["who_share_within_300m"] == 0.0
    np.testing.assert_array_equal(values(out, "who_green_space_access"), [np.nan, 0, 0, 0, 0])


def test_people_whose_supply_meets_the_demand_exactly_are_neither_under_nor_over(
    tmp_path: Path,
) -> None:
    # Demand 10 m²: cells 0 and 1 reach exactly 10 (R_0 = 100 / 10), so a balance of 0.
    args = strip_city(tmp_path, urban_nature_demand=10.0)
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    out = tmp_path / "out"
    np.testing.assert_array_equal(values(out, "urban_nature_balance_percapita")[:2], [0, 0])
    np.testing.assert_allclose(values(out, "undersupplied_population"), [0, 0, 20, 30, 4])
    np.testing.assert_allclose(values(out, "oversupplied_population"), [0, 0, 0, 0, 0])


def test_unknown_population_counts_as_nobody_and_stays_nodata(tmp_path: Path) -> None:
    people = PEOPLE.copy()
    people[0, 2] = -1  # nodata: D = [10, 10, 40, 34, 34]
    args = strip_city(tmp_path)
    args["population_raster_path"] = write_tif(tmp_path / "people.tif", people, nodata=-1)
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    reaching = values(tmp_path / "out", "distance_weighted_population_within_10.0")
    np.testing.assert_allclose(reaching, [10, 10, np.nan, 34, 34])
    # R = [10, ..., 100/34]; the unknown cell has no supply.
    supply = values(tmp_path / "out", "urban_nature_supply_percapita")
    np.testing.assert_allclose(supply, [10, 10, np.nan, 100 / 34, 100 / 34], rtol=1e-6)


def test_people_on_a_coarser_grid_are_resampled_keeping_their_count(tmp_path: Path) -> None:
    # Two 20 m cells of 40 people over a 2 x 4 land cover of 10 m cells: 100,000 people a km²
    # everywhere, so each 10 m cell (0.0001 km²) holds 10 (InVEST's density round trip).
    lulc = np.array([[1, 2, 2, 2], [2, 2, 2, 2]], dtype=np.uint8)
    args = strip_city(tmp_path, lulc)
    coarse = np.array([[40, 40]], dtype=np.float32)
    args["population_raster_path"] = write_tif(tmp_path / "coarse.tif", coarse, cell=20.0)
    result = access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    assert result.summary["population"] == pytest.approx(80, rel=1e-6)
    demand, _ = read_tif(tmp_path / "out" / "urban_nature_demand.tif")
    np.testing.assert_allclose(demand, np.full((2, 4), 50.0), rtol=1e-6)


def test_people_over_a_larger_area_are_cut_to_the_land_cover(tmp_path: Path) -> None:
    # The same people with a margin of one cell all round (nodata there): the strip's results.
    wide = np.full((3, 7), -1, dtype=np.float32)
    wide[1, 1:6] = PEOPLE[0]
    args = strip_city(tmp_path)
    args["population_raster_path"] = write_tif(
        tmp_path / "wide.tif", wide, origin=(ORIGIN[0] - 10, ORIGIN[1] + 10)
    )
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    supply = values(tmp_path / "out", "urban_nature_supply_percapita")
    np.testing.assert_allclose(supply, [10, 10, 0, 100 / 34, 100 / 34], rtol=1e-6)


def test_radius_per_urban_nature_class_on_a_strip(tmp_path: Path) -> None:
    # Class 1 (S = 100 m²) reaches 10 m (1 cell), class 3 (half nature, S = 50 m²) 20 m.
    lulc = np.array([[1, 2, 2, 2, 3]], dtype=np.uint8)
    args = strip_city(
        tmp_path, lulc, search_radius_mode="radius per urban nature class", search_radius=""
    )
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    out = tmp_path / "out"
    # 1 cell: D_0 = 10, R_0 = 10, reaching cells 0-1. 2 cells: D_4 = 20 + 30 + 4 = 54,
    # R_4 = 50 / 54 = 0.925926, reaching cells 2-4.
    np.testing.assert_allclose(
        values(out, "distance_weighted_population_within_20.0"), [30, 60, 64, 64, 54]
    )
    r4 = 50 / 54
    np.testing.assert_allclose(
        values(out, "urban_nature_supply_percapita"), [10, 10, r4, r4, r4], rtol=1e-6
    )
    np.testing.assert_allclose(values(out, "accessible_urban_nature_lucode_1"), [100, 100, 0, 0, 0])
    np.testing.assert_allclose(values(out, "accessible_urban_nature_lucode_3"), [0, 0, 50, 50, 50])


def admin_strip(folder: Path, fields: dict[str, list[Any]]) -> Path:
    """Two units over the strip: A the first three cells (x 0-30 m), B the last two."""
    x0, y1 = ORIGIN
    units = [box(x0, y1 - 20, x0 + 30, y1 + 10), box(x0 + 30, y1 - 20, x0 + 60, y1 + 10)]
    layer = io.Polygons(units, {k: np.array(v) for k, v in fields.items()}, UTM, "admin")
    return io.write_polygons(folder / "admin.shp", layer, {})


def admin_fields(path: Path) -> dict[str, np.ndarray]:
    meta, _, _, columns = pyogrio.raw.read(path)
    return dict(zip(meta["fields"], columns, strict=True))


def test_radius_per_population_group_on_a_strip(tmp_path: Path) -> None:
    # Kids (radius 10 m, 1 cell) are half of A and a quarter of B; adults (20 m) the rest.
    admin = admin_strip(
        tmp_path, {"name": ["A", "B"], "pop_kids": [0.5, 0.25], "pop_adults": [0.5, 0.75]}
    )
    radii = write_csv(tmp_path / "radii.csv", "pop_group,search_radius_m\npop_kids,10\nadults,20")
    args = strip_city(
        tmp_path,
        search_radius_mode="radius per population group",
        search_radius="",
        admin_boundaries_vector_path=admin,
        population_group_radii_table=radii,
        urban_nature_demand=3.0,
    )
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    out = tmp_path / "out"
    # Kids [0, 5, 10, 7.5, 1], adults [0, 5, 10, 22.5, 3]. D_0 = (0 + 5) + (0 + 5 + 10) = 20,
    # D_4 = (7.5 + 1) + (10 + 22.5 + 3) = 44; R_0 = 100 / 20 = 5, R_4 = 100 / 44 = 2.272727.
    r4 = 100 / 44
    np.testing.assert_allclose(
        values(out, "urban_nature_supply_percapita_to_pop_kids"), [5, 5, 0, r4, r4], rtol=1e-6
    )
    adults = [5, 5, 5 + r4, r4, r4]  # within 2 cells: cell 2 reaches both ends
    np.testing.assert_allclose(
        values(out, "urban_nature_supply_percapita_to_pop_adults"), adults, rtol=1e-6
    )
    # Total: the groups' supplies weighted by their shares: 0.5 x 0 + 0.5 x 7.272727 in cell 2.
    np.testing.assert_allclose(
        values(out, "urban_nature_supply_percapita"), [5, 5, (5 + r4) / 2, r4, r4], rtol=1e-6
    )
    fields = admin_fields(out / "admin_boundaries.gpkg")
    # Kids, balance [2, 2, -3, -0.727273, -0.727273]: A (2 x 5 - 3 x 10) / 15 = -1.333333, 10
    # under, 5 over; B -0.727273 for 8.5 kids, all under.
    np.testing.assert_allclose(fields["SUP_DEMadm_cap_kids"], [-20 / 15, r4 - 3], rtol=1e-6)
    np.testing.assert_allclose(fields["Pund_adm_kids"], [10, 8.5], rtol=1e-6)
    np.testing.assert_allclose(fields["Povr_adm_kids"], [5, 0], atol=1e-6)
    # Adults, balance [2, 2, 4.272727, -0.727273, -0.727273]: A (10 + 42.727273) / 15.
    np.testing.assert_allclose(
        fields["SUP_DEMadm_cap_adults"], [(10 + 10 * (2 + r4)) / 15, r4 - 3], rtol=1e-6
    )
    # Both: A (-20 + 52.727273) / 30 = 1.090909, 10 under, 20 over; B all 34 under.
    np.testing.assert_allclose(
        fields["SUP_DEMadm_cap"], [(-20 + 10 + 10 * (2 + r4)) / 30, r4 - 3], rtol=1e-6
    )
    np.testing.assert_allclose(fields["Pund_adm"], [10, 34], rtol=1e-6)
    np.testing.assert_allclose(fields["Povr_adm"], [20, 0], atol=1e-6)
    assert list(fields["name"]) == ["A", "B"]
    assert list(fields["adm_unit_id"]) == [0, 1]


def test_groups_under_a_uniform_radius_take_their_share_of_the_unit(tmp_path: Path) -> None:
    admin = admin_strip(tmp_path, {"pop_kids": [0.5, 0.25], "pop_adults": [0.5, 0.75]})
    args = strip_city(tmp_path, admin_boundaries_vector_path=admin, aggregate_by_pop_group=True)
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    fields = admin_fields(tmp_path / "out" / "admin_boundaries.gpkg")
    # From the strip: A holds 20 undersupplied (cell 2) and 10 oversupplied people, B 34 under.
    np.testing.assert_allclose(fields["Pund_adm"], [20, 34])
    np.testing.assert_allclose(fields["Povr_adm"], [10, 0])
    np.testing.assert_allclose(fields["Pund_adm_kids"], [10, 8.5])
    np.testing.assert_allclose(fields["Povr_adm_adults"], [5, 0])
    # A: (0 + 50 - 100) / 30; B: 34 x (2.941176 - 5) / 34.
    np.testing.assert_allclose(fields["SUP_DEMadm_cap"], [-50 / 30, 100 / 34 - 5], rtol=1e-6)
    assert "SUP_DEMadm_cap_kids" not in fields


# --- the WHO indicator ---------------------------------------------------------------------


def who_city(folder: Path, green: np.ndarray, people: np.ndarray, **extra: Any) -> dict[str, Any]:
    """Green cells class 1 (urban_nature 0.5, just enough), others 2 (0.4, not green)."""
    lulc = np.where(green, 1, 2).astype(np.uint8)
    return {
        "lulc_raster_path": write_tif(folder / "lulc.tif", lulc, nodata=255),
        "lulc_attribute_table": write_csv(folder / "t.csv", "lucode,urban_nature\n1,0.5\n2,0.4"),
        "population_raster_path": write_tif(folder / "people.tif", people, nodata=-1),
        "urban_nature_demand": 5.0,
        "decay_function": "dichotomy",
        "search_radius_mode": "uniform radius",
        "search_radius": 10.0,
        **extra,
    }


def test_who_access_is_within_300_m_of_half_a_hectare(tmp_path: Path) -> None:
    # 10 m cells; a park of 5 x 10 cells = 50 cells = 5000 m² = 0.5 ha in the top-left corner.
    green = np.zeros((12, 45), dtype=bool)
    green[0:5, 0:10] = True
    people = np.zeros((12, 45), dtype=np.float32)
    people[4, 39] = 10  # nearest park cell (4, 9): 30 cells = 300 m, within
    people[5, 39] = 10  # (4, 9): sqrt(1 + 900) = 30.017 cells = 300.2 m, out
    people[11, 20] = 10  # (4, 9): sqrt(49 + 121) = 13.04 cells, within
    people[0, 40] = 30  # (0, 9): 31 cells = 310 m, out
    people[2, 2] = -1  # unknown: neither counted nor written
    result = access.run(
        access.AccessArgs.from_invest(who_city(tmp_path, green, people)), tmp_path / "out"
    )
    flags, nodata = read_tif(tmp_path / "out" / "who_green_space_access.tif")
    assert nodata == 255
    assert (flags[4, 39], flags[5, 39], flags[11, 20], flags[0, 40]) == (1, 0, 1, 0)
    assert (flags == 255).sum() == 12 * 45 - 4  # only populated cells are written
    assert result.summary["who_population_within_300m"] == 20
    assert result.summary["who_share_within_300m"] == pytest.approx(20 / 60)


def test_who_green_space_needs_half_a_hectare_joined_by_edges_or_corners(tmp_path: Path) -> None:
    people = np.zeros((20, 20), dtype=np.float32)
    people[19, 19] = 5
    # 49 cells (7 x 7 = 4900 m²): too small.
    small = np.zeros((20, 20), dtype=bool)
    small[0:7, 0:7] = True
    result = access.run(
        access.AccessArgs.from_invest(who_city(tmp_path, small, people)), tmp_path / "small"
    )
    assert result.summary["who_share_within_300m"] == 0.0
    # Two 5 x 5 blocks touching at one corner: one patch of 50 cells under 8-connectivity.
    corners = np.zeros((20, 20), dtype=bool)
    corners[0:5, 0:5] = True
    corners[5:10, 5:10] = True
    result = access.run(
        access.AccessArgs.from_invest(who_city(tmp_path, corners, people)), tmp_path / "corners"
    )
    assert result.summary["who_share_within_300m"] == 1.0
    spaces = access.green_spaces(corners, 100.0)
    assert spaces.sum() == 50
    assert not access.green_spaces(small, 100.0).any()


def test_who_shares_per_admin_unit(tmp_path: Path) -> None:
    green = np.zeros((12, 45), dtype=bool)
    green[0:5, 0:10] = True
    people = np.zeros((12, 45), dtype=np.float32)
    people[4, 39], people[5, 39], people[11, 3] = 10, 30, 5
    x0, y1 = ORIGIN
    # West half (x < 220 m) holds the cell (11, 3), within reach; east half the two others.
    units = [box(x0, y1 - 120, x0 + 220, y1), box(x0 + 220, y1 - 120, x0 + 450, y1)]
    layer = io.Polygons(units, {"id": np.array([1, 2])}, UTM, "admin")
    admin = io.write_polygons(tmp_path / "admin.shp", layer, {})
    args = who_city(tmp_path, green, people, admin_boundaries_vector_path=admin)
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    fields = admin_fields(tmp_path / "out" / "admin_boundaries.gpkg")
    np.testing.assert_allclose(fields["WHO_pop_adm"], [5, 10])
    np.testing.assert_allclose(fields["WHO_share_adm"], [1.0, 0.25])


# --- bad inputs ----------------------------------------------------------------------------


def run_strip(folder: Path, **extra: Any) -> None:
    access.run(access.AccessArgs.from_invest(strip_city(folder, **extra)), folder / "out")


def test_missing_codes_are_listed(tmp_path: Path) -> None:
    lulc = np.array([[1, 7, 2, 9, 1]], dtype=np.uint8)
    with pytest.raises(EngineInputError, match=r"nature\.csv.*codes 7, 9"):
        access.run(access.AccessArgs.from_invest(strip_city(tmp_path, lulc)), tmp_path / "out")


def test_a_radius_reaching_past_the_raster_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError, match=r"search_radius: 1000 m reaches 100 cells"):
        run_strip(tmp_path, search_radius=1000.0)
    table = "lucode,urban_nature,search_radius_m\n1,1,700\n2,0,\n3,0.5,20"
    write_csv(tmp_path / "nature.csv", table)
    args = strip_city(tmp_path, search_radius_mode="radius per urban nature class")
    args["lulc_attribute_table"] = write_csv(tmp_path / "far.csv", table)
    with pytest.raises(EngineInputError, match=r"far\.csv search_radius_m 700: 700 m reaches"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")


def test_an_admin_layer_outside_the_raster_is_refused(tmp_path: Path) -> None:
    x0, y1 = ORIGIN
    layer = io.Polygons([box(x0 + 5000, y1, x0 + 6000, y1 + 1000)], {"id": np.array([1])}, UTM, "")
    admin = io.write_polygons(tmp_path / "far.shp", layer, {})
    with pytest.raises(EngineInputError, match=r"far\.shp: no unit overlaps the land cover"):
        run_strip(tmp_path, admin_boundaries_vector_path=admin)


def test_cells_that_are_not_numbers_are_refused(tmp_path: Path) -> None:
    args = strip_city(tmp_path)
    write_csv(Path(args["lulc_attribute_table"]), "lucode,urban_nature\n1,lots\n2,0")
    with pytest.raises(EngineInputError, match=r"line 2, column urban_nature: 'lots'"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    write_csv(Path(args["lulc_attribute_table"]), "lucode,urban_nature\n1,1.5\n2,0")
    with pytest.raises(EngineInputError, match=r"lucode 1: urban_nature 1.5 is not within 0"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    write_csv(Path(args["lulc_attribute_table"]), TABLE)
    people = PEOPLE.copy()
    people[0, 1] = np.nan
    write_tif(tmp_path / "people.tif", people, nodata=-1)
    with pytest.raises(EngineInputError, match=r"people\.tif: holds NaN"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    people[0, 1] = -3
    write_tif(tmp_path / "people.tif", people, nodata=-1)
    with pytest.raises(EngineInputError, match=r"people\.tif: holds negative"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")
    with pytest.raises(EngineInputError, match=r"urban_nature_demand: 'much' is not a number"):
        access.AccessArgs.from_invest(strip_city(tmp_path, urban_nature_demand="much"))


def test_a_group_table_missing_a_group_is_refused(tmp_path: Path) -> None:
    admin = admin_strip(tmp_path, {"pop_kids": [0.5, 0.25], "pop_adults": [0.5, 0.75]})
    radii = write_csv(tmp_path / "radii.csv", "pop_group,search_radius_m\npop_kids,10")
    with pytest.raises(EngineInputError, match=r"radii\.csv: has no row for the population "
                       r"groups pop_adults of .*admin\.shp"):  # fmt: skip
        run_strip(
            tmp_path,
            search_radius_mode="radius per population group",
            admin_boundaries_vector_path=admin,
            population_group_radii_table=radii,
        )
    bad = admin_strip(tmp_path, {"pop_kids": [0.5, 1.25]})
    with pytest.raises(EngineInputError, match=r"feature 2, field pop_kids: 1.25 is not a share"):
        run_strip(tmp_path, admin_boundaries_vector_path=bad, aggregate_by_pop_group=True)


def test_a_nature_class_without_its_radius_is_refused(tmp_path: Path) -> None:
    args = strip_city(tmp_path, search_radius_mode="radius per urban nature class")
    write_csv(Path(args["lulc_attribute_table"]), "lucode,urban_nature,search_radius_m\n1,1,\n2,0,")
    with pytest.raises(EngineInputError, match=r"line 2: lucode 1 has urban nature but no"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ({"decay_function": "linear"}, "decay_function: 'linear' is not one of"),
        ({"search_radius_mode": "any"}, "search_radius_mode: 'any' is not one of"),
        ({"urban_nature_demand": 0}, "urban_nature_demand: must be above 0"),
        ({"search_radius": ""}, "search_radius: required with a uniform radius"),
        ({"aggregate_by_pop_group": True}, "admin_boundaries_vector_path: required"),
        (
            {"search_radius_mode": "radius per population group"},
            "population_group_radii_table: required",
        ),
    ],
)
def test_arguments_are_checked(tmp_path: Path, extra: dict[str, Any], problem: str) -> None:
    with pytest.raises(EngineInputError, match=problem):
        run_strip(tmp_path, **extra)


def test_a_zero_radius_needs_the_dichotomy(tmp_path: Path) -> None:
    table = "lucode,urban_nature,search_radius_m\n1,1,0\n2,0,\n3,0.5,20"
    args = strip_city(tmp_path, search_radius_mode="radius per urban nature class")
    write_csv(Path(args["lulc_attribute_table"]), table)
    access.run(access.AccessArgs.from_invest(args), tmp_path / "out")  # the cell alone
    supply = values(tmp_path / "out", "urban_nature_supply_percapita")
    assert supply[0] == pytest.approx(100.0)  # nobody lives on it: R = S
    args["decay_function"] = "gaussian"
    with pytest.raises(EngineInputError, match=r"the gaussian decay needs a radius above 0 m"):
        access.run(access.AccessArgs.from_invest(args), tmp_path / "out")


def test_an_invest_datastack_runs_from_the_command_line_model(tmp_path: Path) -> None:
    args = strip_city(tmp_path)
    stack = {
        "model_id": "urban_nature_access",
        "args": {k: str(Path(v).name) if isinstance(v, Path) else v for k, v in args.items()},
    }
    (tmp_path / "una.invs.json").write_text(json.dumps(stack))
    model = MODELS["access"]
    parsed = model.parse(read_config(tmp_path / "una.invs.json", model.spec, model.invest_ids))
    result = model.run(parsed, tmp_path / "out")
    assert result.summary["population"] == pytest.approx(64)
    assert (tmp_path / "out" / "access_summary.csv").exists()


# --- parity with InVEST 3.20.2 -------------------------------------------------------------


def fixture(name: str, tmp_path: Path) -> tuple[dict[str, Any], Path, Path]:
    folder = FIXTURES / name
    meta = json.loads((folder / "invest.json").read_text())
    assert meta["invest_version"] == "3.20.2", meta["invest_version"]
    shutil.copytree(folder / "inputs", tmp_path / "inputs")
    args = {
        key: tmp_path / "inputs" / value
        if isinstance(value, str) and (tmp_path / "inputs" / value).exists()
        else value
        for key, value in meta["args"].items()
    }
    args["keep_intermediate"] = True
    return args, folder / "outputs", tmp_path / "out"


def raster(path: Path) -> tuple[np.ndarray, np.ndarray]:
    cells, nodata = read_tif(path)
    valid = ~np.isclose(cells, nodata) if nodata is not None else np.ones(cells.shape, bool)
    return cells.astype(np.float64), valid


def same(ours: Path, theirs: Path, *, rtol: float = 1e-4, atol: float = 0.0) -> None:
    """Cell by cell: the same nodata cells, values within ``rtol`` (InVEST's rasters are
    float32 or float64 with float32 sums)."""
    mine, mine_valid = raster(ours)
    reference, reference_valid = raster(theirs)
    np.testing.assert_array_equal(mine_valid, reference_valid, err_msg=f"nodata of {ours.name}")
    np.testing.assert_allclose(
        mine[mine_valid], reference[mine_valid], rtol=rtol, atol=atol, err_msg=ours.name
    )


def same_fields(ours: Path, theirs: Path, names: list[str]) -> None:
    mine, reference = admin_fields(ours), admin_fields(theirs)
    for name in names:
        np.testing.assert_allclose(mine[name], reference[name], rtol=1e-4, err_msg=name)


# A balance near 0 is a difference of two numbers near the demand: compared within 1e-4
# relative, or 1e-4 m² a person where it crosses 0.
BALANCE = {"rtol": 1e-4, "atol": 1e-4}
PER_UNIT = ["SUP_DEMadm_cap", "Pund_adm", "Povr_adm"]


@pytest.mark.parametrize("case", ["urban_nature_access", "urban_nature_access_density"])
def test_a_uniform_radius_matches_invest(tmp_path: Path, case: str) -> None:
    args, reference, out = fixture(case, tmp_path)
    access.run(access.AccessArgs.from_invest(args), out)
    for name in ("urban_nature_supply_percapita", "urban_nature_demand", "accessible_urban_nature"):
        same(out / f"{name}.tif", reference / f"{name}.tif")
    for name in ("urban_nature_balance_percapita", "urban_nature_balance_totalpop"):
        same(out / f"{name}.tif", reference / f"{name}.tif", **BALANCE)
    if case == "urban_nature_access":
        for name in (
            "urban_nature_area",
            "urban_nature_population_ratio",
            "distance_weighted_population_within_100.0",
            "undersupplied_population",
            "oversupplied_population",
        ):
            same(out / "intermediate" / f"{name}.tif", reference / f"{name}.tif")
        groups = [f"{p}_adm_{g}" for p in ("Pund", "Povr") for g in ("children", "adults")]
        same_fields(
            out / "admin_boundaries.gpkg", reference / "admin_boundaries.gpkg", PER_UNIT + groups
        )


def test_a_radius_per_urban_nature_class_matches_invest(tmp_path: Path) -> None:
    args, reference, out = fixture("urban_nature_access_classes", tmp_path)
    access.run(access.AccessArgs.from_invest(args), out)
    same(out / "urban_nature_supply_percapita.tif", reference / "urban_nature_supply_percapita.tif")
    same(out / "urban_nature_demand.tif", reference / "urban_nature_demand.tif")
    for name in ("urban_nature_balance_percapita", "urban_nature_balance_totalpop"):
        same(out / f"{name}.tif", reference / f"{name}.tif", **BALANCE)
    for code in (1, 2, 3, 4):  # class 2's radius, 65 m, is 6.5 cells
        name = f"accessible_urban_nature_lucode_{code}.tif"
        same(out / name, reference / name)
    for radius in (40.0, 65.0, 100.0):
        name = f"distance_weighted_population_within_{radius}.tif"
        same(out / "intermediate" / name, reference / name)
    same_fields(out / "admin_boundaries.gpkg", reference / "admin_boundaries.gpkg", PER_UNIT)


GROUPS = ("pop_children", "pop_adults", "pop_elderly")


def test_a_radius_per_population_group_matches_invest(tmp_path: Path) -> None:
    args, reference, out = fixture("urban_nature_access_groups", tmp_path)
    access.run(access.AccessArgs.from_invest(args), out)
    for name in (
        "urban_nature_demand",
        "urban_nature_balance_totalpop",
        "intermediate/distance_weighted_population_all_groups",
        "intermediate/urban_nature_population_ratio",
    ):
        same(out / f"{name}.tif", reference / f"{Path(name).name}.tif", **BALANCE)
    for group in GROUPS:
        for name in (
            f"accessible_urban_nature_to_{group}",
            f"intermediate/urban_nature_supply_percapita_to_{group}",
        ):
            same(out / f"{name}.tif", reference / f"{Path(name).name}.tif")
        for name in (f"urban_nature_balance_percapita_{group}", f"urban_nature_balance_{group}"):
            same(out / f"{name}.tif", reference / f"{name}.tif", **BALANCE)
    groups = [f"{p}_{g[4:]}" for p in PER_UNIT for g in GROUPS]
    same_fields(
        out / "admin_boundaries.gpkg", reference / "admin_boundaries.gpkg", PER_UNIT + groups
    )


def test_invest_weights_the_groups_supply_by_rounded_shares(tmp_path: Path) -> None:
    """InVEST 3.20.2 burns each unit's share of a group into an unsigned integer raster
    (``_rasterize_aois``), so GDAL rounds 0.5-0.65 to 1 and 0.1-0.3 to 0: its total supply per
    person is the adults' alone in every unit of the fixture. CityWeave weights each group's
    supply by the share itself."""
    from rasterio.features import rasterize

    args, reference, out = fixture("urban_nature_access_groups", tmp_path)
    access.run(access.AccessArgs.from_invest(args), out)
    supply = {g: raster(reference / f"urban_nature_supply_percapita_to_{g}.tif")[0] for g in GROUPS}
    rounded = {g: raster(reference / f"proportion_of_population_in_{g}.tif")[0] for g in GROUPS}
    theirs, inside = raster(reference / "urban_nature_supply_percapita.tif")
    assert [set(np.unique(rounded[g][inside])) for g in GROUPS] == [{0.0}, {1.0}, {0.0}]
    np.testing.assert_allclose(theirs[inside], supply["pop_adults"][inside], rtol=1e-6)
    admin = io.read_polygons(args["admin_boundaries_vector_path"])
    lulc = io.read_raster(args["lulc_raster_path"])
    unit = rasterize(
        ((g, i) for i, g in enumerate(admin.geometries)),
        out_shape=inside.shape,
        transform=lulc.grid.transform,
        fill=0,
    )
    expected = sum(admin.fields[g].astype(float)[unit] * supply[g] for g in GROUPS)
    mine, mine_valid = raster(out / "urban_nature_supply_percapita.tif")
    np.testing.assert_array_equal(mine_valid, inside)
    np.testing.assert_allclose(mine[inside], np.asarray(expected)[inside], rtol=1e-4)
    assert not np.allclose(mine[inside], theirs[inside], rtol=1e-2)


@pytest.mark.filterwarnings("ignore::rasterio.errors.NotGeoreferencedWarning")
def test_kernels_match_invest(tmp_path: Path) -> None:
    for case, decay in (
        ("urban_nature_access", "dichotomy"),
        ("urban_nature_access_density", "density"),
        ("urban_nature_access_classes", "exponential"),
        ("urban_nature_access_groups", "gaussian"),
    ):
        for path in sorted((FIXTURES / case / "outputs").glob("kernel_*.tif")):
            radius_cells = float(path.stem.removeprefix("kernel_")) / 10.0  # 10 m cells
            theirs, _ = read_tif(path)
            np.testing.assert_array_equal(
                access.decay_kernel(decay, radius_cells), theirs, err_msg=path.name
            )
