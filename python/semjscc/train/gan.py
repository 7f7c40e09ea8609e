"""Training of a generative (GAN) decoder for a shipped main codec, whose encoder stays frozen.

The generator is the decoder of a ``GenerativeJSCC`` grown from the codec (``codec.grow.generative_from``:
it starts as the MSE decoder).  Its loss: pixel MSE + MS-SSIM + the receiver classifier's cross-entropy
(a semantic term: the decoded image must keep its class) + an adversarial hinge term against a
spectral-norm PatchGAN + feature matching on the discriminator's stages.  ``adversarial_weight`` 0
with no feature matching trains the attention modules on the distortion terms alone (the pretraining
stage); a run with ``init`` continues from such a decoder.  Files as in ``train.trainer``: ``<out>``,
``<out>.state.pt`` (never shipped: it also holds the discriminator), ``<out>.log.jsonl``.
"""

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Optional

import torch
import torch.nn.functional as F
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
from tqdm import tqdm

from semjscc.channel import build_channel
from semjscc.codec.card import training_stages
from semjscc.codec.checkpoint import load_model, save_checkpoint
from semjscc.codec.discriminator import PatchDiscriminator
from semjscc.codec.grow import generative_from
from semjscc.codec.models import GenerativeJSCC
from semjscc.data import load_dataset
from semjscc.data.metrics import ms_ssim_per_image, psnr_per_image, quantize
from semjscc.semantic.feature_distance import classifier_features, kernel_distance
from semjscc.semantic.task_models import load_task_model
from semjscc.store.checkpoint import CheckpointError, load_training_state, save_training_state, weights_id
from semjscc.store.paths import resolve_model
from semjscc.train.trainer import log_epoch, run_files, seed_run, timed_epoch, to_tensor


@dataclass
class GanConfig:
    encoder: str = "adaptive_awgn_kn1-12"  # the shipped main codec whose encoder is kept
    init: Optional[str] = None  # a generative codec of that encoder to continue from
    task_model: str = "task_resnet"  # the receiver's classifier (semantic term)
    unseen_model: str = "task_vgg_unseen"  # validation only: the feature space of the reported KID
    grid: int = 4
    heads: int = 4
    channel: str = "awgn"
    snr_min: float = 0.0
    snr_max: float = 20.0
    epochs: int = 4
    batch_size: int = 64
    lr: float = 1e-4
    lr_min: float = 1e-5
    lr_discriminator: float = 2e-4
    adversarial_weight: float = 0.003
    feature_matching_weight: float = 0.01
    ms_ssim_weight: float = 0.01
    semantic_weight: float = 0.001
    discriminator_width: int = 64
    ema: float = 0.999
    seed: int = 0
    data: str = "cifar10:train"
    val_data: str = "cifar10:test:512"
    val_snr: list = field(default_factory=lambda: [0.0, 5.0, 10.0])
    threads: int = 0
    max_images: int = 0

    @property
    def adversarial(self) -> bool:
        return self.adversarial_weight > 0 or self.feature_matching_weight > 0


def hinge_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real_scores).mean() + F.relu(1 + fake_scores).mean()


def feature_matching_loss(fake_features: list, real_features: list) -> torch.Tensor:
    """Mean L1 distance between the discriminator's activations on decoded and on real images."""
    return sum(F.l1_loss(fake, real.detach()) for fake, real in zip(fake_features, real_features)) / len(fake_features)


def initial_generator(config: GanConfig) -> tuple:
    """(generative codec, its encoder's uid, the meta of ``init``): the encoder's codec grown into a
    generative one, or the ``init`` generative codec of the same encoder."""
    base, base_payload = load_model(resolve_model(config.encoder))
    if config.init is None:
        return generative_from(base, config.grid, config.heads), weights_id(base_payload), {}
    model, payload = load_model(resolve_model(config.init))
    meta = payload.get("meta", {})
    if not isinstance(model, GenerativeJSCC) or meta.get("encoder_uid") != weights_id(base_payload):
        raise CheckpointError(f"--init {config.init} is not a generative decoder of {config.encoder}")
    return model, meta["encoder_uid"], meta


