"""`cmake --install` into a temporary prefix gives `from gnuradio import semjscc`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake not installed")]


def test_install_into_a_temporary_prefix(tmp_path, python_env):
    build, prefix = tmp_path / "build", tmp_path / "prefix"
    subprocess.run(["cmake", "-S", str(REPO), "-B", str(build), f"-DCMAKE_INSTALL_PREFIX={prefix}",
                    f"-DPYTHON_EXECUTABLE={sys.executable}"], check=True, capture_output=True)
    subprocess.run(["cmake", "--install", str(build)], check=True, capture_output=True)
    site = next(prefix.glob("lib/python3*/site-packages"))
    installed = sorted(path.name for path in (prefix / "share/gnuradio/grc/blocks").glob("semjscc_*.block.yml"))
    assert installed == sorted(path.name for path in (REPO / "grc").glob("*.block.yml")) and installed
    examples = prefix / "share" / "gr-semjscc" / "examples"  # where GNU Radio users look for flowgraphs
    assert (examples / "loopback_sim.grc").is_file() and (examples / "loopback_sim.py").is_file()
    env = dict(python_env, PYTHONPATH=str(site))
    probe = "from gnuradio import semjscc as blocks; import semjscc; print(semjscc.__file__); print(blocks.jscc_rx)"
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout
    assert out.splitlines()[0].startswith(str(site))  # the installed copy, not the source tree
    assert "jscc_rx" in out.splitlines()[1]
