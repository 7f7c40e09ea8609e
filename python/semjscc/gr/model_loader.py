"""Loading a codec for a block: resolve shipped names, pick the device, derive the header model id."""

import zlib
from pathlib import Path

import torch

from semjscc.codec.checkpoint import load_model
from semjscc.paths import resolve_model


def pick_device(device: str) -> torch.device:
    """``auto`` takes CUDA when available; ``cuda`` without a GPU falls back to CPU with a warning."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device.startswith("cuda") and not torch.cuda.is_available():
        from gnuradio import gr

        gr.log.warn("semjscc: CUDA requested but not available; using the CPU")
        return torch.device("cpu")
    return torch.device(device)


def model_id(path) -> int:
    """One byte identifying the model on air, so a receiver can refuse a frame coded for another."""
    return zlib.crc32(Path(path).stem.encode()) & 0xFF


def load_codec(model: str, device: str):
    path = resolve_model(model)
    dev = pick_device(device)
    codec, payload = load_model(path, device=dev)
    return codec, dev, model_id(path), payload
