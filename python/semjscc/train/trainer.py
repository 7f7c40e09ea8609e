"""Training of the JSCC codecs: seeded, resumable, checkpointed every epoch.

Two files per run: ``<out>`` (the model: state dict + config + meta, what is
shipped) and ``<out>.state.pt`` (optimizer, scheduler, RNG and epoch, what
resuming needs).  A JSON-lines log ``<out>.log.jsonl`` gets one row per epoch.
With ``ema`` the shipped weights are an exponential moving average of the
trained ones (validated beside them), which smooths the last steps' noise.
"""

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import torch
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from torch.utils.data import DataLoader, DistributedSampler
from tqdm import tqdm

from semjscc.channel import build_channel
from semjscc.codec.bandwidth import check_image_size
from semjscc.codec.checkpoint import load_model, save_checkpoint
from semjscc.codec.grow import grow_model, rate_adaptive_from, with_bandwidth
from semjscc.codec.models import RateAdaptiveJSCC, build_model
from semjscc.codec.rate import budget_label, concept_grid, uniform_depth
from semjscc.codec.precision import check_precision, mixed_precision
from semjscc.data import load_dataset
from semjscc.data.metrics import psnr_per_image, quantize
from semjscc.data.patches import RandomCrops, center_crops, stack_crops
from semjscc.data.specs import photo_files
from semjscc.semantic.losses import build_loss
from semjscc.semantic.task_models import load_task_model
from semjscc.store.checkpoint import CheckpointError, load_training_state, read_checkpoint, save_training_state
from semjscc.train.distributed import check_replicas_agree, join, leave, rank_batch, summed


@dataclass
class TrainConfig:
    arch: str = "adaptive"
    family: str = ""
    k_over_n: float = 1 / 6
    width: int = 64
    blocks: int = 1
    csi: bool = False  # the decoder reads the per-symbol channel gains (OFDM)
    groups: int = 4  # rate-adaptive: nested latent groups (budgets k/n * 1..groups / groups)
    region: int = 2  # rate-adaptive: a concept's side in latent pixels
    concept_fraction: float = 0.25  # rate-adaptive: share of images trained with a random depth per concept
    budget_weights: list = field(default_factory=list)  # rate-adaptive: relative share of images per budget (equal)
    budget_loss: str = "sampled"  # rate-adaptive: one budget drawn per image (MSE), or every budget per image (dB)
    channel: str = "awgn"
    pilots: int = 16
    snr_min: float = 0.0
    snr_max: float = 20.0
    epochs: int = 10
    batch_size: int = 64
    lr: float = 1e-3
    lr_min: float = 1e-5
    seed: int = 0
    data: str = "cifar10:train"
    val_data: str = "cifar10:test:256"
    val_snr: list = field(default_factory=lambda: [0.0, 10.0, 20.0])
    init: Optional[str] = None
    grow: bool = False
    threads: int = 0
    max_images: int = 0
    crop: int = 0  # photographs: train on random crop x crop patches read from disk (0: whole images, CIFAR-10)
    crops_per_image: int = 8  # crops taken from each photograph at each visit
    visits_per_epoch: int = 1  # visits to each photograph per epoch (new crops each time: fewer, longer epochs)
    workers: int = 0  # DataLoader processes decoding photographs beside the training step
    loss: str = "mse"
    task_model: Optional[str] = None
    semantic_weight: float = 0.0
    semantic_layer: str = "layer2"
    importance_reduce: str = "element"
    importance_norm: str = "mean"
    divergence: str = "ce"
    precision: str = "fp32"
    ema: float = 0.0

    def model_config(self) -> dict:
        config = {"arch": self.arch, "k_over_n": self.k_over_n}
        if self.arch != "baseline":
            config.update(width=self.width, blocks=self.blocks)
            if self.csi:
                config["csi"] = True
        if self.arch == "rate-adaptive":
            config.update(groups=self.groups, region=self.region)
        return config

    @classmethod
    def from_json(cls, path) -> "TrainConfig":
        values = json.loads(Path(path).read_text())
        unknown = set(values) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"{path}: unknown training options {sorted(unknown)}")
        return cls(**values)


