"""Nested rate allocation for the rate-adaptive codec: depth maps, latent masks, symbol counts.

The latent's ``c`` feature maps are split into ``groups`` equal groups and its spatial grid into
``region`` x ``region`` latent blocks (the *concepts*).  A depth map gives, per concept, how many
groups are sent (0 drops the concept).  Groups are nested: depth d sends groups 0..d-1, so every
allocation is a prefix of the full one in each concept, and a per-image budget is the constant map.
The receiver rebuilds the mask from the depth map alone (it travels in the header).
"""

from fractions import Fraction

import torch

from semjscc.codec.bandwidth import DOWNSAMPLE, REAL_PER_COMPLEX


def concept_grid(height: int, width: int, region: int) -> tuple:
    """(rows, columns) of concepts for an image of ``height`` x ``width``."""
    side = DOWNSAMPLE * region
    if height % side or width % side:
        raise ValueError(f"image size {height}x{width} must be a multiple of {side} for concepts of "
                         f"{region}x{region} latent pixels")
    return height // side, width // side


def uniform_depth(batch: int, height: int, width: int, region: int, depth: int, device="cpu") -> torch.Tensor:
    """The per-image budget ``depth`` groups as a depth map (batch, rows, columns)."""
    rows, columns = concept_grid(height, width, region)
    return torch.full((batch, rows, columns), int(depth), dtype=torch.long, device=device)


def latent_mask(depth: torch.Tensor, channels: int, groups: int, region: int) -> torch.Tensor:
    """(batch, channels, rows*region, columns*region) float mask: 1 where a latent value is sent."""
    group_of_channel = torch.arange(channels, device=depth.device) // (channels // groups)
    sent = group_of_channel[None, :, None, None] < depth[:, None, :, :]
    return sent.repeat_interleave(region, dim=2).repeat_interleave(region, dim=3).float()


def symbols_sent(depth: torch.Tensor, channels: int, groups: int, region: int) -> torch.Tensor:
    """Complex symbols each image of the batch puts on the air."""
    per_group = (channels // groups) * region * region // REAL_PER_COMPLEX
    return depth.flatten(1).sum(dim=1) * per_group


def budget_label(k_over_n: float, depth: int, groups: int) -> str:
    """'1/12' for depth 2 of 4 groups of a 1/6 codec."""
    return str(Fraction(k_over_n * depth / groups).limit_denominator(1000))


def check_depth(depth: torch.Tensor, groups: int, grid: tuple) -> None:
    """A depth map from the air or a user: right shape, levels within 0..groups."""
    if tuple(depth.shape[-2:]) != tuple(grid):
        raise ValueError(f"depth map of shape {tuple(depth.shape[-2:])}, the image has {grid[0]}x{grid[1]} concepts")
    if depth.numel() and (int(depth.min()) < 0 or int(depth.max()) > groups):
        raise ValueError(f"depth levels must lie in 0..{groups}")
