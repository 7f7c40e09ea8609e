"""Channels for the loopback flowgraphs beyond their own ``channel_model``: GNU Radio's stock dynamic model.

``dynamic_channel`` wraps ``channels.dynamic_channel_model``: Rayleigh (or
Rician) fading of every path with a maximum Doppler, a sample-clock offset
that drifts in a random walk up to a bound, a carrier offset that does the
same, and the noise that sets the SNR.  The power-delay profile is
normalised to unit average power, so the nominal SNR is the average Es/N0 at
the receiver input (instantaneous SNR varies with the fading, as on air).
"""

from dataclasses import asdict, dataclass

import numpy as np

# an exponential profile over 6 samples: frequency-selective across OFDM's band, nearly flat for single carrier
DEFAULT_DELAYS = (0.0, 1.0, 2.5, 4.0, 6.0)


@dataclass(frozen=True)
class DynamicChannel:
    doppler: float = 1e-4  # maximum Doppler, fraction of the sample rate
    clock_ppm: float = 20.0  # bound of the sample-clock offset walk
    clock_walk_ppm: float = 1e-3  # its standard deviation per sample
    cfo_max: float = 1e-3  # bound of the carrier offset walk, fraction of the sample rate
    cfo_walk: float = 1e-6  # its standard deviation per sample
    delays: tuple = DEFAULT_DELAYS
    rms_delay: float = 2.0  # of the exponential power-delay profile, samples
    rician_k: float = 0.0  # 0: Rayleigh
    sinusoids: int = 8  # of the fading simulator

    def magnitudes(self) -> list:
        powers = np.exp(-np.asarray(self.delays) / self.rms_delay)
        return list(np.sqrt(powers / powers.sum()))

    def block(self, noise_voltage: float, seed: int = 0, samp_rate: float = 1e6):
        """The GNU Radio block (rates in Hz at ``samp_rate``)."""
        from gnuradio import channels

        return channels.dynamic_channel_model(
            samp_rate, self.clock_walk_ppm * 1e-6 * samp_rate, self.clock_ppm * 1e-6 * samp_rate,
            self.cfo_walk * samp_rate, self.cfo_max * samp_rate, self.sinusoids, self.doppler * samp_rate,
            self.rician_k > 0, self.rician_k, list(self.delays), self.magnitudes(),
            int(np.ceil(max(self.delays))) + 8, noise_voltage, seed)

    def to_dict(self) -> dict:
        return asdict(self)
