"""Multipath channel taps: read from text, and scaled so the receiver sees the nominal SNR.

The taps of a simulated channel (``channels.channel_model`` and its numpy
twin) act on the RRC-shaped sample stream.  Their plain energy sum(|h|^2) is
not the power gain the signal sees: taps closer together than the pulse add
coherently within the band.  The in-band power gain is

    G = sum_i sum_j h_i conj(h_j) r[i - j],

with r the normalised autocorrelation of the shaped stream at a lag of that
many samples (the raised-cosine pulse: the RRC pulse convolved with itself).
``channel_taps`` divides the taps by sqrt(G), so the Es/N0 at the receiver
input is the nominal SNR whatever the multipath (DESIGN: "multipath normalised
to unit in-band gain").
"""

import numpy as np

from semjscc.phy.pulse import rrc_taps


def parse_taps(text: str) -> list:
    """'1, 0.3j, 0.1+0.05j' -> [1+0j, 0.3j, (0.1+0.05j)]; Python complex literals."""
    try:
        taps = [complex(part.replace(" ", "")) for part in str(text).split(",") if part.strip()]
    except ValueError:
        raise ValueError(f"cannot read channel taps {text!r}: use comma-separated Python complex literals") from None
    if not taps:
        raise ValueError("channel taps are empty")
    return taps


def in_band_gain(taps, sps: int = 4, rolloff: float = 0.35, span: int = 11) -> float:
    """The average power gain of ``taps`` on a stream of unit-power symbols shaped at ``sps`` (see above)."""
    taps = np.asarray(taps, dtype=np.complex128)
    pulse = rrc_taps(sps, rolloff, span)
    autocorrelation = np.convolve(pulse, pulse[::-1])
    centre = len(pulse) - 1
    r = autocorrelation / autocorrelation[centre]
    lags = np.arange(len(taps))[:, None] - np.arange(len(taps))[None, :]
    within = np.abs(lags) <= centre
    weights = np.where(within, r[np.clip(centre + lags, 0, len(r) - 1)], 0.0)
    return float(np.real(np.sum(taps[:, None] * np.conj(taps)[None, :] * weights)))


def channel_taps(text, sps: int = 4, rolloff: float = 0.35) -> list:
    """Taps from text (or a sequence), scaled to unit in-band power gain."""
    taps = parse_taps(text) if isinstance(text, str) else [complex(t) for t in text]
    gain = in_band_gain(taps, int(sps), float(rolloff))
    if not np.isfinite(gain) or gain <= 0:
        raise ValueError(f"channel taps {text!r} pass no power")
    return [t / np.sqrt(gain) for t in taps]
