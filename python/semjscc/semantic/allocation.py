"""Rate allocation for the rate-adaptive codec: who decides how many symbols each image and concept gets.

An allocator is called as ``allocator(images, snr_db, codec)`` with a batch in [0, 1] and returns the
depth maps (batch, rows, columns) the codec sends (``codec.rate``).  The transmitter runs it; the
receiver only reads the result from the frame.
"""

from fractions import Fraction

import torch

from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.rate import uniform_depth
from semjscc.semantic.concepts import concept_importance, share_out


class FixedBudget:
    """Every image at the same budget: ``depth`` of the codec's groups in every concept."""

    def __init__(self, depth: int):
        self.depth = int(depth)

    def __call__(self, images: torch.Tensor, snr_db, codec) -> torch.Tensor:
        if not 0 <= self.depth <= codec.groups:
            raise ValueError(f"depth {self.depth} outside the codec's 0..{codec.groups} groups")
        return uniform_depth(images.shape[0], images.shape[-2], images.shape[-1], codec.region, self.depth,
                             images.device)

    @classmethod
    def from_ratio(cls, budget: str, codec) -> "FixedBudget":
        """The budget a user names as k/n ('1/12'): one of the codec's nested budgets, else a clear error."""
        offered = ", ".join(ratio_label(codec.k_over_n * d / codec.groups) for d in range(1, codec.groups + 1))
        try:
            depth = mean_depth(budget, codec)
        except ValueError as err:
            raise ValueError(f"{err}; this codec offers {offered}") from None
        if abs(depth - round(depth)) > 1e-9:
            raise ValueError(f"budget {budget} is not one this codec sends; it offers {offered}")
        return cls(round(depth))


class ImportanceShare:
    """The heuristic: each image gets ``mean_depth`` groups per concept on average, shared out in proportion
    to the task network's importance of each concept (``semantic.concepts``)."""

    def __init__(self, task, mean_depth: float, layer: str = "layer1"):
        self.task = task
        self.mean_depth = float(mean_depth)
        self.layer = layer

    def weights(self, images: torch.Tensor, grid: tuple) -> torch.Tensor:
        return concept_importance(self.task, images, grid, self.layer)

    def __call__(self, images: torch.Tensor, snr_db, codec) -> torch.Tensor:
        grid = codec.concepts(*images.shape[-2:])
        total = torch.full((images.shape[0],), round(self.mean_depth * grid[0] * grid[1]), device=images.device)
        return share_out(self.weights(images, grid), total, codec.groups)


class RandomShare(ImportanceShare):
    """The control: the same number of groups per image as :class:`ImportanceShare`, shared out at random."""

    def __init__(self, mean_depth: float, seed: int = 0):
        super().__init__(None, mean_depth)
        self.generator = torch.Generator().manual_seed(seed)

    def weights(self, images: torch.Tensor, grid: tuple) -> torch.Tensor:
        return torch.rand(images.shape[0], *grid, generator=self.generator).to(images.device)


class BudgetShare(ImportanceShare):
    """Two levels: a per-image allocator (a trained per-image policy) sets how many groups each image gets, and
    the task network's importance shares them out among its concepts, as the heuristic does."""

    def __init__(self, budget, task, layer: str = "layer1"):
        super().__init__(task, 0.0, layer)
        self.budget = budget

    def __call__(self, images: torch.Tensor, snr_db, codec) -> torch.Tensor:
        total = self.budget(images, snr_db, codec).flatten(1).sum(dim=1)
        return share_out(self.weights(images, codec.concepts(*images.shape[-2:])), total, codec.groups)


def mean_depth(budget: str, codec) -> float:
    """Groups per concept on average for a mean bandwidth ratio such as '1/12'."""
    try:
        ratio = Fraction(budget)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"a budget is a bandwidth ratio such as 1/12, not {budget!r}") from None
    depth = float(ratio / Fraction(codec.k_over_n).limit_denominator(1000) * codec.groups)
    if not 0 < depth <= codec.groups:
        raise ValueError(f"mean budget {budget} outside this codec's 0..{ratio_label(codec.k_over_n)}")
    return depth


def build_allocator(spec: str, codec, task_model: str = "task_resnet"):
    """The allocator a user names: '' sends everything (None); '1/12' every image at that budget;
    'importance:1/12' that budget on average, shared out by concept importance (the receiver's task network,
    ``task_model``); 'random:1/12' the same shared out at random (a control); 'policy:<file>' a trained
    agent (``semjscc train-policy``), with the task network it was trained with; 'policy+importance:<file>'
    each image's budget from a per-image policy, shared out among its concepts by that task network's
    importance (:class:`BudgetShare`)."""
    if not spec:
        return None
    if not getattr(codec, "allocates", False):
        raise ValueError(f"a rate allocation ({spec!r}) needs a rate-adaptive codec; this one has one rate")
    if spec.startswith("policy:"):
        return policy_allocator(spec[len("policy:"):], codec)
    if spec.startswith("policy+importance:"):
        policy = policy_allocator(spec[len("policy+importance:"):], codec)
        if policy.policy.mode != "image":
            raise ValueError(f"{spec!r}: only a per-image policy's budgets can be shared out by importance")
        return BudgetShare(policy, policy.task)
    kind, _, budget = spec.rpartition(":")
    if kind == "":
        return FixedBudget.from_ratio(budget, codec)
    if kind == "importance":
        return ImportanceShare(_task_network(task_model, codec), mean_depth(budget, codec))
    if kind == "random":
        return RandomShare(mean_depth(budget, codec))
    raise ValueError(f"unknown rate allocation {spec!r}: use 1/12, importance:1/12, random:1/12, policy:<file> or "
                     "policy+importance:<file>")


def _task_network(name: str, codec):
    from semjscc.semantic.task_models import load_task_model
    from semjscc.store.paths import resolve_model

    return load_task_model(resolve_model(name), next(codec.parameters()).device)


def policy_allocator(path: str, codec):
    """A trained agent (its file or shipped name) as an allocator, with the task network it learned with."""
    from semjscc.semantic.agent import PolicyAllocator, load_policy
    from semjscc.store.paths import resolve_model

    policy, meta = load_policy(resolve_model(path), next(codec.parameters()).device)
    task = meta.get("training", {}).get("task_model", "task_resnet")
    return PolicyAllocator(policy, _task_network(task, codec))
