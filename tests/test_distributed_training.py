"""Data-parallel training: two processes on the gloo backend, as ``torchrun`` starts them on a GPU cluster."""

import json
import os
import socket
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from semjscc.store.checkpoint import read_checkpoint
from semjscc.train.distributed import Ranks, check_replicas_agree, rank_batch


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_torchrun_with_two_processes_lowers_the_loss_and_saves_one_checkpoint(tmp_path, sample_root, python_env):
    out = tmp_path / "ddp.pt"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
               "-m", "semjscc", "train", "--out", str(out), "--k-over-n", "1/12", "--width", "16", "--epochs", "3",
               "--batch-size", "32", "--lr", "3e-3", "--threads", "1", "--data", "sample:cifar10:test:128",
               "--val-data", "sample:cifar10:test:32", "--data-root", str(sample_root)]
    run = subprocess.run(command, env=python_env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    rows = [json.loads(line) for line in out.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1, 2, 3]  # rank 0 alone logs
    assert rows[-1]["train_mse"] < rows[0]["train_mse"]
    assert run.stdout.count("saved ") == 1
    assert read_checkpoint(out)["meta"]["training"]["processes"] == 2


def _replicas(rank: int, port: int, drift: float, results):
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=2)
    torch.manual_seed(0)
    model = torch.nn.Linear(4, 2)
    if rank == 1:
        with torch.no_grad():
            model.bias += drift
    try:
        check_replicas_agree(model, Ranks(rank, 2, rank))
        results.put((rank, "agree"))
    except RuntimeError as err:
        results.put((rank, str(err)))
    finally:
        dist.destroy_process_group()


@pytest.mark.parametrize("drift", [0.0, 1e-3])
def test_replicas_whose_weights_drift_apart_stop_the_run_on_every_rank(drift):
    context = mp.get_context("spawn")
    results = context.Queue()
    port = free_port()
    processes = [context.Process(target=_replicas, args=(rank, port, drift, results)) for rank in (0, 1)]
    for process in processes:
        process.start()
    outcome = dict(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=30)
    if drift:
        assert all("the replicas' weights differ by up to 0.001" in message for message in outcome.values())
    else:
        assert outcome == {0: "agree", 1: "agree"}


def test_the_global_batch_is_shared_out_evenly():
    assert rank_batch(64, Ranks(0, 2)) == 32
    with pytest.raises(ValueError, match="does not split over 3 processes"):
        rank_batch(64, Ranks(0, 3))


@pytest.mark.slow
def test_ddp_bench_times_one_and_two_processes(tmp_path, python_env, monkeypatch):
    from semjscc.bench.ddp import run_ddp_bench

    monkeypatch.setenv("PATH", python_env["PATH"])
    result = run_ddp_bench(str(tmp_path), processes=2, threads=2, images=128, data="sample:cifar10:test:128")
    assert [row["processes"] for row in result["rows"]] == [1, 2]
    assert all(row["images_per_s"] > 0 for row in result["rows"]) and result["speed_up"] > 0
    assert json.loads((tmp_path / "ddp.json").read_text())["images"] == 128
