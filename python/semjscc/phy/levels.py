"""Signal levels on the sample stream and their relation to Es/N0 per symbol.

The modulator scales bursts to an RMS sample amplitude A at ``sps`` samples
per symbol, so a symbol carries energy Es = A^2 * sps.  Complex noise of
variance v per sample (``channels.channel_model``'s noise_voltage squared, or
a receiver's noise floor) gives Es/N0 = A^2 * sps / v after the unit-energy
matched filter.
"""

import math


def noise_voltage(snr_db: float, amplitude: float, sps: float) -> float:
    """channel_model noise_voltage that yields Es/N0 = ``snr_db`` for bursts of RMS ``amplitude``."""
    return amplitude * math.sqrt(sps) * 10 ** (-snr_db / 20)


def snr_from_noise(noise_voltage_value: float, amplitude: float, sps: float) -> float:
    return 20 * math.log10(amplitude * math.sqrt(sps) / noise_voltage_value)
