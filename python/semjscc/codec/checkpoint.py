"""Checkpoints: a state dict plus a JSON-serialisable config, never a pickled module.

Files load with ``torch.load(..., weights_only=True)`` on any newer torch.
Layout: ``{"format": "semjscc-checkpoint", "version": 1, "model": <config>,
"state_dict": ..., "meta": {...}}``; resumable training state adds an
``optimizer`` entry and lives in a separate ``.state.pt`` file.
"""

import json
from pathlib import Path

import torch

from semjscc.codec.models import JSCCModel, build_model

FORMAT = "semjscc-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that is missing, corrupt, or does not fit the model."""


def _contiguous(state_dict: dict) -> dict:
    """Weights in the default layout, whatever memory format training used."""
    return {name: tensor.contiguous() for name, tensor in state_dict.items()}


def save_checkpoint(path, model: JSCCModel, meta=None, **extra) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a checkpoint."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "version": VERSION, "model": model.config(),
               "state_dict": _contiguous(model.state_dict()), "meta": json.loads(json.dumps(meta or {})), **extra}
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def read_checkpoint(path) -> dict:
    """The raw checkpoint dict, checked for format; errors name the file and the problem."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint not found: {path}")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises several types for truncated or foreign files
        raise CheckpointError(f"{path} is not a readable checkpoint (corrupt or not a torch file): {err}") from None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a gr-semjscc checkpoint (no '{FORMAT}' format marker)")
    if payload.get("version", 0) > VERSION:
        raise CheckpointError(f"{path} has checkpoint version {payload['version']}; this gr-semjscc reads up to {VERSION}")
    for key in ("model", "state_dict"):
        if key not in payload:
            raise CheckpointError(f"{path} lacks the '{key}' entry")
    return payload


def load_model(path, device="cpu", expected_k_over_n=None):
    """Build the model a checkpoint describes and load its weights; returns (model, payload)."""
    payload = read_checkpoint(path)
    try:
        model = build_model(payload["model"])
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{path}: cannot build the model it describes ({payload['model']}): {err}") from None
    try:
        model.load_state_dict(payload["state_dict"])
    except RuntimeError as err:
        first = str(err).splitlines()[0:3]
        raise CheckpointError(f"{path}: weights do not match the model config {payload['model']}: {' '.join(first)}") from None
    if expected_k_over_n is not None and abs(model.k_over_n - expected_k_over_n) > 1e-9:
        raise CheckpointError(f"{path}: model has k/n = {model.k_over_n}, expected {expected_k_over_n}")
    return model.to(device).eval(), payload


def save_training_state(path, model, optimizer, epoch: int, wall_s: float, history: list, average=None) -> None:
    """What resuming needs: weights, optimizer moments, the moving average if any, RNG, progress (atomic write)."""
    path = Path(path)
    state = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
             "epoch": epoch, "wall_s": wall_s, "history": history}
    if average is not None:
        state["average"] = average.state_dict()
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def load_training_state(path, model, optimizer, average=None):
    """Restore what :func:`save_training_state` wrote; returns (epoch, wall_s, history).

    A run that keeps a moving average but resumes a state without one starts the average at the
    resumed weights."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state["state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        if average is not None and "average" in state:
            average.load_state_dict(state["average"])
    except (RuntimeError, ValueError) as err:
        raise CheckpointError(f"{path} was saved by a run of another model ({str(err).splitlines()[0]}); "
                              "train to another --out, or remove it to start afresh") from None
    torch.set_rng_state(state["rng"])
    return state["epoch"], state["wall_s"], state["history"]
