"""Coarse locations: a shared point is snapped to a ~500 m grid cell before it is sealed.

A "current location" is where the person stands; even a point on the map may be their
doorstep. Moderators need the place of a raid to a few hundred metres, never more, so the
report keeps only the centre of a grid cell: latitude in steps of CELL_DEGREES (~556 m), and
each latitude ring cut into a whole number of cells no wider than that, so cells tile the ring
across the antimeridian and shrink to one cell at the poles. The centre is at most ~393 m from
the point sent (half a cell each way).
"""

from __future__ import annotations

import math
from typing import Final

CELL_DEGREES: Final = 0.005  # of latitude: ~556 m; half of it, the largest error each way
_DECIMALS: Final = 6  # ~0.1 m: hides float noise, far below the cell size


def coarse_location(latitude: float, longitude: float) -> tuple[float, float]:
    """The centre of the grid cell holding the point (idempotent: a centre maps to itself).

    ValueError for a point that is not on Earth (NaN, latitude beyond ±90).
    """
    if not (math.isfinite(latitude) and math.isfinite(longitude)) or abs(latitude) > 90:
        raise ValueError("not a point on Earth")
    row = round(latitude / CELL_DEGREES)
    lat = max(-90.0, min(90.0, row * CELL_DEGREES))
    # The ring is cut at the cell's edge nearer the equator, where the ring is widest, so no
    # cell of the row is wider than CELL_DEGREES of latitude anywhere in it.
    edge = max(0.0, abs(lat) - CELL_DEGREES / 2)
    cells = max(1, math.ceil(360 * math.cos(math.radians(edge)) / CELL_DEGREES))
    if cells == 1 or abs(lat) >= 90:
        return round(lat, _DECIMALS), 0.0  # a polar cell: every longitude is the same place
    step = 360 / cells
    column = round((longitude + 180) / step) % cells
    lon = -180 + column * step
    return round(lat, _DECIMALS), round(lon, _DECIMALS)
