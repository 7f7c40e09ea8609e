"""Pilot-based channel estimation, equalisation and SNR estimation.

Per pilot an LS estimate h_i = y_i / p_i, smoothed over ``smoothing`` pilots
(noise averaging vs. tracking phase noise and residual frequency offset) and
interpolated linearly to every symbol.  The synchroniser has removed the
frequency offset already (see :mod:`semjscc.phy.frequency`).
The single-tap equaliser is unbiased (y / h): the time-domain equaliser before
it is MMSE-trained, and the neural decoders expect x + noise, not a shrunk x.
"""

from dataclasses import dataclass

import numpy as np

from semjscc.phy.pilots import pilot_layout
from semjscc.phy.sequences import pilot_symbols


@dataclass
class Equalized:
    data: np.ndarray
    snr_db: float
    noise_var: float
    gain: float


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) <= 1:
        return values
    window = min(window, len(values))
    kernel = np.ones(window)
    total = np.convolve(values, kernel, mode="same")
    count = np.convolve(np.ones(len(values)), kernel, mode="same")
    return total / count


def equalize(received: np.ndarray, data_length: int, spacing: int, smoothing: int = 31,
             prior_snr_db: float = None, prior_count: int = 0) -> Equalized:
    """Equalise a pilot-bearing block of ``data_length`` data symbols and estimate its SNR.

    The pilots alone give a noisy SNR estimate (a few dozen samples); an
    estimate from other known symbols of the frame (``prior_snr_db`` from
    ``prior_count`` symbols: the synchroniser's training residual) is pooled in.
    """
    total, pilot_index, data_index = pilot_layout(data_length, spacing)
    if len(received) < total:
        raise ValueError(f"block has {len(received)} symbols, its layout needs {total}")
    received = np.asarray(received[:total], dtype=np.complex128)
    pilots = pilot_symbols(len(pilot_index))
    smoothed = _smooth(received[pilot_index] / pilots, smoothing)
    positions = np.arange(total)
    channel = np.interp(positions, pilot_index, smoothed.real) + 1j * np.interp(positions, pilot_index, smoothed.imag)
    residual = received[pilot_index] - channel[pilot_index] * pilots
    window = min(max(smoothing, 1), len(pilot_index))
    bias = window / (window - 1) if window > 1 else 2.0
    noise_var = float(np.mean(np.abs(residual) ** 2) * bias)
    gain = float(np.mean(np.abs(channel[data_index]) ** 2))
    noise_var = max(noise_var, gain * 1e-6)
    relative_noise = noise_var / gain
    if prior_snr_db is not None and prior_count > 0:
        n_pilots = len(pilot_index)
        relative_noise = (n_pilots * relative_noise + prior_count * 10 ** (-prior_snr_db / 10)) / (n_pilots + prior_count)
    data = received[data_index] / channel[data_index]
    return Equalized(data.astype(np.complex64), float(-10 * np.log10(relative_noise)), relative_noise * gain, gain)
