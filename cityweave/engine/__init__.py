"""CityWeave's analysis engine: ecosystem-service models on rasters and tables, pure Python
(numpy, scipy, rasterio), never Django. Each model has a declarative spec, ``validate()`` and
``run()``; only ``io`` reads or writes files."""

from cityweave.engine.errors import EngineInputError

__all__ = ["EngineInputError"]
