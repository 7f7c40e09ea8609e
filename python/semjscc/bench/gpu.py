"""Codec and link speed on an accelerator (``semjscc bench gpu``): ready for a machine that has one.

Encode and decode throughput in complex symbols per second (Msym/s) over batch sizes 1..1024, timed with the
device synchronised, and the real-time factor of the whole loopback flowgraph with the codecs on that device
at 1, 10 and 50 Msps (one run: the flowgraph is not throttled, so its wall time does not depend on the
nominal sample rate, and RTF at rate R is air time at R over that wall time). On a CPU it runs too (the test
suite does, with small batches), which gives the reference the GPU figures are compared with.
"""

import json
import time
from pathlib import Path

import torch

from semjscc.codec.checkpoint import load_model
from semjscc.link.models import pick_device
from semjscc.run.loopback import run_loopback
from semjscc.store.paths import resolve_model

BATCHES = (1, 4, 16, 64, 256, 1024)
RATES = (1e6, 10e6, 50e6)


def _synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@torch.inference_mode()
def codec_speed(name: str, device: torch.device, batches=BATCHES, repeats: int = 5, size: int = 32) -> list:
    model, _ = load_model(resolve_model(name), device=device)
    model.eval()
    rows = []
    for batch in batches:
        images = torch.rand(batch, 3, size, size, device=device)
        symbols = model.encode(images, 10.0)
        timings = {}
        for what, run in (("encode", lambda: model.encode(images, 10.0)),
                          ("decode", lambda: model.decode(symbols, (size, size), 10.0))):
            run()
            _synchronise(device)
            started = time.perf_counter()
            for _ in range(repeats):
                run()
            _synchronise(device)
            timings[what] = (time.perf_counter() - started) / repeats
        count = symbols.shape[0] * symbols.shape[1]
        rows.append({"model": name, "batch": batch, "encode_msym_per_s": round(count / timings["encode"] / 1e6, 3),
                     "decode_msym_per_s": round(count / timings["decode"] / 1e6, 3),
                     "encode_images_per_s": round(batch / timings["encode"], 1),
                     "decode_images_per_s": round(batch / timings["decode"], 1)})
        print(f"{name} batch {batch}: encode {rows[-1]['encode_msym_per_s']} Msym/s, "
              f"decode {rows[-1]['decode_msym_per_s']} Msym/s", flush=True)
    return rows


def link_speed(name: str, device: str, data: str, out: Path) -> dict:
    report = run_loopback(name, data, 15.0, out=str(out / "decoded"), device=device, save_images=False)
    air_s = report["samples"]  # air time at 1 S/s
    return {"model": name, "data": data, "images_decoded": report["images_decoded"], "wall_s": report["wall_s"],
            "rtf": {f"{rate / 1e6:g} Msps": round(air_s / rate / report["wall_s"], 5) for rate in RATES}}


def run_gpu_bench(out: str, models: list, device: str = "auto", data: str = "cifar10:test",
                  batches=BATCHES) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    chosen = pick_device(device)
    name = torch.cuda.get_device_name(chosen) if chosen.type == "cuda" else "CPU"
    results = {"device": str(chosen), "device_name": name, "torch": torch.__version__,
               "codec": [row for model in models for row in codec_speed(model, chosen, batches)],
               "link": [link_speed(model, str(chosen), data, out) for model in models]}
    (out / "gpu.json").write_text(json.dumps(results, indent=2) + "\n")
    return results