class GanTrainer:
    def __init__(self, config: GanConfig, out: Path, data_root=None, device="cpu"):
        self.config, self.device = config, torch.device(device)
        self.out, self.state_path, self.log_path = run_files(out)
        seed_run(config.seed, config.threads)
        train = load_dataset(config.data, data_root)
        if config.max_images:
            train = train.subset(config.max_images)
        if train.labels is None and config.semantic_weight:
            raise ValueError(f"{train.name}: the semantic term needs labelled training images")
        self.train_name = train.name
        self.train_images = torch.from_numpy(train.images).permute(0, 3, 1, 2).contiguous()
        self.train_labels = None if train.labels is None else torch.as_tensor(train.labels)
        val = load_dataset(config.val_data, data_root)
        self.val_images = to_tensor(val.images).to(self.device)
        self.val_labels = None if val.labels is None else torch.as_tensor(val.labels).to(self.device)
        self.model, self.encoder_uid, self.init_meta = initial_generator(config)
        self.model.to(self.device, memory_format=torch.channels_last)
        for parameter in self.model.encoder_net.parameters():
            parameter.requires_grad_(False)
        self.task = load_task_model(resolve_model(config.task_model), self.device)
        self.unseen = load_task_model(resolve_model(config.unseen_model), self.device)
        for parameter in list(self.task.parameters()) + list(self.unseen.parameters()):
            parameter.requires_grad_(False)
        self.discriminator = PatchDiscriminator(config.discriminator_width).to(self.device)
        self.optimizer = torch.optim.Adam(self.model.decoder_net.parameters(), lr=config.lr, betas=(0.5, 0.999))
        self.disc_optimizer = torch.optim.Adam(self.discriminator.parameters(), lr=config.lr_discriminator,
                                               betas=(0.5, 0.999))
        self.average = AveragedModel(self.model, multi_avg_fn=get_ema_multi_avg_fn(config.ema), use_buffers=True) \
            if config.ema else None
        self.channel = build_channel(config.channel).to(self.device)
        self.epoch, self.wall_s, self.history = 0, 0.0, []

    def _extras(self) -> dict:
        return {"discriminator": self.discriminator, "discriminator_optimizer": self.disc_optimizer}

    def resume(self) -> bool:
        if not self.state_path.is_file():
            return False
        self.epoch, self.wall_s, self.history = load_training_state(
            self.state_path, self.model, self.optimizer, self.average, self._extras())
        return True

    def learning_rate(self, base: float) -> float:
        progress = min(self.epoch / max(self.config.epochs, 1), 1.0)
        low = min(self.config.lr_min, base)
        return low + 0.5 * (base - low) * (1 + math.cos(math.pi * progress))

    def _received(self, images: torch.Tensor, snr: torch.Tensor):
        with torch.no_grad():
            received = self.channel(self.model.encode(images, snr), snr)
        return received[0] if isinstance(received, tuple) else received

    def generator_loss(self, decoded, images, labels, real_features) -> tuple:
        config = self.config
        mse = F.mse_loss(decoded, images)
        loss, parts = mse, {"mse": mse.detach()}
        if config.ms_ssim_weight:
            ms_ssim = ms_ssim_per_image(images, decoded).mean()
            loss = loss + config.ms_ssim_weight * (1 - ms_ssim)
            parts["ms_ssim"] = ms_ssim.detach()
        if config.semantic_weight:
            semantic = F.cross_entropy(self.task(decoded), labels)
            loss = loss + config.semantic_weight * semantic
            parts["semantic"] = semantic.detach()
        if config.adversarial:
            scores, fake_features = self.discriminator(decoded)
            adversarial = -scores.mean()
            matching = feature_matching_loss(fake_features, real_features)
            loss = loss + config.adversarial_weight * adversarial + config.feature_matching_weight * matching
            parts.update(adversarial=adversarial.detach(), matching=matching.detach())
        return loss, parts

    def train_step(self, images: torch.Tensor, labels) -> dict:
        snr = self.config.snr_min + (self.config.snr_max - self.config.snr_min) * torch.rand(len(images),
                                                                                           device=self.device)
        decoded = self.model.decode(self._received(images, snr), images.shape[-2:], snr).float()
        real_features, parts = None, {}
        if self.config.adversarial:
            real_scores, real_features = self.discriminator(images)
            fake_scores, _ = self.discriminator(decoded.detach())
            disc_loss = hinge_discriminator_loss(real_scores, fake_scores)
            self.disc_optimizer.zero_grad(set_to_none=True)
            disc_loss.backward()
            self.disc_optimizer.step()
            parts["discriminator"] = disc_loss.detach()
            real_features = [feature.detach() for feature in real_features]
            for parameter in self.discriminator.parameters():
                parameter.requires_grad_(False)
        loss, generator_parts = self.generator_loss(decoded, images, labels, real_features)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        for parameter in self.discriminator.parameters():
            parameter.requires_grad_(True)
        if self.average is not None:
            self.average.update_parameters(self.model)
        return {**parts, **generator_parts}

    def train_epoch(self) -> dict:
        self.model.train()
        self.model.encoder_net.eval()
        for group in self.optimizer.param_groups:
            group["lr"] = self.learning_rate(self.config.lr)
        for group in self.disc_optimizer.param_groups:
            group["lr"] = self.learning_rate(self.config.lr_discriminator)
        generator = torch.Generator().manual_seed(self.config.seed + self.epoch)
        order = torch.randperm(len(self.train_images), generator=generator)
        size = self.config.batch_size
        sums, count = {}, 0
        bar = tqdm(range(0, len(order) - size + 1, size), desc=f"epoch {self.epoch + 1}/{self.config.epochs}",
                   leave=False, mininterval=5)
        for start in bar:
            index = order[start:start + size]
            images = self.train_images[index].to(self.device).float().div_(255.0)
            flip = torch.rand(len(images), device=self.device) < 0.5
            images = torch.where(flip[:, None, None, None], images.flip(-1), images)
            images = images.contiguous(memory_format=torch.channels_last)
            labels = None if self.train_labels is None else self.train_labels[index].to(self.device)
            for key, value in self.train_step(images, labels).items():
                sums[key] = sums.get(key, 0.0) + float(value) * len(images)
            count += len(images)
            bar.set_postfix(mse=f"{sums['mse'] / count:.5f}", refresh=False)
        return {f"train_{key}": round(value / max(count, 1), 6) for key, value in sums.items()}

    @torch.no_grad()
    def validate(self) -> dict:
        """PSNR, MS-SSIM, the receiver's accuracy and KID in the unseen classifier's feature space, per SNR."""
        model = self.average.module if self.average is not None else self.model
        model.eval()
        state = torch.get_rng_state()
        torch.manual_seed(1234)
        real = classifier_features(self.unseen, self.val_images)
        scores = {}
        for snr in self.config.val_snr:
            decoded = quantize(model(self.val_images, self.channel, float(snr)))
            scores[f"psnr_{snr:g}dB"] = round(psnr_per_image(self.val_images, decoded).mean().item(), 3)
            scores[f"ms_ssim_{snr:g}dB"] = round(ms_ssim_per_image(self.val_images, decoded).mean().item(), 4)
            if self.val_labels is not None:
                hits = self.task(decoded).argmax(dim=1) == self.val_labels
                scores[f"accuracy_{snr:g}dB"] = round(hits.float().mean().item(), 4)
            fake = classifier_features(self.unseen, decoded)
            scores[f"kid_unseen_{snr:g}dB"] = round(kernel_distance(real, fake), 5)
        torch.set_rng_state(state)
        return scores

    def meta(self) -> dict:
        config = self.config
        training = {**asdict(config), "train_images": len(self.train_images), "train_data": self.train_name,
                    "epochs_done": self.epoch, "wall_time_s": round(self.wall_s, 1), "torch": torch.__version__,
                    "threads": torch.get_num_threads()}
        return {
            "family": "gan-decoder",
            "encoder": config.encoder,
            "encoder_uid": self.encoder_uid,
            "channel": config.channel,
            "snr_range_db": [config.snr_min, config.snr_max],
            "training": training,
            "stages": training_stages(self.init_meta) + [training],  # the pixel stage, then this one
            "history": self.init_meta.get("history", []) + self.history,
        }

    def save(self) -> None:
        shipped = self.average.module if self.average is not None else self.model
        save_checkpoint(self.out, shipped, self.meta())
        save_training_state(self.state_path, self.model, self.optimizer, self.epoch, self.wall_s, self.history,
                            self.average, self._extras())

    def run(self) -> dict:
        while self.epoch < self.config.epochs:
            row = timed_epoch(self)
            row = {"epoch": self.epoch, **row, "wall_s": round(self.wall_s, 1), **self.validate()}
            self.history.append(row)
            self.save()
            log_epoch(self.log_path, row)
        return self.meta()

