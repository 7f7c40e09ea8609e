"""Power normalisation, PAPR and clipping of complex channel symbols.

This is the only place that decides the transmit power: every model calls
:func:`normalize_power`, so "average power 1 per image" holds everywhere.
"""

import torch


def normalize_power(symbols: torch.Tensor, eps: float = 1e-12) -> torch.Tensor:
    """Scale each row of complex ``symbols`` (batch, k) to mean |x|^2 = 1."""
    power = symbols.abs().pow(2).mean(dim=-1, keepdim=True)
    return symbols / torch.sqrt(power + eps)


def papr_db(symbols: torch.Tensor) -> torch.Tensor:
    """Peak-to-average power ratio per row, in dB."""
    power = symbols.abs().pow(2)
    return 10 * torch.log10(power.max(dim=-1).values / power.mean(dim=-1))


def clip_amplitude(symbols: torch.Tensor, max_amplitude: float) -> torch.Tensor:
    """Clip the magnitude to ``max_amplitude`` keeping the phase (a soft PA limit).

    The result is normalised again so the average power stays 1.
    """
    magnitude = symbols.abs().clamp_min(1e-12)
    scale = torch.clamp(max_amplitude / magnitude, max=1.0)
    return normalize_power(symbols * scale)
