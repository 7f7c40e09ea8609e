"""The codec a link end runs: resolved by name or path, on a device, with its on-air identity."""

import logging
from dataclasses import dataclass

import torch

from semjscc.codec.checkpoint import load_model
from semjscc.codec.models import JSCCModel
from semjscc.digital.codec import DigitalCodec, is_digital_spec
from semjscc.link.meta import wire_model_id
from semjscc.store.checkpoint import weights_id
from semjscc.store.paths import resolve_model

log = logging.getLogger("semjscc")


def pick_device(device: str) -> torch.device:
    """``auto`` takes CUDA when available; ``cuda`` without a GPU falls back to the CPU with a warning."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        log.warning("semjscc: CUDA requested but not available; using the CPU")
        return torch.device("cpu")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown torch device {device!r} (use auto, cpu, cuda or cuda:N)") from None


@dataclass
class LinkCodec:
    codec: JSCCModel  # or a DigitalCodec: the same interface
    device: torch.device
    uid: str  # identity of the weights (store.checkpoint.weights_id), stable under renaming
    name: str
    snr_range_db: tuple = None  # the SNRs it was trained at: the decoder is never told one outside them

    def clamp_snr(self, snr_db: float) -> float:
        if self.snr_range_db is None:
            return snr_db
        low, high = self.snr_range_db
        return min(max(snr_db, low), high)

    @property
    def wire_id(self) -> int:
        """The header's model field: a receiver refuses frames coded by another model."""
        return wire_model_id(self.uid)

    @property
    def flags(self) -> int:
        """The header's flags: what kind of payload the frames carry."""
        return self.codec.flags


def load_link_codec(model, device: str = "auto") -> LinkCodec:
    """A shipped model's name, a checkpoint, or a digital link spec (``digital:webp:16qam-1/2:1/6``)."""
    dev = pick_device(device)
    if is_digital_spec(model):
        codec = DigitalCodec.from_spec(model)
        return LinkCodec(codec, dev, f"{codec.wire_id:04x}", codec.spec)  # the uid is its wire id
    path = resolve_model(model)
    codec, payload = load_model(path, device=dev)
    meta = payload.get("meta", {})
    trained = meta.get("snr_range_db")
    # a decoder trained for another codec's frozen encoder (a GAN decoder) speaks that encoder's identity
    uid = meta.get("encoder_uid") or weights_id(payload)
    return LinkCodec(codec, dev, uid, path.stem, tuple(trained) if trained else None)
