"""Where shipped models and example flowgraphs live.

In order: the environment ($SEMJSCC_MODELS, $SEMJSCC_EXAMPLES), the checkout (models/, gr-semjscc/), the
locations CMake wrote into ``install_paths.json`` at install time (any prefix), then the conventional
``<prefix>/share/gr-semjscc`` of this Python and of /usr/local.
"""

import json
import os
import sys
from pathlib import Path

CHECKOUT_ROOT = Path(__file__).resolve().parents[3]
INSTALL_PATHS = Path(__file__).resolve().parent / "install_paths.json"
SHARE_DIRS = (Path(sys.prefix) / "share" / "gr-semjscc", Path("/usr/local/share/gr-semjscc"))


def installed_dir(kind: str):
    """The folder CMake installed ``kind`` ("models" or "examples") to, if this copy was installed by CMake."""
    if not INSTALL_PATHS.is_file():
        return None
    return json.loads(INSTALL_PATHS.read_text()).get(kind)


def _first(candidates: list, marker: str):
    for candidate in candidates:
        if candidate and (Path(candidate) / marker).is_file():
            return Path(candidate)
    return None


def models_dir() -> Path:
    candidates = [os.environ.get("SEMJSCC_MODELS"), CHECKOUT_ROOT / "models", installed_dir("models"),
                  *(share / "models" for share in SHARE_DIRS)]
    return _first(candidates, "index.json") or CHECKOUT_ROOT / "models"


def examples_dir() -> Path:
    candidates = [os.environ.get("SEMJSCC_EXAMPLES"), CHECKOUT_ROOT / "gr-semjscc", installed_dir("examples"),
                  *(share / "examples" for share in SHARE_DIRS)]
    found = _first(candidates, "loopback_sim.py")
    if found is None:
        raise FileNotFoundError("the gr-semjscc example flowgraphs (loopback_sim.py) are not installed; set "
                                "$SEMJSCC_EXAMPLES to their folder")
    return found


def resolve_model(name_or_path) -> Path:
    """A checkpoint path, or the name of a shipped model (``adaptive_awgn_kn1-6``)."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    shipped = models_dir() / (path.name if path.suffix == ".pt" else path.name + ".pt")
    if shipped.is_file():
        return shipped
    raise FileNotFoundError(f"model {name_or_path!r} is neither a file nor a model in {models_dir()} "
                            f"(set $SEMJSCC_MODELS to the folder of index.json)")


def shipped_index() -> list:
    """The entries of the shipped ``index.json`` (none when there is no index)."""
    path = models_dir() / "index.json"
    return json.loads(path.read_text()) if path.is_file() else []
