"""JSON out: strict (NaN and infinities become null, never bare ``NaN``) and written atomically."""

import json
import math
import os
from pathlib import Path


def strict(value):
    """``value`` with every non-finite float replaced by None, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(item) for item in value]
    return value


def dumps(value, indent=2) -> str:
    return json.dumps(strict(value), indent=indent, allow_nan=False)


def write_json(path, value) -> None:
    """Write through a temp file + rename: a reader never sees half a file, a crash leaves none."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(dumps(value) + "\n")
    tmp.replace(path)


def check_writable(path) -> None:
    """Fail now, before a long run, if ``path`` cannot be written (its folder is created if need be)."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        probe = path.with_name(f".{path.name}.{os.getpid()}.probe")
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise ValueError(f"cannot write {path}: {err.strerror or err}") from None
