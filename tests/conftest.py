import os
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[1]
SAMPLE_ROOT = REPO / "python" / "semjscc" / "data" / "sample"


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture
def sample_root() -> Path:
    """The data sample shipped in the package (what a fresh clone has)."""
    return SAMPLE_ROOT


@pytest.fixture
def python_env() -> dict:
    """Environment for subprocesses that must use this interpreter's packages."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    return env
