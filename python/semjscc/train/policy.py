"""Training RL-ASC's allocation agent (``semantic.agent``) on a frozen rate-adaptive codec.

REINFORCE, written small and batched: each step decides one concept for a whole batch of images,
and a step's reward is the increase in utility of the image decoded from what has been sent so far
(one decoder pass per step for the batch).  A library agent (stable-baselines3 over a gymnasium
environment) would step images one at a time through the decoder, which is what costs here.  The
return from a step is the utility gained from there to the end; a per-step batch mean is the
baseline.  The per-image policy is a contextual bandit whose every arm can be scored (one decoder
pass per budget, under the same noise), so it learns with full information instead: cross-entropy
towards each training image's best budget at the current price.  Policy gradients, sampled or exact
(sum over budgets of probability x advantage), settled on one budget for every image and stayed there
(measured: the best budget differs between images, and the foreseen answer predicts it).  ``mu``, the
price of a channel use, follows dual ascent so the mean k/n settles at ``target_k_over_n``.  The
noise of an episode is drawn once, so rewards differ by actions alone.
"""

from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from semjscc.channel.awgn import complex_gaussian, complex_noise_std
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.data.metrics import psnr_per_image, quantize, ssim_per_image
from semjscc.semantic.agent import (AllocationPolicy, PolicyAllocator, concept_states, per_image, run_policy,
                                   step_state)
from semjscc.semantic.task_models import load_task_model
from semjscc.store.checkpoint import load_training_state, save_network, save_training_state, weights_id
from semjscc.store.paths import resolve_model
from semjscc.train.trainer import log_epoch, run_files, seed_run, timed_epoch


@dataclass
class PolicyConfig:
    codec: str = "rate_adaptive_awgn_kn1-6"
    task_model: str = "task_resnet"
    mode: str = "concept"
    target_k_over_n: float = 1 / 12
    mu: float = 1.0  # starting price of the full budget, in utility units
    mu_lr: float = 0.3  # dual ascent step per unit of k/n share off target (larger oscillates)
    perceptual: float = 2.0  # weight of SSIM in the utility
    snr_min: float = 0.0
    snr_max: float = 20.0
    epochs: int = 5
    images_per_epoch: int = 4096
    batch_size: int = 64
    lr: float = 1e-3
    entropy: float = 0.01
    hidden: int = 64
    seed: int = 0
    data: str = "cifar10:train"
    val_data: str = "cifar10:test:256"
    val_snr: tuple = (0.0, 5.0, 10.0)
    threads: int = 0


