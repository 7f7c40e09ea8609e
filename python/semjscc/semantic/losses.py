"""Training losses: pixel MSE, the semantic-importance loss, the TOSC-SR loss.

All return (total loss, dict of parts) and equal the pixel loss at lambda = 0.
"""

import torch
import torch.nn.functional as F

from semjscc.semantic.importance import importance_weights


class PixelLoss:
    name = "mse"

    def __call__(self, decoded, images, labels=None):
        mse = F.mse_loss(decoded, images)
        return mse, {"mse": mse.detach()}


class _TaskLoss:
    """MSE + weight * a semantic distortion measured through a frozen task network."""

    name = "abstract"

    def __init__(self, task, weight: float):
        self.task, self.weight = task, weight
        for parameter in task.parameters():
            parameter.requires_grad_(False)

    def semantic(self, decoded, images, labels):
        raise NotImplementedError

    def __call__(self, decoded, images, labels=None):
        mse = F.mse_loss(decoded, images)
        if self.weight == 0:
            return mse, {"mse": mse.detach()}
        semantic = self.semantic(decoded, images, labels)
        return mse + self.weight * semantic, {"mse": mse.detach(), "semantic": semantic.detach()}


class SemanticImportanceLoss(_TaskLoss):
    """MSE + lambda * mean(w * (F(x) - F(x_hat))^2), w = normalised importance of F(x) for the task."""

    name = "semantic-importance"

    def __init__(self, task, weight: float = 0.1, layer: str = "layer2", reduce: str = "element", norm: str = "mean"):
        super().__init__(task, weight)
        self.layer, self.reduce, self.norm = layer, reduce, norm

    def semantic(self, decoded, images, labels):
        weights, reference = importance_weights(self.task, images, self.layer, self.reduce, self.norm)
        features = self.task.features(decoded)[self.layer]
        return (weights * (features - reference) ** 2).mean() / reference.pow(2).mean().clamp_min(1e-12)


class TaskRateDistortionLoss(_TaskLoss):
    """TOSC-SR: MSE + lambda * D_sem, D_sem a variational bound through the task network.

    ``ce``: cross-entropy of the task on the reconstruction against the labels
    (bounds -I(x_hat; y) up to a constant); ``kl``: KL divergence of the task's
    posterior on the reconstruction from its posterior on the original (no
    labels needed).
    """

    name = "tosc-sr"

    def __init__(self, task, weight: float = 0.01, divergence: str = "ce"):
        if divergence not in ("ce", "kl"):
            raise ValueError(f"divergence must be 'ce' or 'kl', not {divergence!r}")
        super().__init__(task, weight)
        self.divergence = divergence

    def semantic(self, decoded, images, labels):
        logits = self.task(decoded)
        if self.divergence == "ce":
            if labels is None:
                raise ValueError("the 'ce' semantic distortion needs labels; use divergence 'kl' without them")
            return F.cross_entropy(logits, labels)
        with torch.no_grad():
            target = F.log_softmax(self.task(images), dim=1)
        return F.kl_div(F.log_softmax(logits, dim=1), target, log_target=True, reduction="batchmean")


def build_loss(name: str, task=None, **options):
    if name == "mse":
        return PixelLoss()
    if task is None:
        raise ValueError(f"the {name!r} loss needs a task network (--task-model)")
    if name == "semantic-importance":
        return SemanticImportanceLoss(task, **options)
    if name == "tosc-sr":
        return TaskRateDistortionLoss(task, **options)
    raise ValueError(f"unknown loss {name!r}; use mse, semantic-importance or tosc-sr")
