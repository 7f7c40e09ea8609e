"""The codec a link end runs: resolved by name or path, on a device, with its on-air identity."""

import logging
from dataclasses import dataclass

import torch

from semjscc.codec.checkpoint import load_model
from semjscc.codec.cpu_runtime import compile_codec, openvino_available
from semjscc.codec.models import JSCCModel
from semjscc.digital.codec import DigitalCodec, is_digital_spec
from semjscc.link.meta import wire_model_id
from semjscc.store.checkpoint import weights_id
from semjscc.store.paths import resolve_model

log = logging.getLogger("semjscc")


DEVICE_CHOICES = "auto, cpu, openvino, cuda or cuda:N"


def pick_device(device: str) -> torch.device:
    """``auto`` takes CUDA when available; ``cuda`` without a GPU falls back to the CPU with a warning;
    ``openvino`` is the CPU."""
    if device == "openvino":
        return torch.device("cpu")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        log.warning("semjscc: CUDA requested but not available; using the CPU")
        return torch.device("cpu")
    try:
        return torch.device(device)
    except RuntimeError:
        raise ValueError(f"unknown device {device!r} (use {DEVICE_CHOICES})") from None


def pick_runtime(device: str, chosen: torch.device) -> str:
    """What runs a codec's networks for inference: ``openvino`` (on the CPU; faster than PyTorch for the small
    batches a live receiver decodes) when asked for, or for ``auto`` without a GPU when it is installed; else
    ``torch`` (``cpu`` asks for PyTorch itself)."""
    if device == "openvino" and not openvino_available():
        raise ValueError("device 'openvino' needs the openvino package (pip install openvino); "
                         "or use device cpu for PyTorch")
    if device == "openvino" or (device == "auto" and chosen.type == "cpu" and openvino_available()):
        return "openvino"
    return "torch"


@dataclass
class LinkCodec:
    codec: JSCCModel  # or a DigitalCodec: the same interface
    device: torch.device
    uid: str  # identity of the weights (store.checkpoint.weights_id), stable under renaming
    name: str
    snr_range_db: tuple = None  # the SNRs it was trained at: the decoder is never told one outside them
    runtime: str = "torch"  # what runs the networks: torch, or openvino (``codec.cpu_runtime``)

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
    """A shipped model's name, a checkpoint, or a digital link spec (``digital:webp:16qam-1/2:1/6``).

    ``device``: ``auto`` (CUDA when there is one, else the CPU through OpenVINO when it is installed, else
    PyTorch on the CPU), ``cpu`` (PyTorch), ``openvino``, ``cuda`` or ``cuda:N``.
    """
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
    runtime = pick_runtime(device, dev)
    if runtime == "openvino":
        codec = compiled_codec(codec, weights_id(payload))
    return LinkCodec(codec, dev, uid, path.stem, tuple(trained) if trained else None, runtime)


_COMPILED = {}  # (weights, threads) -> the compiled networks: a flowgraph's TX and RX load the same model


def compiled_codec(codec, weights: str):
    """``codec`` with OpenVINO networks, compiled once per process for these weights (seconds each)."""
    key = (weights, torch.get_num_threads())
    if key not in _COMPILED:
        _COMPILED[key] = compile_codec(codec).encoder_net, codec.decoder_net
    codec.encoder_net, codec.decoder_net = _COMPILED[key]
    return codec
