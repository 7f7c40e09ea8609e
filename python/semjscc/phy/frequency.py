"""Maximum-likelihood frequency offset estimation from known symbols.

z_k = y_k conj(s_k) at known positions n_k is a noisy tone; the ML estimate is
the peak of |sum z_k exp(-j w n_k)|, found with a zero-padded FFT and refined
by parabolic interpolation.  Unlike phase differences of neighbours, it stays
accurate at 0 dB because it uses the whole span of the known symbols.
"""

import numpy as np


def ml_frequency(z: np.ndarray, positions: np.ndarray, max_offset: float = 0.02, oversample: int = 4) -> float:
    """Frequency of the tone ``z`` sampled at integer ``positions``, in cycles per position.

    Only offsets within +-``max_offset`` are considered.
    """
    positions = np.asarray(positions) - positions[0]
    span = int(positions[-1]) + 1
    size = 1 << int(np.ceil(np.log2(span * oversample)))
    sparse = np.zeros(size, dtype=np.complex128)
    np.add.at(sparse, positions, z)
    spectrum = np.abs(np.fft.fft(sparse))
    freqs = np.fft.fftfreq(size)
    spectrum[np.abs(freqs) > max_offset] = 0
    k = int(np.argmax(spectrum))
    left, mid, right = spectrum[(k - 1) % size], spectrum[k], spectrum[(k + 1) % size]
    denom = left - 2 * mid + right
    shift = 0.5 * (left - right) / denom if denom < 0 else 0.0
    return float((freqs[k] + shift / size))
