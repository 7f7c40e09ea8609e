"""Pilot layout: one known pilot every ``spacing`` symbols, plus one closing the block.

[p, d x (spacing - 1), p, d x (spacing - 1), ..., p, d x rest, p]: every data
symbol has a pilot on each side, so the channel can be interpolated.
"""

import numpy as np

from semjscc.phy.sequences import pilot_symbols


def pilot_layout(data_length: int, spacing: int):
    """(total length, pilot indices, data indices) for ``data_length`` data symbols."""
    if spacing < 2:
        raise ValueError("pilot spacing must be at least 2")
    blocks = max(1, -(-data_length // (spacing - 1)))
    total = data_length + blocks + 1
    pilot_index = np.append(np.arange(blocks) * spacing, total - 1)
    mask = np.ones(total, dtype=bool)
    mask[pilot_index] = False
    return total, pilot_index, np.flatnonzero(mask)


def insert_pilots(data: np.ndarray, spacing: int) -> np.ndarray:
    total, pilot_index, data_index = pilot_layout(len(data), spacing)
    out = np.empty(total, dtype=np.complex64)
    out[pilot_index] = pilot_symbols(len(pilot_index))
    out[data_index] = data
    return out
