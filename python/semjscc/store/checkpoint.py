"""The checkpoint format: a state dict plus a JSON-serialisable config, never a pickled module.

Files load with ``torch.load(..., weights_only=True)`` on any newer torch.
Layout: ``{"format": "semjscc-checkpoint", "version": 1, "model": <config>,
"state_dict": ..., "meta": {...}}``; resumable training state (optimizer
moments, RNG, progress) lives in a separate ``.state.pt`` file that never ships.
Codecs and task networks share this format; building the network a config
describes is their own business (``codec.checkpoint``, ``semantic.task_models``).
"""

import hashlib
import json
from pathlib import Path

import torch

FORMAT = "semjscc-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint file that is missing, corrupt, or does not fit the model."""


def check_bounds(config: dict, bounds: dict) -> None:
    """Integer config fields within (low, high): a forged checkpoint cannot make us allocate 160 GB."""
    for key, (low, high) in bounds.items():
        if key in config:
            value = config[key]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"{key} = {value!r} is outside {low}..{high}")


def _contiguous(state_dict: dict) -> dict:
    """Weights in the default layout, whatever memory format training used."""
    return {name: tensor.contiguous() for name, tensor in state_dict.items()}


def _atomic_save(payload: dict, path: Path) -> None:
    """Write through a temp file + rename, so a crash never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(payload, tmp)
    tmp.replace(path)


def save_network(path, config: dict, state_dict: dict, meta=None, **extra) -> None:
    """A network's config, weights and metadata in the checkpoint format."""
    payload = {"format": FORMAT, "version": VERSION, "model": config, "state_dict": _contiguous(state_dict),
               "meta": json.loads(json.dumps(meta or {})), **extra}
    _atomic_save(payload, Path(path))


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


def weights_id(payload: dict) -> str:
    """A model's identity: a hash of its config and weights (16 hex digits).

    It follows the weights, not the file name: renaming or copying a
    checkpoint keeps it, retraining changes it (a decoder trained further no
    longer matches the old encoder).
    """
    digest = hashlib.sha256(json.dumps(payload["model"], sort_keys=True).encode())
    for name in sorted(payload["state_dict"]):
        tensor = payload["state_dict"][name].detach().cpu().contiguous()
        digest.update(name.encode())
        digest.update(tensor.numpy().tobytes() if tensor.dtype != torch.bfloat16 else tensor.float().numpy().tobytes())
    return digest.hexdigest()[:16]


def save_training_state(path, model, optimizer, epoch: int, wall_s: float, history: list, average=None,
                        extras=None) -> None:
    """What resuming needs: weights, optimizer moments, the moving average if any, RNG, progress (atomic write).

    ``extras`` names further modules or optimizers a run trains (a GAN's discriminator and its optimizer)."""
    state = {"state_dict": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": torch.get_rng_state(),
             "epoch": epoch, "wall_s": wall_s, "history": history}
    if average is not None:
        state["average"] = average.state_dict()
    for name, part in (extras or {}).items():
        state["extra:" + name] = part.state_dict()
    _atomic_save(state, Path(path))


def load_training_state(path, model, optimizer, average=None, extras=None):
    """Restore what :func:`save_training_state` wrote; returns (epoch, wall_s, history).

    A run that keeps a moving average but resumes a state without one starts the average at the
    resumed weights."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    try:
        model.load_state_dict(state["state_dict"])
        optimizer.load_state_dict(state["optimizer"])
        if average is not None and "average" in state:
            average.load_state_dict(state["average"])
        for name, part in (extras or {}).items():
            part.load_state_dict(state["extra:" + name])
    except (RuntimeError, ValueError, KeyError) as err:
        raise CheckpointError(f"{path} was saved by a run of another model ({str(err).splitlines()[0]}); "
                              "train to another --out, or remove it to start afresh") from None
    torch.set_rng_state(state["rng"])
    return state["epoch"], state["wall_s"], state["history"]
