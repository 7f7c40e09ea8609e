"""One-tap equalisation from pilots, and the payload stage built on any equaliser.

Per pilot an LS estimate h_i = y_i / p_i, smoothed over ``smoothing`` pilots
(noise averaging vs. tracking phase noise and residual frequency offset) and
interpolated linearly to every symbol.  The synchroniser has removed the
frequency offset already (see :mod:`semjscc.phy.frequency`).
The single-tap equaliser is unbiased (y / h): the time-domain equaliser before
it is MMSE-trained, and the neural decoders expect x + noise, not a shrunk x.
"""

import numpy as np

from semjscc.phy.equalizers.base import Equalized, Equalizer
from semjscc.phy.pilots import pilot_layout
from semjscc.phy.sequences import pilot_symbols


def _smooth(values: np.ndarray, window: int) -> np.ndarray:
    if window <= 1 or len(values) <= 1:
        return values
    window = min(window, len(values))
    kernel = np.ones(window)
    total = np.convolve(values, kernel, mode="same")
    count = np.convolve(np.ones(len(values)), kernel, mode="same")
    return total / count


class PilotEqualizer(Equalizer):
    name = "pilot-ls"

    def __init__(self, smoothing: int = 31):
        self.smoothing = int(smoothing)

    def equalize(self, received, known_index, known, count=None) -> Equalized:
        count = len(received) if count is None else count
        received = np.asarray(received[:count], dtype=np.complex128)
        smoothed = _smooth(received[known_index] / known, self.smoothing)
        positions = np.arange(count)
        channel = (np.interp(positions, known_index, smoothed.real)
                   + 1j * np.interp(positions, known_index, smoothed.imag))
        residual = received[known_index] - channel[known_index] * known
        window = min(max(self.smoothing, 1), len(known_index))
        bias = window / (window - 1) if window > 1 else 2.0  # the smoothing window includes the pilot itself
        noise_var = float(np.mean(np.abs(residual) ** 2) * bias)
        unknown = np.ones(count, dtype=bool)
        unknown[known_index] = False
        gain = float(np.mean(np.abs(channel[unknown]) ** 2))
        noise_var = max(noise_var, gain * 1e-6)
        return Equalized((received / channel).astype(np.complex64), float(10 * np.log10(gain / noise_var)),
                         noise_var, gain)


def equalize_pilots(received: np.ndarray, data_length: int, spacing: int, equalizer: Equalizer,
                    prior_snr_db: float = None, prior_count: int = 0) -> Equalized:
    """Equalise a pilot-bearing block of ``data_length`` data symbols; returns its data symbols.

    The pilots alone give a noisy SNR estimate (a few dozen samples); an
    estimate from other known symbols of the frame (``prior_snr_db`` from
    ``prior_count`` symbols: the synchroniser's training residual) is pooled in.
    """
    total, pilot_index, data_index = pilot_layout(data_length, spacing)
    if len(received) < equalizer.input_length(total):
        raise ValueError(f"block has {len(received)} symbols, its layout needs {total}")
    result = equalizer.equalize(received, pilot_index, pilot_symbols(len(pilot_index)), total)
    relative_noise = result.noise_var / result.gain
    if prior_snr_db is not None and prior_count > 0:
        n_pilots = len(pilot_index)
        relative_noise = (n_pilots * relative_noise + prior_count * 10 ** (-prior_snr_db / 10)) / (n_pilots + prior_count)
    return Equalized(result.data[data_index], float(-10 * np.log10(relative_noise)), relative_noise * result.gain,
                     result.gain)
