"""Block Rayleigh fading with pilot-based channel estimation (imperfect CSI).

One complex gain h ~ CN(0, 1) holds for a whole image (a block).  The
receiver estimates it by least squares from ``pilots`` unit-power pilot
symbols sent over the same block, so the estimate carries an error of
variance N0 / pilots, and equalises with MMSE or zero forcing.  The decoder
thus sees exactly the residual distortion a real pilot-aided receiver leaves.
"""

import torch
from torch import nn

from semjscc.channel.awgn import complex_gaussian, complex_noise_std, noise_variance, _per_row


class BlockFadingChannel(nn.Module):
    name = "fading"

    def __init__(self, pilots: int = 16, equalizer: str = "mmse"):
        super().__init__()
        if pilots < 1:
            raise ValueError("the fading channel needs at least one pilot to estimate the channel")
        if equalizer not in ("mmse", "zf"):
            raise ValueError(f"equalizer must be 'mmse' or 'zf', not {equalizer!r}")
        self.pilots = pilots
        self.equalizer = equalizer

    def forward(self, symbols: torch.Tensor, snr_db) -> torch.Tensor:
        batch = symbols.shape[0]
        n0 = _per_row(noise_variance(snr_db), symbols)
        std = _per_row(complex_noise_std(snr_db), symbols)
        unit = torch.ones(1, device=symbols.device)
        gain = complex_gaussian((batch, 1), unit * (0.5 ** 0.5), symbols)
        received = gain * symbols + complex_gaussian(symbols.shape, std, symbols)
        # LS estimate from the pilots: the mean of (h p + n) / p over the pilots.
        estimate = gain + complex_gaussian((batch, 1), std / self.pilots ** 0.5, symbols)
        if self.equalizer == "zf":
            return received / estimate
        return received * estimate.conj() / (estimate.abs().pow(2) + n0)
