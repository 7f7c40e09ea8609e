"""Fractionally spaced (T/2) least-squares equaliser, optionally with taps that drift over the block.

Trained on the known symbols, it absorbs fractional timing, multipath and the
channel gain in one fit.  With ``drift`` the taps are w0 + t * w1
(t = symbol index / block length): a sample-clock offset makes the timing
drift (0.4 samples over a 4,096-symbol frame at 20 ppm), which fixed taps
would turn into ISI.  The output is MMSE-trained, so its SNR is measured on
the training residual, corrected for the parameters fitted.
"""

import numpy as np

from semjscc.phy.equalizers.base import Equalized, Equalizer


def least_squares(rows: np.ndarray, known: np.ndarray) -> np.ndarray:
    """Taps w minimising |rows @ w - known|^2, lightly regularised."""
    gram = rows.conj().T @ rows
    gram += 1e-6 * np.trace(gram).real / len(gram) * np.eye(len(gram))
    return np.linalg.solve(gram, rows.conj().T @ known)


def training_snr(outputs: np.ndarray, known: np.ndarray, n_params: int):
    """(SNR dB, noise variance, power gain) of outputs against the known symbols, unbiased for the fit."""
    gain = np.vdot(known, outputs) / np.vdot(known, known)
    residual = np.sum(np.abs(outputs - gain * known) ** 2) / (len(known) - n_params - 1)
    residual = max(residual, 1e-12)
    return float(10 * np.log10(abs(gain) ** 2 / residual)), float(residual), float(abs(gain) ** 2)


class FractionallySpacedEqualizer(Equalizer):
    name = "fse"
    modes = ()  # the synchroniser's stage, not a payload equaliser
    samples_per_symbol = 2

    def __init__(self, half_taps: int = 2, drift: bool = False):
        self.half_taps = int(half_taps)
        self.margin = self.half_taps
        self.drift = bool(drift)

    @property
    def n_taps(self) -> int:
        return 2 * self.half_taps + 1

    def equalize(self, received, known_index, known, count=None) -> Equalized:
        received = np.asarray(received, dtype=np.complex128)
        if count is None:
            count = (len(received) - 2 * self.margin - 1) // 2 + 1
        if len(received) < self.input_length(count):
            raise ValueError(f"{count} symbols need {self.input_length(count)} T/2 samples, got {len(received)}")
        rows = received[(2 * np.asarray(known_index))[:, None] + np.arange(self.n_taps)[None, :]]
        if self.drift:
            time = np.asarray(known_index) / count
            weights = least_squares(np.hstack([rows, rows * time[:, None]]), known)
            fixed, drifting = weights[:self.n_taps], weights[self.n_taps:]
        else:
            weights = fixed = least_squares(rows, known)
        span = 2 * (count - 1) + 1
        out = np.zeros(count, dtype=np.complex128)
        out_drift = np.zeros(count, dtype=np.complex128)
        for tap in range(self.n_taps):
            tap_signal = received[tap:tap + span:2]
            out += fixed[tap] * tap_signal
            if self.drift:
                out_drift += drifting[tap] * tap_signal
        if self.drift:
            out += out_drift * (np.arange(count) / count)
        snr_db, noise_var, gain = training_snr(out[known_index], known, len(weights))
        return Equalized(out, snr_db, noise_var, gain)
