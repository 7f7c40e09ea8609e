"""RL-ASC's allocation agent: a policy that decides, concept by concept, how deep each one is sent.

Episode: one image at a design SNR.  The agent visits the concepts (``semantic.concepts``) in
raster order; at each it sees the concept's state and picks an action, the depth 0..groups
(0 drops the concept).  State of a concept: the energy of each latent channel over the block
(what the encoder put there), its share of the task network's importance, the SNR, the share of
the maximum budget spent so far, and how far through the image the agent is.  In ``image`` mode
the first decision holds for every concept (a per-image budget, 1..groups: a contextual bandit).

The utility whose increase rewards each action is ``U = log p(label) + perceptual * SSIM
- mu * k/n / (k/n)_max`` of the image decoded from what has been sent so far (``train.policy``).
"""

import torch
from torch import nn

from semjscc.semantic.concepts import concept_importance

MODES = ("image", "concept")
EXTRA_FEATURES = 4  # importance share, SNR, budget spent, progress


class AllocationPolicy(nn.Module):
    """A small MLP from a concept's state to a distribution over depths."""

    def __init__(self, channels: int, groups: int, mode: str = "concept", hidden: int = 64):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"policy mode must be one of {MODES}, not {mode!r}")
        self.channels, self.groups, self.mode, self.hidden = channels, groups, mode, hidden
        self.net = nn.Sequential(nn.Linear(channels + EXTRA_FEATURES, hidden), nn.ReLU(),
                                 nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, groups + 1))

    def logits(self, state: torch.Tensor) -> torch.Tensor:
        logits = self.net(state)
        if self.mode == "image":  # a whole image is never dropped
            logits = logits.clone()
            logits[..., 0] = float("-inf")
        return logits

    def config(self) -> dict:
        return {"arch": "rl-asc", "channels": self.channels, "groups": self.groups, "mode": self.mode,
                "hidden": self.hidden}


def concept_states(codec, task, images: torch.Tensor, snr_db) -> tuple:
    """(per-concept channel energies (batch, n, channels), importance (batch, n), grid) of a batch."""
    grid = codec.concepts(*images.shape[-2:])
    snr = torch.as_tensor(snr_db, dtype=images.dtype, device=images.device).expand(images.shape[0])
    with torch.no_grad():
        latent = codec.encoder_net(images, snr)
        energy = nn.functional.avg_pool2d(latent.pow(2), codec.region)  # (batch, channels, rows, columns)
        energy = torch.log1p(energy / energy.mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12))
    importance = concept_importance(task, images, grid)
    return energy.flatten(2).transpose(1, 2), importance.flatten(1), grid


def step_state(energy, importance, snr_db, spent, step: int, count: int, groups: int) -> torch.Tensor:
    """The policy's input at concept ``step`` of ``count``: ``spent`` groups so far per image."""
    batch = energy.shape[0]
    snr = torch.as_tensor(snr_db, dtype=energy.dtype, device=energy.device).expand(batch) / 20.0
    extra = torch.stack([importance[:, step] * count, snr, spent / (groups * count),
                         torch.full((batch,), step / count, device=energy.device)], dim=1)
    return torch.cat([energy[:, step], extra], dim=1)


class PolicyAllocator:
    """The trained agent as the transmitter's allocator: the most likely depth at each concept."""

    def __init__(self, policy: AllocationPolicy, task):
        self.policy = policy.eval()
        self.task = task

    def __call__(self, images: torch.Tensor, snr_db, codec) -> torch.Tensor:
        if (codec.latent_channels, codec.groups) != (self.policy.channels, self.policy.groups):
            raise ValueError(f"the policy was trained for {self.policy.channels} channels in {self.policy.groups} "
                             f"groups, this codec has {codec.latent_channels} in {codec.groups}")
        energy, importance, grid = concept_states(codec, self.task, images, snr_db)
        depth, _, _ = run_policy(self.policy, energy, importance, snr_db, codec.groups, sample=False)
        return depth.view(images.shape[0], *grid)


def run_policy(policy: AllocationPolicy, energy, importance, snr_db, groups: int, sample: bool = True,
               on_step=None) -> tuple:
    """Walk every concept: (depths (batch, n), log-probabilities of the actions (batch, steps), entropies).

    ``on_step(step, depth so far)`` is called after each decision (the trainer scores the image there).
    """
    batch, count = importance.shape
    depth = torch.zeros(batch, count, dtype=torch.long, device=importance.device)
    log_probs, entropies = [], []
    if policy.mode == "image":  # one decision from the whole image: mean energies, how peaked the importance is
        energy, importance = energy.mean(dim=1, keepdim=True), importance.max(dim=1, keepdim=True).values * count
    steps = energy.shape[1]
    for step in range(steps):
        state = step_state(energy, importance, snr_db, depth.sum(dim=1).float(), step, steps, groups)
        with torch.set_grad_enabled(sample and torch.is_grad_enabled()):
            distribution = torch.distributions.Categorical(logits=policy.logits(state))
            action = distribution.sample() if sample else distribution.probs.argmax(dim=1)
            log_probs.append(distribution.log_prob(action))
            entropies.append(distribution.entropy())
        if policy.mode == "image":
            depth[:] = action[:, None]
        else:
            depth[:, step] = action
        if on_step is not None:
            on_step(step, depth)
    return depth, torch.stack(log_probs, dim=1), torch.stack(entropies, dim=1)


def load_policy(path, device="cpu") -> tuple:
    """(policy, checkpoint meta) of a trained agent; a file of anything else names the problem."""
    from semjscc.store.checkpoint import CheckpointError, check_bounds, read_checkpoint

    payload = read_checkpoint(path)
    config = dict(payload["model"])
    if config.pop("arch", None) != "rl-asc":
        raise CheckpointError(f"{path} is not an allocation policy (it holds {payload['model'].get('arch')!r})")
    check_bounds(config, {"channels": (1, 1024), "groups": (1, 15), "hidden": (1, 4096)})
    try:
        policy = AllocationPolicy(**config)
        policy.load_state_dict(payload["state_dict"])
    except (TypeError, ValueError, RuntimeError) as err:
        raise CheckpointError(f"{path}: not a policy this version can load: {err}") from None
    return policy.to(device).eval(), payload.get("meta", {})
