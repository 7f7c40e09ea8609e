"""Differentiable channels for training and simulation (torch, complex baseband).

Convention (DESIGN.md): SNR is Es/N0 per complex symbol with Es = 1, so the
complex noise has variance 10^(-SNR/10), half of it on I and half on Q.
"""

from semjscc.channel.awgn import AWGNChannel, IdentityChannel, complex_noise_std
from semjscc.channel.fading import BlockFadingChannel
from semjscc.channel.factory import build_channel, CHANNELS

__all__ = ["AWGNChannel", "IdentityChannel", "BlockFadingChannel", "build_channel", "CHANNELS", "complex_noise_std"]