class PolicyTrainer:
    def __init__(self, config: PolicyConfig, out, data_root=None, device="cpu"):
        self.config, self.device = config, torch.device(device)
        self.out, self.state_path, self.log_path = run_files(out)
        seed_run(config.seed, config.threads)
        self.codec, payload = load_model(resolve_model(config.codec), device=self.device)
        if not getattr(self.codec, "allocates", False):
            raise ValueError(f"{config.codec} is not a rate-adaptive codec: there is nothing to allocate")
        self.codec_uid = weights_id(payload)
        self.task = load_task_model(resolve_model(config.task_model), self.device)
        for network in (self.codec, self.task):
            network.requires_grad_(False)
        train = load_dataset(config.data, data_root)
        self.images = torch.from_numpy(np.ascontiguousarray(train.images)).permute(0, 3, 1, 2).contiguous()
        self.labels = torch.as_tensor(train.labels)
        self.val = load_dataset(config.val_data, data_root)
        self.policy = AllocationPolicy(self.codec.latent_channels, self.codec.groups, config.mode,
                                       config.hidden).to(self.device)
        self.optimizer = torch.optim.Adam(self.policy.parameters(), lr=config.lr)
        self.mu = config.mu
        self.epoch, self.wall_s, self.history = 0, 0.0, []

    def resume(self) -> bool:
        if not self.state_path.is_file():
            return False
        self.epoch, self.wall_s, self.history = load_training_state(self.state_path, self.policy, self.optimizer)
        self.mu = self.history[-1]["mu"] if self.history else self.config.mu
        return True

    def utility(self, latent, depth, noise, snr, images, labels) -> torch.Tensor:
        """U of each image decoded from ``depth`` (batch, n) of its concepts."""
        grid = self.codec.concepts(*images.shape[-2:])
        depth = depth.view(-1, *grid)
        received = self.codec.symbols_from_latent(latent, depth) + noise
        decoded = self.codec.decode(received, images.shape[-2:], snr, depth=depth).clamp(0, 1)
        log_p = -F.cross_entropy(self.task(decoded), labels, reduction="none")
        share = self.codec.symbols_sent(depth).float() / self.codec.symbols_sent(
            torch.full_like(depth, self.codec.groups)).float()
        return log_p + self.config.perceptual * ssim_per_image(images, decoded) - self.mu * share, share

    def train_batch(self, images, labels) -> dict:
        config = self.config
        snr = config.snr_min + (config.snr_max - config.snr_min) * torch.rand(len(images), device=self.device)
        states = concept_states(self.codec, self.task, images, snr)
        latent = states.latent
        with torch.no_grad():
            full = self.codec.symbols_from_latent(latent, self.codec.full_depth(len(images), *images.shape[-2:],
                                                                                  self.device))
            noise = complex_gaussian(full.shape, complex_noise_std(snr).to(self.device).view(-1, 1), full)
            utilities = [self.utility(latent, torch.zeros_like(states.importance, dtype=torch.long), noise, snr,
                                      images, labels)[0]]
        shares = []

        def score(step, depth):
            with torch.no_grad():
                value, share = self.utility(latent, depth, noise, snr, images, labels)
            utilities.append(value)
            shares.append(share)

        if self.policy.mode == "image":
            loss, reward, share = self.imitate_best_budget(states, latent, noise, snr, images, labels,
                                                           utilities[0])
        else:
            _, log_probs, entropies = run_policy(self.policy, states, snr, self.codec.groups, on_step=score)
            values = torch.stack(utilities, dim=1)  # (batch, steps + 1)
            rewards = values[:, 1:] - values[:, :-1]
            returns = rewards.flip(1).cumsum(1).flip(1)
            advantage = returns - returns.mean(dim=0, keepdim=True)
            loss = -(log_probs * advantage).mean() - config.entropy * entropies.mean()
            reward, share = rewards.sum(dim=1).mean().item(), shares[-1].mean().item()
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        target_share = config.target_k_over_n / self.codec.k_over_n
        self.mu = max(0.0, self.mu + config.mu_lr * (share - target_share))
        return {"reward": reward, "k_over_n": share * self.codec.k_over_n}

    def imitate_best_budget(self, states, latent, noise, snr, images, labels, nothing_sent) -> tuple:
        """(loss, expected reward, expected share of the full budget) of the per-image policy: every budget is
        scored under the same noise, and the loss is the cross-entropy towards the best one of each image."""
        scored = []
        with torch.no_grad():
            for depth in range(1, self.codec.groups + 1):
                allocation = torch.full_like(states.importance, depth, dtype=torch.long)
                scored.append(self.utility(latent, allocation, noise, snr, images, labels))
        values = torch.stack([value for value, _ in scored], dim=1)  # (batch, groups): depth 1 first
        shares = torch.stack([share for _, share in scored], dim=1)
        nothing_spent = torch.zeros(len(images), device=self.device)
        logits = self.policy.logits(step_state(per_image(states), snr, nothing_spent, 0, 1, self.codec.groups))
        loss = F.cross_entropy(logits, values.argmax(dim=1) + 1)
        probs = logits.detach().softmax(dim=1)[:, 1:]
        reward = (probs * (values - nothing_sent[:, None])).sum(dim=1).mean().item()
        return loss, reward, (probs * shares).sum(dim=1).mean().item()

    def train_epoch(self) -> dict:
        self.policy.train()
        order = torch.randperm(len(self.images))[:self.config.images_per_epoch]
        size = self.config.batch_size
        totals = {"reward": 0.0, "k_over_n": 0.0}
        batches = range(0, len(order) - size + 1, size)
        bar = tqdm(batches, desc=f"epoch {self.epoch + 1}/{self.config.epochs}", leave=False, mininterval=5)
        for start in bar:
            index = order[start:start + size]
            images = self.images[index].to(self.device).float().div_(255.0)
            row = self.train_batch(images, self.labels[index].to(self.device))
            for key in totals:
                totals[key] += row[key] / len(batches)
            bar.set_postfix(reward=f"{row['reward']:.3f}", kn=f"{row['k_over_n']:.4f}", mu=f"{self.mu:.2f}",
                            refresh=False)
        return totals

    @torch.no_grad()
    def validate(self) -> dict:
        """Mean k/n, the receiver classifier's accuracy and PSNR of the greedy policy per SNR (fixed noise)."""
        allocator = PolicyAllocator(self.policy, self.task)
        images = torch.from_numpy(np.ascontiguousarray(self.val.images)).permute(0, 3, 1, 2).float().div(255)
        images = images.to(self.device)
        labels = torch.as_tensor(self.val.labels).to(self.device)
        generator_state = torch.get_rng_state()
        torch.manual_seed(1234)
        scores = {}
        for snr in self.config.val_snr:
            depth = allocator(images, snr, self.codec)
            symbols = self.codec.encode(images, snr, depth)
            received = symbols + complex_gaussian(symbols.shape, complex_noise_std(snr), symbols)
            decoded = self.codec.decode(received, images.shape[-2:], snr, depth=depth)
            share = self.codec.symbols_sent(depth).float().mean().item() / self.codec.symbols_sent(
                torch.full_like(depth[:1], self.codec.groups)).item()
            scores[f"k_over_n_{snr:g}dB"] = round(share * self.codec.k_over_n, 5)
            scores[f"accuracy_{snr:g}dB"] = round((self.task(quantize(decoded)).argmax(1) == labels).float()
                                                  .mean().item(), 4)
            scores[f"psnr_{snr:g}dB"] = round(psnr_per_image(images, quantize(decoded)).mean().item(), 3)
        torch.set_rng_state(generator_state)
        return scores

    def meta(self) -> dict:
        return {"family": "rl-asc-policy", "codec": self.config.codec, "codec_uid": self.codec_uid,
                "training": {**asdict(self.config), "epochs_done": self.epoch, "wall_time_s": round(self.wall_s, 1),
                             "mu_final": self.mu, "torch": torch.__version__},
                "history": self.history}

    def run(self) -> dict:
        while self.epoch < self.config.epochs:
            row = timed_epoch(self)
            row = {"epoch": self.epoch, **{k: round(v, 5) for k, v in row.items()}, "mu": round(self.mu, 4),
                   "wall_s": round(self.wall_s, 1), **self.validate()}
            self.history.append(row)
            save_network(self.out, self.policy.config(), self.policy.state_dict(), self.meta())
            save_training_state(self.state_path, self.policy, self.optimizer, self.epoch, self.wall_s, self.history)
            log_epoch(self.log_path, row)
        return self.meta()
