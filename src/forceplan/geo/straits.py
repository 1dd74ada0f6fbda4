"""The Turkish Straits and the Montreux Convention: which warships may reach a Black Sea station.

The Montreux Convention (1936) lets Turkey regulate the passage of warships through the Bosporus and the
Dardanelles; under its article 19 Turkey closed the Straits to belligerents' warships from 28 February 2022.
Warships of the Black Sea states (riparian, below) return to their bases through them; others pass only where
Turkey allows it (``geography.straits_open_to`` in a scenario).

``BLACK_SEA_BASIN`` is drawn for forceplan, coarsely, through land: the Black Sea, the Sea of Azov and the
maritime Danube (up to Brăila), cut off at the northern mouth of the Bosporus (41.2° N). Any port or sea station
inside it lies beyond the Straits; the Sea of Marmara, the Bosporus south of the cut, the Aegean and everything
else lie outside.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import ArrayLike, NDArray

BLACK_SEA_STATES = frozenset({"BGR", "GEO", "ROU", "RUS", "TUR", "UKR"})
"""Riparian states of the Black Sea: the Montreux Convention lets their warships through the Straits."""

BLACK_SEA_BASIN: tuple[tuple[float, float], ...] = (
    (29.30, 41.20),  # Anatolian side of the Bosporus, at the cut across its northern mouth
    (28.70, 41.20),  # European side (the cut crosses the strait at 41.2° N)
    (28.00, 41.45),  # Thrace, between the Sea of Marmara and the Black Sea coast
    (27.00, 42.00),
    (26.50, 43.50),  # Bulgaria, inland of Burgas and Varna
    (27.20, 45.00),  # Romania, west of the maritime Danube
    (27.60, 45.80),  # north of Galați and Brăila
    (28.40, 46.20),  # Moldova, north of Reni and Izmail
    (30.00, 47.00),  # north of Odesa
    (32.50, 47.40),  # north of Mykolaiv and Kherson
    (35.50, 47.20),  # north of the Sea of Azov's coast
    (39.80, 47.60),  # north of Rostov-on-Don and Taganrog
    (40.60, 46.50),
    (40.00, 44.50),  # inland of Tuapse and Novorossiysk
    (42.50, 42.50),  # Georgia, inland of Poti
    (42.50, 41.00),  # inland of Batumi
    (40.00, 40.60),  # Turkey, inland of Trabzon
    (36.00, 40.80),  # inland of Samsun
    (33.00, 40.90),
    (30.60, 40.85),  # east of the Gulf of İzmit (Sea of Marmara), which stays outside
    (29.90, 41.00),
)


def beyond_the_straits(lon: ArrayLike, lat: ArrayLike) -> NDArray[np.bool_]:
    """True where a point (lon, lat, WGS84 degrees) lies in the Black Sea basin, reached only through the Straits."""
    import shapely

    basin = shapely.Polygon(BLACK_SEA_BASIN)
    return np.asarray(shapely.contains_xy(basin, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)))


def straits_closed_to(nation: str, open_to: Iterable[str] = ()) -> bool:
    """Whether the Straits are closed to ``nation``'s warships: not a Black Sea state, not in ``open_to``."""
    return nation not in BLACK_SEA_STATES and nation not in set(open_to)
