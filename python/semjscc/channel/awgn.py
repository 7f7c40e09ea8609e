"""Additive white Gaussian noise and the noiseless channel."""

import torch
from torch import nn


def noise_variance(snr_db) -> torch.Tensor:
    """Complex noise variance N0 for unit-power symbols at Es/N0 = ``snr_db``."""
    return torch.pow(10.0, -torch.as_tensor(snr_db, dtype=torch.float32) / 10.0)


def complex_noise_std(snr_db) -> torch.Tensor:
    """Standard deviation of each of I and Q: sqrt(N0 / 2)."""
    return torch.sqrt(noise_variance(snr_db) / 2.0)


def complex_gaussian(shape, std: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """CN(0, 2 std^2) noise shaped like ``shape``; ``std`` broadcasts per row."""
    real = torch.randn(*shape, 2, device=like.device, dtype=like.real.dtype)
    return torch.view_as_complex(real) * std


def _per_row(value: torch.Tensor, symbols: torch.Tensor) -> torch.Tensor:
    value = value.to(symbols.device)
    return value.view(-1, 1) if value.dim() else value


class AWGNChannel(nn.Module):
    """y = x + n, n ~ CN(0, 10^(-SNR/10)); the SNR may differ per batch row."""

    name = "awgn"

    def forward(self, symbols: torch.Tensor, snr_db) -> torch.Tensor:
        std = _per_row(complex_noise_std(snr_db), symbols)
        return symbols + complex_gaussian(symbols.shape, std, symbols)


class IdentityChannel(nn.Module):
    """The noiseless channel: what the codec alone achieves."""

    name = "identity"

    def forward(self, symbols: torch.Tensor, snr_db=None) -> torch.Tensor:
        return symbols
