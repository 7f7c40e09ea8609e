"""Semantic importance weights (Sun, Guo, Yang, Chen, Tang, Liu).

The importance of a feature to the task is the gradient of the task's
perception result — the score of the class it predicts — with respect to that
feature.  ``reduce`` chooses element-wise weights or one weight per channel
(the spatial mean of the gradient, as in Grad-CAM); ``norm`` scales them so
that they average 1 per image (``mean``), peak at 1 (``max``), or form a
distribution times the element count (``softmax``).  Weights carry no
gradient: they say where distortion hurts, they are not trained.
"""

import torch

NORMALISATIONS = ("mean", "max", "softmax")


def importance_weights(task, images: torch.Tensor, layer: str, reduce: str = "element", norm: str = "mean",
                       labels: torch.Tensor = None):
    """(weights shaped like the layer's features, the features) for ``images``.

    The class score is the predicted class's logit, or the true class's when
    ``labels`` are given.
    """
    if reduce not in ("element", "channel"):
        raise ValueError(f"reduce must be 'element' or 'channel', not {reduce!r}")
    if norm not in NORMALISATIONS:
        raise ValueError(f"norm must be one of {NORMALISATIONS}, not {norm!r}")
    with torch.enable_grad():
        images = images.detach().requires_grad_(True)  # builds the graph even with a frozen task network
        feats = task.features(images)
        if layer not in feats:
            raise ValueError(f"task network has no layer {layer!r}; it has {sorted(feats)}")
        feature = feats[layer]
        logits = feats["logits"]
        classes = labels if labels is not None else logits.argmax(dim=1)
        score = logits.gather(1, classes.view(-1, 1)).sum()
        gradient, = torch.autograd.grad(score, feature)
    weights = gradient.abs()
    if reduce == "channel":
        weights = gradient.mean(dim=(2, 3), keepdim=True).clamp_min(0).expand_as(gradient)
    weights = normalise(weights, norm)
    return weights.detach(), feature.detach()


def normalise(weights: torch.Tensor, norm: str) -> torch.Tensor:
    flat = weights.flatten(1)
    if norm == "mean":
        flat = flat / flat.mean(dim=1, keepdim=True).clamp_min(1e-12)
    elif norm == "max":
        flat = flat / flat.max(dim=1, keepdim=True).values.clamp_min(1e-12)
    else:
        flat = torch.softmax(flat / flat.std(dim=1, keepdim=True).clamp_min(1e-12), dim=1) * flat.shape[1]
    return flat.view_as(weights)
