"""Known sequences: Zadoff-Chu preamble and pilot symbols."""

import math
from functools import lru_cache

import numpy as np


def zadoff_chu(length: int, root: int) -> np.ndarray:
    """Odd-length Zadoff-Chu sequence: constant amplitude, ideal periodic autocorrelation."""
    if length % 2 == 0 or math.gcd(length, root) != 1:
        raise ValueError(f"Zadoff-Chu needs an odd length coprime with the root, got length={length}, root={root}")
    n = np.arange(length)
    return np.exp(-1j * np.pi * root * n * (n + 1) / length).astype(np.complex64)


@lru_cache(maxsize=64)
def pn_bits(count: int, seed: int = 0x1FF) -> np.ndarray:
    """Pseudo-noise bits of the 9-bit LFSR x^9 + x^5 + 1 (as in 802.11's pilot scrambler); read-only, cached."""
    state = seed & 0x1FF
    bits = np.empty(count, dtype=np.int8)
    for i in range(count):
        new = ((state >> 8) ^ (state >> 4)) & 1
        state = ((state << 1) | new) & 0x1FF
        bits[i] = new
    bits.flags.writeable = False
    return bits


def pilot_symbols(count: int) -> np.ndarray:
    """Unit-power QPSK pilots from the PN sequence, the same at TX and RX."""
    pairs = pn_bits(2 * count).reshape(-1, 2)
    return ((1 - 2 * pairs[:, 0]) + 1j * (1 - 2 * pairs[:, 1])).astype(np.complex64) / np.sqrt(2)
