"""Synthetic cities for the engine's comparisons with InVEST (numpy only, so both InVEST's venv
and CityWeave's can import it): land cover of ten classes in parcels of 2-8 cells, soil groups,
and tables in InVEST's columns. Deterministic for a seed."""

from __future__ import annotations

import numpy as np

CLASSES = 10


def land_cover(seed: int, size: int) -> np.ndarray:
    """Parcels of 2-8 cells, one class each; the first cell is nodata (-1)."""
    rng = np.random.default_rng(seed)
    rows = np.cumsum(rng.integers(2, 9, size))
    cols = np.cumsum(rng.integers(2, 9, size))
    row_band = np.searchsorted(rows, np.arange(size), side="right")
    col_band = np.searchsorted(cols, np.arange(size), side="right")
    parcels = rng.integers(1, CLASSES + 1, (row_band.max() + 1, col_band.max() + 1))
    lulc = parcels[row_band[:, None], col_band[None, :]].astype(np.int16)
    lulc[0, 0] = -1
    return lulc


def soil_groups(seed: int, size: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(1, 5, (size, size)).astype(np.int16)


def carbon_pools_csv(seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = ["lucode,c_above,c_below,c_soil,c_dead"]
    for code in range(1, CLASSES + 1):
        lines.append(f"{code}," + ",".join(f"{v:g}" for v in rng.uniform(0, 120, 4).round(3)))
    return "\n".join(lines) + "\n"


def curve_numbers_csv(seed: int) -> str:
    rng = np.random.default_rng(seed)
    lines = ["lucode,cn_a,cn_b,cn_c,cn_d"]
    for code in range(1, CLASSES + 1):
        base = float(rng.uniform(30, 90))
        values = [min(100.0, base + step * rng.uniform(3, 8)) for step in range(4)]
        lines.append(f"{code}," + ",".join(f"{v:.2f}" for v in values))
    return "\n".join(lines) + "\n"


CONNECTED_CLASSES = (8, 9, 10)  # the stormwater model's connected impervious classes (paved)


def stormwater_csv(seed: int) -> str:
    """InVEST Urban Stormwater Retention columns: runoff coefficients ``rc_a``-``rc_d`` rising
    from soil A to D (0.8-0.95 on the paved ``CONNECTED_CLASSES``), percolation coefficients
    ``pe_a``-``pe_d`` falling, the event mean concentrations of two pollutants (mg/L; the
    headers in capitals, which InVEST reads case-insensitively) and ``is_connected``."""
    rng = np.random.default_rng(seed)
    lines = ["lucode,rc_a,rc_b,rc_c,rc_d,pe_a,pe_b,pe_c,pe_d,EMC_N,EMC_P,is_connected"]
    for code in range(1, CLASSES + 1):
        paved = code in CONNECTED_CLASSES
        base = rng.uniform(0.8, 0.9) if paved else rng.uniform(0.05, 0.6)
        rc = [min(1.0, base + step * rng.uniform(0.01, 0.1)) for step in range(4)]
        pe = [(1.0 - r) * rng.uniform(0.2, 0.8) for r in rc]
        emc = (rng.uniform(0.5, 3.0), rng.uniform(0.05, 0.6))
        cells = [f"{v:.3f}" for v in (*rc, *pe, *emc)]
        lines.append(f"{code}," + ",".join(cells) + f",{int(paved)}")
    return "\n".join(lines) + "\n"


def precipitation(seed: int, size: int) -> np.ndarray:
    """A smooth field of annual precipitation (mm/yr), 600 to 1100, float32."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    phase = rng.uniform(0, np.pi, 2)
    field = 850.0 + 250.0 * np.sin(2 * x + phase[0]) * np.cos(3 * y + phase[1])
    return field.astype(np.float32)


def road_lines(
    seed: int, size: int, cell: float, origin: tuple[float, float], count: int
) -> list[list[tuple[float, float]]]:
    """``count`` road centre lines of two to four vertices across the raster (x, y in its
    projection), at positions that fall anywhere within cells; the last one leaves the raster."""
    rng = np.random.default_rng(seed)
    x0, y1 = origin
    width = size * cell
    lines = []
    for number in range(count):
        vertices = int(rng.integers(2, 5))
        xs = np.sort(rng.uniform(0.0, width, vertices))
        ys = rng.uniform(0.0, width, vertices)
        if number == count - 1:
            xs[-1] = 1.2 * width  # past the east edge
        lines.append([(x0 + float(x), y1 - float(y)) for x, y in zip(xs, ys, strict=True)])
    return lines


GREEN_CLASSES = (1, 2, 3, 4, 5, 6)  # the cooling model's green areas: six classes of ten


def biophysical_cooling_csv(seed: int) -> str:
    """InVEST Urban Cooling columns: kc, green_area, shade, albedo and building_intensity."""
    rng = np.random.default_rng(seed)
    lines = ["lucode,kc,green_area,shade,albedo,building_intensity"]
    for code in range(1, CLASSES + 1):
        green = int(code in GREEN_CLASSES)
        kc = rng.uniform(0.6, 1.1) if green else rng.uniform(0.1, 0.5)
        shade = rng.uniform(0.3, 1.0) if green else rng.uniform(0.0, 0.3)
        albedo = rng.uniform(0.1, 0.3)
        intensity = rng.uniform(0.0, 0.1) if green else rng.uniform(0.3, 0.95)
        lines.append(f"{code},{kc:.3f},{green},{shade:.3f},{albedo:.3f},{intensity:.3f}")
    return "\n".join(lines) + "\n"


def reference_et0(seed: int, size: int) -> np.ndarray:
    """A smooth field of reference evapotranspiration (mm), 3 to 6, float32."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    phase = rng.uniform(0, np.pi, 2)
    field = 4.5 + 1.2 * np.sin(3 * x + phase[0]) * np.cos(2 * y + phase[1])
    return field.astype(np.float32)


def buildings(seed: int, size: int, cell: float, origin: tuple[float, float], count: int):
    """``count`` rectangular footprints (x0, y0, x1, y1) of 1-6 cells a side with a type 1-3,
    inside the raster; some overlap, as real footprint layers sometimes do."""
    rng = np.random.default_rng(seed)
    x0, y1 = origin
    boxes = []
    for _ in range(count):
        w, h = rng.uniform(1, 6, 2) * cell
        left = x0 + rng.uniform(0, size * cell - w)
        top = y1 - rng.uniform(0, size * cell - h)
        boxes.append(((left, top - h, left + w, top), int(rng.integers(1, 4))))
    return boxes


def population(seed: int, size: int) -> np.ndarray:
    """People per cell, float32: a smooth density of 0-40 people per cell (10 m cells: up to
    4000 per hectare, a dense centre) times a random factor, with a quarter of the cells empty
    (parks, roads, offices)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / max(size - 1, 1)
    centre = rng.uniform(0.3, 0.7, 2)
    density = 40.0 * np.exp(-((x - centre[0]) ** 2 + (y - centre[1]) ** 2) / 0.08)
    people = density * rng.uniform(0.5, 1.5, (size, size))
    people[rng.random((size, size)) < 0.25] = 0.0
    return people.astype(np.float32)


# Urban nature per class for the nature access model: four classes of ten hold nature (three
# of them at least half, the WHO indicator's green space), each with its own search radius.
URBAN_NATURE = {1: (1.0, 100), 2: (0.8, 65), 3: (0.5, 100), 4: (0.25, 40)}


def urban_nature_csv() -> str:
    """InVEST Urban Nature Access columns: lucode, urban_nature (0-1) and search_radius_m,
    left blank for the classes without nature (as InVEST's sample data does)."""
    lines = ["lucode,urban_nature,search_radius_m"]
    for code in range(1, CLASSES + 1):
        nature, radius = URBAN_NATURE.get(code, (0.0, None))
        lines.append(f"{code},{nature:g},{'' if radius is None else radius}")
    return "\n".join(lines) + "\n"
