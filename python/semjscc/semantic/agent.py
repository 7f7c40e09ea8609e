"""RL-ASC's allocation agent: a policy that decides, concept by concept, how deep each one is sent.

Episode: one image at a design SNR.  The agent visits the concepts (``semantic.concepts``) in
raster order; at each it sees the concept's state and picks an action, the depth 0..groups
(0 drops the concept).  State of a concept: the energy of each latent channel over the block
(what the encoder put there), its share of the task network's importance, the SNR, the share of
the maximum budget spent so far, and how far through the image the agent is.  In ``image`` mode
the first decision holds for every concept (a per-image budget, 1..groups: a contextual bandit).

Every state also carries what the transmitter can foresee of the whole image by analysis by
synthesis (``image_context``): how sure the classifier is of its own answer on the source image,
and how much of that answer survives decoding at each per-image budget at the design SNR (one
simulated noise draw).  Without it the states of different images looked alike (energies are
normalised per image) and the agents settled on one depth for everything.

The utility whose increase rewards each action is ``U = log p(label) + perceptual * SSIM
- mu * k/n / (k/n)_max`` of the image decoded from what has been sent so far (``train.policy``).
"""

import math
from typing import NamedTuple

import torch
from torch import nn

from semjscc.channel.awgn import complex_gaussian, complex_noise_std
from semjscc.codec.rate import uniform_depth
from semjscc.semantic.concepts import concept_importance

MODES = ("image", "concept")
EXTRA_FEATURES = 4  # importance share, SNR, budget spent, progress
SURE_FEATURES = 2  # the classifier's confidence in its answer on the source image, and its entropy
LOG_P_FLOOR = -10.0  # log-probabilities below this all mean "lost"


class AllocationPolicy(nn.Module):
    """A small MLP from a concept's state to a distribution over depths."""

    def __init__(self, channels: int, groups: int, mode: str = "concept", hidden: int = 64):
        super().__init__()
        if mode not in MODES:
            raise ValueError(f"policy mode must be one of {MODES}, not {mode!r}")
        self.channels, self.groups, self.mode, self.hidden = channels, groups, mode, hidden
        inputs = channels + EXTRA_FEATURES + SURE_FEATURES + groups
        self.net = nn.Sequential(nn.Linear(inputs, hidden), nn.ReLU(),
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


class ConceptStates(NamedTuple):
    energy: torch.Tensor  # (batch, n, channels): log energy of each latent channel over each concept
    importance: torch.Tensor  # (batch, n): each concept's share of the task network's importance
    context: torch.Tensor  # (batch, SURE_FEATURES + groups): ``image_context``
    grid: tuple  # (rows, columns) of concepts
    latent: torch.Tensor  # the encoder's output at the design SNR (the trainer sends from it)


def concept_states(codec, task, images: torch.Tensor, snr_db) -> ConceptStates:
    """What the agent sees of each concept of each image of a batch."""
    grid = codec.concepts(*images.shape[-2:])
    snr = torch.as_tensor(snr_db, dtype=images.dtype, device=images.device).expand(images.shape[0])
    with torch.no_grad():
        latent = codec.encoder_net(images, snr)
        energy = nn.functional.avg_pool2d(latent.pow(2), codec.region)  # (batch, channels, rows, columns)
        energy = torch.log1p(energy / energy.mean(dim=(1, 2, 3), keepdim=True).clamp_min(1e-12))
        context = image_context(codec, task, images, latent, snr)
    importance = concept_importance(task, images, grid)
    return ConceptStates(energy.flatten(2).transpose(1, 2), importance.flatten(1), context, grid, latent)


def image_context(codec, task, images: torch.Tensor, latent: torch.Tensor, snr: torch.Tensor) -> torch.Tensor:
    """(batch, 2 + groups): the classifier's log-probability of its own answer on the source image and its
    normalised entropy, then that answer's log-probability after decoding each per-image budget at ``snr``
    (one simulated noise draw): the transmitter has the codec and the classifier, not the label."""
    log_p = task(images).log_softmax(dim=1)
    answer = log_p.argmax(dim=1, keepdim=True)
    entropy = -(log_p.exp() * log_p).sum(dim=1) / math.log(log_p.shape[1])
    features = [log_p.gather(1, answer)[:, 0], entropy]
    std = complex_noise_std(snr).to(images.device).view(-1, 1)
    for depth in range(1, codec.groups + 1):
        allocation = uniform_depth(len(images), *images.shape[-2:], codec.region, depth, images.device)
        sent = codec.symbols_from_latent(latent, allocation)
        decoded = codec.decode(sent + complex_gaussian(sent.shape, std, sent), images.shape[-2:], snr,
                               depth=allocation).clamp(0, 1)
        features.append(task(decoded).log_softmax(dim=1).gather(1, answer)[:, 0])
    context = torch.stack(features, dim=1)
    return torch.cat([context[:, :1].clamp_min(LOG_P_FLOOR) / -LOG_P_FLOOR, context[:, 1:2],
                      context[:, 2:].clamp_min(LOG_P_FLOOR) / -LOG_P_FLOOR], dim=1)


def step_state(states: ConceptStates, snr_db, spent, step: int, count: int, groups: int) -> torch.Tensor:
    """The policy's input at concept ``step`` of ``count``: ``spent`` groups so far per image."""
    energy, importance = states.energy, states.importance
    batch = energy.shape[0]
    snr = torch.as_tensor(snr_db, dtype=energy.dtype, device=energy.device).expand(batch) / 20.0
    extra = torch.stack([importance[:, step] * count, snr, spent / (groups * count),
                         torch.full((batch,), step / count, device=energy.device)], dim=1)
    return torch.cat([energy[:, step], extra, states.context], dim=1)


class PolicyAllocator:
    """The trained agent as the transmitter's allocator: the most likely depth at each concept."""

    def __init__(self, policy: AllocationPolicy, task):
        self.policy = policy.eval()
        self.task = task

    def __call__(self, images: torch.Tensor, snr_db, codec) -> torch.Tensor:
        if (codec.latent_channels, codec.groups) != (self.policy.channels, self.policy.groups):
            raise ValueError(f"the policy was trained for {self.policy.channels} channels in {self.policy.groups} "
                             f"groups, this codec has {codec.latent_channels} in {codec.groups}")
        states = concept_states(codec, self.task, images, snr_db)
        depth, _, _ = run_policy(self.policy, states, snr_db, codec.groups, sample=False)
        return depth.view(images.shape[0], *states.grid)


def per_image(states: ConceptStates) -> ConceptStates:
    """The state of one decision for the whole image: mean energies, how peaked the importance is."""
    count = states.importance.shape[1]
    return states._replace(energy=states.energy.mean(dim=1, keepdim=True),
                           importance=states.importance.max(dim=1, keepdim=True).values * count)


def run_policy(policy: AllocationPolicy, states: ConceptStates, snr_db, groups: int, sample: bool = True,
               on_step=None) -> tuple:
    """Walk every concept: (depths (batch, n), log-probabilities of the actions (batch, steps), entropies).

    ``on_step(step, depth so far)`` is called after each decision (the trainer scores the image there).
    """
    batch, count = states.importance.shape
    depth = torch.zeros(batch, count, dtype=torch.long, device=states.importance.device)
    log_probs, entropies = [], []
    if policy.mode == "image":
        states = per_image(states)
    steps = states.energy.shape[1]
    for step in range(steps):
        state = step_state(states, snr_db, depth.sum(dim=1).float(), step, steps, groups)
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
