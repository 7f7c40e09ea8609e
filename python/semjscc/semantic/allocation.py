"""Rate allocation for the rate-adaptive codec: who decides how many symbols each image and concept gets.

An allocator is called as ``allocator(images, snr_db, codec)`` with a batch in [0, 1] and returns the
depth maps (batch, rows, columns) the codec sends (``codec.rate``).  The transmitter runs it; the
receiver only reads the result from the frame.
"""

from fractions import Fraction

import torch

from semjscc.codec.rate import uniform_depth


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
        try:
            ratio = Fraction(budget)
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"a budget is a bandwidth ratio such as 1/12, not {budget!r}") from None
        depth = ratio / Fraction(codec.k_over_n).limit_denominator(1000) * codec.groups
        if depth.denominator != 1 or not 0 < depth <= codec.groups:
            offered = ", ".join(str(Fraction(codec.k_over_n * d / codec.groups).limit_denominator(1000))
                                for d in range(1, codec.groups + 1))
            raise ValueError(f"budget {budget} is not one this codec sends; it offers {offered}")
        return cls(int(depth))


def build_allocator(spec: str, codec):
    """The allocator a user names: '' sends everything (None), a k/n such as '1/12' a fixed budget."""
    if not spec:
        return None
    if not getattr(codec, "allocates", False):
        raise ValueError(f"a rate allocation ({spec!r}) needs a rate-adaptive codec; this one has one rate")
    return FixedBudget.from_ratio(spec, codec)