def run_files(out) -> tuple:
    """(checkpoint, training state, JSON-lines log) of a run writing ``out``."""
    out = Path(out)
    return out, out.with_suffix(".state.pt"), out.with_suffix(".log.jsonl")


def seed_run(seed: int, threads: int) -> None:
    """The run's CPU threads (0: torch's default) and its seed."""
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)


def timed_epoch(trainer):
    """``trainer.train_epoch()``, counted in the trainer's ``epoch`` and ``wall_s``; returns what it returned."""
    started = time.time()
    result = trainer.train_epoch()
    trainer.epoch += 1
    trainer.wall_s += time.time() - started
    return result


def log_epoch(log_path: Path, row: dict) -> None:
    """One epoch's row, appended to the run's JSON-lines log and printed."""
    with open(log_path, "a") as log:
        log.write(json.dumps(row) + "\n")
    print(json.dumps(row), flush=True)


BUDGET_LOSSES = ("sampled", "every-budget")


def to_tensor(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, H, W, 3) -> float (N, 3, H, W) in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float().div_(255.0)


def initial_model(config: TrainConfig):
    """Fresh weights, the weights of ``config.init``, or (``grow``) those weights grown to the configured size
    (then made rate-adaptive when that is the architecture trained: a wider or deeper codec for four budgets)."""
    model = build_model(config.model_config())
    if not config.init:
        return model
    if config.grow:
        old, _ = load_model(config.init)
        grown = grow_model(old, config.width, config.blocks, seed=config.seed, csi=config.csi)
        return rate_adaptive_from(grown, config.groups, config.region) if config.arch == "rate-adaptive" else grown
    payload = read_checkpoint(config.init)
    if config.arch == "rate-adaptive" and payload["model"].get("arch") == "adaptive":
        old, _ = load_model(config.init)
        return rate_adaptive_from(old, config.groups, config.region)
    if payload["model"] != model.config() == {**payload["model"], "k_over_n": config.k_over_n}:
        old, _ = load_model(config.init)
        return with_bandwidth(old, config.k_over_n, seed=config.seed)
    if payload["model"] != model.config():
        hint = "; pass --grow to widen, deepen or add CSI to it" if payload["model"].get("arch") == config.arch == "adaptive" else ""
        raise CheckpointError(f"--init {config.init} holds {payload['model']}, this run trains {model.config()}{hint}")
    model.load_state_dict(payload["state_dict"])
    return model


