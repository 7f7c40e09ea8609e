"""Semantic concepts of an image and what each is worth to the task (RL-ASC's units of allocation).

A concept here is one spatial block of the codec's latent (``codec.rate``: ``region`` x ``region``
latent pixels, 8x8 image pixels at region 2): the spatial-arrangement concepts of the paper.  Its
visual-feature concepts are the codec's nested channel groups, which a depth of 1..groups sends
in order of what the codec learned to put first.  The category concept enters through the task
network: a block's importance is the semantic-importance weight mass (gradient of the predicted
class's score with respect to a feature layer, ``semantic.importance``) that falls on it.
"""

import torch
import torch.nn.functional as F

from semjscc.semantic.importance import importance_weights


def concept_importance(task, images: torch.Tensor, grid: tuple, layer: str = "layer1") -> torch.Tensor:
    """(batch, rows, columns) importance per concept, summing to 1 per image."""
    weights, _ = importance_weights(task, images, layer, reduce="element", norm="mean")
    spatial = weights.sum(dim=1, keepdim=True)
    pooled = F.adaptive_avg_pool2d(spatial, grid)[:, 0]
    return pooled / pooled.flatten(1).sum(dim=1).clamp_min(1e-12)[:, None, None]


def share_out(weights: torch.Tensor, total: torch.Tensor, groups: int) -> torch.Tensor:
    """Integer depths 0..groups per concept, ``total`` per image, in proportion to ``weights``.

    Water-filling: depth proportional to weight, capped at ``groups`` with the excess shared among the
    rest, then rounded so the image's total is exact (largest remainders first).
    """
    batch = weights.shape[0]
    flat = weights.flatten(1).clamp_min(0) + 1e-9
    total = total.to(flat.dtype).clamp(0, groups * flat.shape[1]).view(batch, 1)
    depth = torch.zeros_like(flat)
    capped = torch.zeros_like(flat, dtype=torch.bool)
    for _ in range(flat.shape[1]):
        free = torch.where(capped, torch.zeros_like(flat), flat)
        left = total - torch.where(capped, depth, torch.zeros_like(depth)).sum(dim=1, keepdim=True)
        depth = torch.where(capped, depth, free / free.sum(dim=1, keepdim=True).clamp_min(1e-12) * left)
        over = depth > groups
        if not over.any():
            break
        depth = torch.where(over, torch.full_like(depth, groups), depth)
        capped |= over
    whole = depth.floor()
    short = (total - whole.sum(dim=1, keepdim=True)).round().long().view(-1)
    order = (depth - whole).argsort(dim=1, descending=True)
    bonus = torch.zeros_like(whole)
    ranks = torch.arange(flat.shape[1], device=flat.device).expand(batch, -1)
    bonus.scatter_(1, order, (ranks < short[:, None]).to(whole.dtype))
    return (whole + bonus).clamp(0, groups).long().view_as(weights)
