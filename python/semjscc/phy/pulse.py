"""Root-raised-cosine pulse shaping and matched filtering.

Taps have unit energy, so a unit-power symbol stream stays unit power per
symbol after the matched filter and the noise variance per sample is unchanged:
the SNR after matched filtering is Es/N0 (DESIGN.md's convention).
The taps are proportional to GNU Radio's ``filter.firdes.root_raised_cosine``.
"""

import numpy as np


def rrc_taps(sps: int, rolloff: float, span_symbols: int) -> np.ndarray:
    """Unit-energy RRC taps, ``span_symbols * sps + 1`` long."""
    t = (np.arange(span_symbols * sps + 1) - span_symbols * sps / 2) / sps
    taps = np.empty_like(t)
    for i, ti in enumerate(t):
        if abs(ti) < 1e-9:
            taps[i] = 1 - rolloff + 4 * rolloff / np.pi
        elif rolloff > 0 and abs(abs(4 * rolloff * ti) - 1) < 1e-9:
            taps[i] = rolloff / np.sqrt(2) * ((1 + 2 / np.pi) * np.sin(np.pi / (4 * rolloff))
                                                + (1 - 2 / np.pi) * np.cos(np.pi / (4 * rolloff)))
        else:
            taps[i] = (np.sin(np.pi * ti * (1 - rolloff)) + 4 * rolloff * ti * np.cos(np.pi * ti * (1 + rolloff))) / (
                np.pi * ti * (1 - (4 * rolloff * ti) ** 2))
    return (taps / np.sqrt(np.sum(taps ** 2))).astype(np.float32)


def shape(symbols: np.ndarray, sps: int, taps: np.ndarray) -> np.ndarray:
    """Upsample by ``sps`` and filter: the full convolution (the pulse tails included).

    Polyphase: output phase p is the symbols filtered by taps[p::sps], which
    skips the multiplications by the inserted zeros.
    """
    symbols = np.asarray(symbols, dtype=np.complex64)
    out = np.zeros(len(symbols) * sps + len(taps) - 1, dtype=np.complex64)
    if len(symbols) == 0:
        return out
    for phase in range(sps):
        filtered = np.convolve(symbols, np.asarray(taps[phase::sps], dtype=np.float32))
        out[phase::sps][: len(filtered)] = filtered
    return out


def matched_filter(samples: np.ndarray, taps: np.ndarray) -> np.ndarray:
    """Matched filter aligned so that symbol k of a shaped burst peaks at sample (len(taps) - 1) + k * sps."""
    return np.convolve(samples, taps[::-1]).astype(np.complex64)[: len(samples)]