class Trainer:
    def __init__(self, config: TrainConfig, out: Path, data_root=None, device="cpu"):
        self.config = config
        self.out = Path(out)
        self.state_path = self.out.with_suffix(".state.pt")
        self.log_path = self.out.with_suffix(".log.jsonl")
        self.ranks, self.device = join(device)
        self.batch_size = rank_batch(config.batch_size, self.ranks)
        check_precision(config.precision, self.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed + self.ranks.rank)  # each rank its own noise; DDP copies rank 0's weights
        self.crops = self.train_images = self.train_labels = None
        if config.crop:
            self._photographs(config, data_root)
        else:
            train = load_dataset(config.data, data_root)
            if config.max_images:
                train = train.subset(config.max_images)
            self.train_images = torch.from_numpy(np.ascontiguousarray(train.images)).permute(0, 3, 1, 2).contiguous()
            self.train_labels = None if train.labels is None else torch.from_numpy(np.asarray(train.labels))
            self.train_name = train.name
        val = load_dataset(config.val_data, data_root)
        val_images = center_crops(val.images, config.crop) if config.crop else val.images
        # channels-last is oneDNN's preferred layout for CPU convolutions (faster at large batches); same values
        self.val_images = to_tensor(val_images).to(self.device).contiguous(memory_format=torch.channels_last)
        self.model = initial_model(config)
        self.model.to(self.device, memory_format=torch.channels_last)
        self.network = DistributedDataParallel(self.model) if self.ranks.distributed else self.model
        options = {"pilots": config.pilots} if config.channel == "fading" else {}
        self.channel = build_channel(config.channel, **options).to(self.device)  # its constant buffers too
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.average = None
        if config.ema:
            if not 0.0 < config.ema < 1.0:
                raise ValueError(f"--ema is a decay between 0 and 1, not {config.ema}")
            self.average = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True)
        self.loss_fn = self._build_loss()
        if config.budget_loss not in BUDGET_LOSSES:
            raise ValueError(f"--budget-loss is one of {', '.join(BUDGET_LOSSES)}, not {config.budget_loss!r}")
        if config.budget_loss == "every-budget" and (not self.rate_adaptive or config.loss != "mse"):
            raise ValueError("--budget-loss every-budget trains a rate-adaptive codec with the mse loss")
        self.epoch = 0
        self.wall_s = 0.0
        self.history = []

    def _photographs(self, config: TrainConfig, data_root) -> None:
        """Random crops of the photographs ``config.data`` names, read from disk each epoch."""
        check_image_size(config.crop, config.crop)
        if config.loss != "mse":
            raise ValueError(f"the {config.loss!r} loss needs labelled images; --crop trains on photographs")
        files = photo_files(config.data, data_root)
        if config.max_images:
            files = files[:config.max_images]
        if config.visits_per_epoch < 1:
            raise ValueError(f"--visits-per-epoch is at least 1, not {config.visits_per_epoch}")
        self.crops = RandomCrops(files * config.visits_per_epoch, config.crop, config.crops_per_image, config.seed)
        self.train_name = config.data

    def _build_loss(self):
        config = self.config
        if config.loss == "mse":
            return build_loss("mse")
        if not config.task_model:
            raise ValueError(f"the {config.loss!r} loss needs --task-model")
        task = load_task_model(config.task_model, self.device)
        if config.loss == "semantic-importance":
            return build_loss(config.loss, task, weight=config.semantic_weight, layer=config.semantic_layer,
                              reduce=config.importance_reduce, norm=config.importance_norm)
        return build_loss(config.loss, task, weight=config.semantic_weight, divergence=config.divergence)

    def resume(self) -> bool:
        """Continue from ``<out>.state.pt`` if it exists; True when it did."""
        if not self.state_path.is_file():
            return False
        self.epoch, self.wall_s, self.history = load_training_state(self.state_path, self.model, self.optimizer,
                                                                    self.average)
        return True

    def shipped_model(self):
        """The weights the checkpoint holds: the moving average when there is one."""
        return self.model if self.average is None else self.average.module

    def learning_rate(self) -> float:
        """Cosine decay from lr to lr_min over the planned epochs.

        Computed from the epoch number, so a resumed run may extend ``epochs``.
        """
        progress = min(self.epoch / max(self.config.epochs, 1), 1.0)
        low, high = self.config.lr_min, self.config.lr
        return low + 0.5 * (high - low) * (1 + math.cos(math.pi * progress))

    def sample_snr(self, batch: int) -> torch.Tensor:
        low, high = self.config.snr_min, self.config.snr_max
        return low + (high - low) * torch.rand(batch, device=self.device)

    @property
    def rate_adaptive(self) -> bool:
        return isinstance(self.model, RateAdaptiveJSCC)

    def budget_shares(self) -> torch.Tensor:
        """How often each budget is drawn: equal, or ``budget_weights`` (a budget that lags its fixed-rate
        counterpart gets more of the gradient, as in DeepJSCC-l++'s weighting across bandwidths)."""
        weights = self.config.budget_weights or [1.0] * self.config.groups
        if len(weights) != self.config.groups or min(weights) < 0 or sum(weights) <= 0:
            raise ValueError(f"--budget-weights needs {self.config.groups} non-negative weights, not {weights}")
        return torch.tensor(weights, dtype=torch.float) / sum(weights)

    def sample_depth(self, batch: torch.Tensor) -> torch.Tensor:
        """A budget per image (1..groups groups everywhere), or for ``concept_fraction`` of the images a
        random depth per concept (0..groups), so the decoder learns per-concept allocations too."""
        groups = self.config.groups
        size = batch.shape[0]
        rows, columns = concept_grid(batch.shape[-2], batch.shape[-1], self.config.region)
        budget = 1 + torch.multinomial(self.budget_shares(), size, replacement=True).view(size, 1, 1)
        budget = budget.to(self.device).expand(size, rows, columns)
        per_concept = torch.randint(0, groups + 1, (size, rows, columns), device=self.device)
        chosen = torch.rand(size, 1, 1, device=self.device) < self.config.concept_fraction
        return torch.where(chosen, per_concept, budget)

    def every_allocation(self, batch: torch.Tensor) -> torch.Tensor:
        """(groups + 1, batch, rows, columns): each per-image budget, then a random depth per concept."""
        groups = self.config.groups
        rows, columns = concept_grid(batch.shape[-2], batch.shape[-1], self.config.region)
        budgets = torch.arange(1, groups + 1, device=self.device).view(groups, 1, 1, 1)
        budgets = budgets.expand(groups, batch.shape[0], rows, columns)
        per_concept = torch.randint(0, groups + 1, (1, batch.shape[0], rows, columns), device=self.device)
        return torch.cat([budgets, per_concept])

    def every_budget_loss(self, decoded: torch.Tensor, batch: torch.Tensor) -> tuple:
        """Weighted mean over allocations of the per-image MSE in dB (a PSNR objective per budget): the short
        budgets' errors, several times larger, no longer outweigh the long budgets' gradients as in summed MSE."""
        mse = (decoded - batch).pow(2).flatten(2).mean(dim=-1)  # (allocations, batch)
        fraction = self.config.concept_fraction
        weights = torch.cat([self.budget_shares() * (1 - fraction), torch.tensor([fraction])]).to(mse.device)
        loss = (weights[:, None] * 10 * torch.log10(mse + 1e-10)).mean(dim=1).sum()
        return loss, {"mse": mse.mean()}

    @property
    def train_count(self) -> int:
        """Items per epoch: images, or visits to photographs when training on crops."""
        return len(self.crops) if self.crops is not None else len(self.train_images)

    def epoch_batches(self) -> tuple:
        """(iterator of (uint8 images, labels or None), number of steps): this rank's batches of this epoch."""
        sampler = DistributedSampler(range(self.train_count), self.ranks.size, self.ranks.rank,
                                     seed=self.config.seed, drop_last=True)
        sampler.set_epoch(self.epoch)
        if self.crops is not None:
            self.crops.set_epoch(self.epoch)
            loader = DataLoader(self.crops, batch_size=max(1, self.batch_size // self.crops.per_image),
                                sampler=sampler, num_workers=self.config.workers, collate_fn=stack_crops,
                                drop_last=True)
            return ((crops, None) for crops in loader), len(loader)
        order = torch.tensor(list(sampler))
        starts = range(0, len(order) - self.batch_size + 1, self.batch_size)
        indices = (order[start:start + self.batch_size] for start in starts)
        labels = self.train_labels
        return ((self.train_images[i], None if labels is None else labels[i]) for i in indices), len(starts)

    def train_epoch(self) -> float:
        self.model.train()
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate()
        batches, steps = self.epoch_batches()
        total, count = 0.0, 0
        bar = tqdm(batches, total=steps, desc=f"epoch {self.epoch + 1}/{self.config.epochs}",
                   leave=False, mininterval=5, disable=not self.ranks.main)
        for images, labels in bar:
            batch = images.to(self.device).float().div_(255.0)
            batch = batch.contiguous(memory_format=torch.channels_last)
            labels = None if labels is None else labels.to(self.device)
            flip = torch.rand(batch.shape[0], device=self.device) < 0.5
            batch = torch.where(flip[:, None, None, None], batch.flip(-1), batch)
            every_budget = self.config.budget_loss == "every-budget"
            extra = {}
            if self.rate_adaptive:
                extra["depth"] = self.every_allocation(batch) if every_budget else self.sample_depth(batch)
            with mixed_precision(self.config.precision, self.device):
                decoded = self.network(batch, self.channel, self.sample_snr(batch.shape[0]), **extra)
                if every_budget:
                    loss, parts = self.every_budget_loss(decoded.float(), batch)
                else:
                    loss, parts = self.loss_fn(decoded.float(), batch, labels)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            self.optimizer.step()
            if self.average is not None:
                self.average.update_parameters(self.model)
            total += parts["mse"].item() * batch.shape[0]
            count += batch.shape[0]
            bar.set_postfix(mse=f"{total / count:.5f}", refresh=False)
        total, count = summed([total, count], self.ranks, self.device)
        return total / max(count, 1)

    def validate(self) -> dict:
        """PSNR of the shipped weights (and, with ``ema``, of the trained ones as ``raw_psnr_*``)."""
        scores = self._psnr(self.shipped_model(), "psnr")
        if self.average is not None:
            scores.update(self._psnr(self.model, "raw_psnr"))
        return scores

    @torch.no_grad()
    def _psnr(self, model, prefix: str) -> dict:
        model.eval()
        generator_state = torch.get_rng_state()
        torch.manual_seed(1234)
        scores = {}
        depths = range(1, self.config.groups + 1) if self.rate_adaptive else [None]
        for snr in self.config.val_snr:
            for depth in depths:
                extra, suffix = {}, ""
                if depth is not None:
                    extra = {"depth": uniform_depth(len(self.val_images), *self.val_images.shape[-2:],
                                                    self.config.region, depth, self.device)}
                    suffix = "@" + budget_label(model.k_over_n, depth, self.config.groups)
                decoded = model(self.val_images, self.channel, float(snr), **extra)
                psnr = psnr_per_image(self.val_images, quantize(decoded)).mean().item()
                scores[f"{prefix}_{snr:g}dB{suffix}"] = round(psnr, 3)
        torch.set_rng_state(generator_state)
        return scores

    def meta(self) -> dict:
        return {
            "family": self.config.family or (self.config.loss if self.config.loss != "mse" else self.config.arch),
            "channel": self.config.channel,
            "snr_range_db": [self.config.snr_min, self.config.snr_max],
            "training": {**asdict(self.config), "train_images": self.train_count // self.config.visits_per_epoch,
                         "train_data": self.train_name, "epochs_done": self.epoch,
                         "wall_time_s": round(self.wall_s, 1), "torch": torch.__version__,
                         "threads": torch.get_num_threads(), "processes": self.ranks.size},
            "history": self.history,
        }

    def save(self) -> None:
        save_checkpoint(self.out, self.shipped_model(), self.meta())
        save_training_state(self.state_path, self.model, self.optimizer, self.epoch, self.wall_s, self.history,
                            self.average)

    def run(self) -> dict:
        try:
            while self.epoch < self.config.epochs:
                train_mse = timed_epoch(self)
                check_replicas_agree(self.model, self.ranks)
                row = {"epoch": self.epoch, "train_mse": round(train_mse, 6),
                       "lr": self.optimizer.param_groups[0]["lr"], "wall_s": round(self.wall_s, 1)}
                if self.ranks.main:
                    self._finish_epoch(row)
        except BaseException:
            leave(self.ranks, wait=False)
            raise
        leave(self.ranks)
        return self.meta()

    def _finish_epoch(self, row: dict) -> None:
        """Validate, save and log (rank 0's work: the others go on to the next epoch)."""
        row.update(self.validate())
        self.history.append(row)
        self.save()
        log_epoch(self.log_path, row)
