"""`cmake --install` into a temporary prefix gives `from gnuradio import semjscc`, a `semjscc` command, and finds
its models and example flowgraphs there (no checkout, no PYTHONPATH for the command)."""

import json

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import semjscc

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
    probe = ("from gnuradio import semjscc as blocks; import semjscc; from semjscc.store import paths; "
             "print(semjscc.__file__); print(blocks.jscc_rx); print(paths.models_dir()); print(paths.examples_dir())")
    out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=tmp_path, check=True,
                         capture_output=True, text=True).stdout.splitlines()
    assert out[0].startswith(str(site))  # the installed copy, not the source tree
    assert "jscc_rx" in out[1]
    assert out[2] == str(prefix / "share" / "gr-semjscc" / "models") and out[3] == str(examples)

    command = prefix / "bin" / "semjscc"
    bare = {key: value for key, value in python_env.items() if not key.startswith(("PYTHONPATH", "SEMJSCC_"))}
    version = subprocess.run([str(command), "--version"], env=bare, cwd=tmp_path, check=True,
                             capture_output=True, text=True).stdout
    assert version.strip() == f"semjscc {semjscc.__version__}"
    report = tmp_path / "loopback.json"
    subprocess.run([str(command), "loopback", "--model", "baseline_awgn_kn1-6_snr10", "--data", "sample:cifar10:test:2",
                    "--snr", "20", "--out", str(tmp_path / "rx"), "--json", str(report), "--device", "cpu"],
                   env=bare, cwd=tmp_path, check=True, capture_output=True, text=True, timeout=300)
    assert json.loads(report.read_text())["images_decoded"] == 2


def test_a_wheel_carries_the_models_flowgraphs_and_blocks(tmp_path):
    import zipfile

    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(REPO),
                    "-w", str(tmp_path)], check=True, capture_output=True, timeout=600)
    (wheel,) = tmp_path.glob("semjscc-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    data = [name.split(".data/data/", 1)[1] for name in names if ".data/data/" in name]
    assert "share/gr-semjscc/models/index.json" in data and "share/gr-semjscc/examples/loopback_sim.py" in data
    assert len([name for name in data if name.startswith("share/gnuradio/grc/blocks/")]) == len(
        list((REPO / "grc").glob("*.block.yml")))
    assert not [name for name in data if name.endswith(".state.pt")]  # training states never ship
