"""PNG previews of output rasters: the values on a colour scale with a legend giving the output's
name and unit, for a first look without a GIS. Drawn with matplotlib's file-only backend."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cityweave.engine import io

# Previews of large rasters are drawn from every n-th cell: at most this many per side.
MAX_SIDE = 1600


def preview(raster_path: Path, png_path: Path, *, title: str, unit: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    raster = io.read_raster(raster_path)
    step = max(1, int(np.ceil(max(raster.values.shape) / MAX_SIDE)))
    values = raster.values[::step, ::step].astype(np.float64)
    valid = raster.valid[::step, ::step]
    shown = np.ma.masked_array(values, mask=~valid)
    figure, axes = plt.subplots(figsize=(7, 6), dpi=100)
    image = axes.imshow(shown, cmap="viridis", interpolation="nearest")
    axes.set_title(title)
    axes.set_axis_off()
    legend = figure.colorbar(image, ax=axes, shrink=0.8)
    legend.set_label(unit or "value")
    figure.tight_layout()
    png_path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(png_path)
    plt.close(figure)
    return png_path
