"""Data-parallel scaling (``semjscc bench ddp``): training images per second with 1 and N processes.

The same training run (the main architecture, one epoch over ``images`` training images, the same global
batch) as one process with all the threads, then as ``torchrun --nproc_per_node=N`` with the threads shared
out, on the gloo backend (CPUs) or NCCL (one GPU per process). The wall time of the epoch comes from each run's
own log, so start-up and validation are left out. Run it on an otherwise idle machine.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


def _train(processes: int, threads: int, images: int, data: str, device: str, workdir: Path) -> float:
    out = workdir / f"ddp_{processes}.pt"
    launcher = ([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
                if processes > 1 else [sys.executable])
    command = launcher + ["-m", "semjscc", "train", "--out", str(out), "--epochs", "1", "--max-images", str(images),
                          "--batch-size", "64", "--threads", str(threads), "--data", data,
                          "--val-data", "sample:cifar10:test:16", "--device", device]
    run = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, OMP_NUM_THREADS=str(threads)))
    if run.returncode != 0:
        raise RuntimeError(f"training with {processes} process(es) failed: {run.stderr[-2000:]}")
    (row,) = [json.loads(line) for line in out.with_suffix(".log.jsonl").read_text().splitlines()]
    return row["wall_s"]


def run_ddp_bench(out: str, processes: int = 2, threads: int = 2, images: int = 4096,
                  data: str = "cifar10:train", device: str = "cpu") -> dict:
    """``threads``: all the CPU threads, given to the single process, shared out among the ``processes``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        single = _train(1, threads, images, data, device, Path(workdir))
        parallel = _train(processes, max(threads // processes, 1), images, data, device, Path(workdir))
    result = {"images": images, "data": data, "device": device, "threads": threads,
              "rows": [{"processes": 1, "threads_each": threads, "wall_s": single,
                        "images_per_s": round(images / single, 1)},
                       {"processes": processes, "threads_each": max(threads // processes, 1), "wall_s": parallel,
                        "images_per_s": round(images / parallel, 1)}],
              "speed_up": round(single / parallel, 3)}
    (out / "ddp.json").write_text(json.dumps(result, indent=2) + "\n")
    print(f"{images} images: 1 process {single:.1f} s, {processes} processes {parallel:.1f} s "
          f"(x{result['speed_up']})", flush=True)
    return result
