"""Where shipped models live: $SEMJSCC_MODELS, the checkout's models/, or the install prefix."""

import json
import os
import sys
from pathlib import Path

CHECKOUT_ROOT = Path(__file__).resolve().parents[3]


def models_dir() -> Path:
    candidates = [
        os.environ.get("SEMJSCC_MODELS"),
        CHECKOUT_ROOT / "models",
        Path(sys.prefix) / "share" / "gr-semjscc" / "models",
        Path("/usr/local/share/gr-semjscc/models"),
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "index.json").is_file():
            return Path(candidate)
    return CHECKOUT_ROOT / "models"


def resolve_model(name_or_path) -> Path:
    """A checkpoint path, or the name of a shipped model (``adaptive_awgn_kn1-6``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = models_dir() / (path.name if path.suffix == ".pt" else path.name + ".pt")
    if shipped.is_file():
        return shipped
    raise FileNotFoundError(f"model {name_or_path!r} is neither a file nor a model in {models_dir()}")


def shipped_index() -> list:
    """The entries of the shipped ``index.json`` (none when there is no index)."""
    path = models_dir() / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []
