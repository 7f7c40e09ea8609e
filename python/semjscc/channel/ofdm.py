"""Frequency-selective block fading on OFDM subcarriers, with pilot-estimated CSI and MMSE equalisation.

The codec's symbols fill the data subcarriers of OFDM symbols in order
(symbol i -> data subcarrier i mod data_carriers), as the radio's OFDM mode
maps them.  Per image (a frame) the channel is drawn afresh: ``taps``
independent Rayleigh taps with an exponential power-delay profile whose RMS
delay spread is drawn up to ``max_rms_delay`` samples, scaled to unit mean
power over the used subcarriers: the radio's receiver tells the decoder each
frame's own SNR (mean channel power over noise), so the nominal SNR here is
that frame SNR, and only the spread of the gains over the subcarriers remains.  With
a cyclic prefix longer than the channel this is exactly y_k = H_k x_k + n_k.
The receiver's estimate is what :mod:`semjscc.phy.ofdm.estimation` computes
from the preamble's training symbols (LS over ``ltf_count`` symbols, then the
delay-window projection), and the output is its MMSE equalisation, with each
symbol's estimated gain relative to the frame's mean (for decoders with ``csi``).
"""

import numpy as np
import torch
from torch import nn

from semjscc.channel.awgn import complex_gaussian, noise_variance, _per_row
from semjscc.phy.ofdm.estimation import smoothing_matrix
from semjscc.phy.ofdm.numerology import OfdmConfig


class OfdmFadingChannel(nn.Module):
    name = "ofdm"

    def __init__(self, taps: int = 10, max_rms_delay: float = 4.0, numerology: OfdmConfig = OfdmConfig()):
        super().__init__()
        if taps < 1 or taps > numerology.cp_length:
            raise ValueError(f"the OFDM channel needs 1..{numerology.cp_length} taps (within the CP), not {taps}")
        self.taps = int(taps)
        self.max_rms_delay = float(max_rms_delay)
        self.numerology = numerology
        used = numerology.used
        # frequency response of each delay on the used subcarriers, and the data subcarriers among them
        response = np.exp(-2j * np.pi * np.outer(used, np.arange(self.taps)) / numerology.fft_size)
        self.register_buffer("response", torch.from_numpy(response.astype(np.complex64)), persistent=False)
        self.register_buffer("smoothing", torch.from_numpy(smoothing_matrix(numerology).astype(np.complex64)),
                             persistent=False)
        self.register_buffer("data_index", torch.from_numpy(numerology.data_index), persistent=False)

    def draw_response(self, batch: int, like: torch.Tensor) -> torch.Tensor:
        """(batch, used) frequency responses of random channels of unit average power."""
        rms = torch.rand(batch, 1, device=like.device) * self.max_rms_delay
        delays = torch.arange(self.taps, device=like.device, dtype=torch.float32)
        powers = torch.exp(-delays / rms.clamp_min(1e-3))
        powers = powers / powers.sum(dim=1, keepdim=True)
        taps = complex_gaussian((batch, self.taps), (powers / 2).sqrt(), like)
        response = taps @ self.response.T.to(like.dtype)
        return response / response.abs().pow(2).mean(dim=1, keepdim=True).sqrt()

    def forward(self, symbols: torch.Tensor, snr_db) -> tuple:
        """(MMSE-equalised symbols, each one's estimated channel power over the frame's mean)."""
        batch, count = symbols.shape
        n0 = _per_row(noise_variance(snr_db), symbols).expand(batch, 1)
        response = self.draw_response(batch, symbols)
        channel = response[:, self.data_index]  # (batch, data carriers)
        carriers = channel.shape[1]
        per_symbol = channel.repeat(1, -(-count // carriers))[:, :count]
        received = per_symbol * symbols + complex_gaussian(symbols.shape, (n0 / 2).sqrt(), symbols)
        # the receiver's estimate: LS over the training symbols (noise N0 / ltf_count per subcarrier), smoothed
        ls = response + complex_gaussian(response.shape, (n0 / (2 * self.numerology.ltf_count)).sqrt(), symbols)
        smoothed = ls @ self.smoothing.T.to(ls.dtype)
        power = smoothed.abs().pow(2)
        estimate = smoothed[:, self.data_index].repeat(1, -(-count // carriers))[:, :count]
        reliability = estimate.abs().pow(2) / power.mean(dim=1, keepdim=True)
        return received * estimate.conj() / (estimate.abs().pow(2) + n0), reliability
