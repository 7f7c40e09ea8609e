"""Codec and link speed on an accelerator (``semjscc bench gpu``): ready for a machine that has one.

Encode and decode throughput in complex symbols per second (Msym/s) over batch sizes 1..1024, timed with the
device synchronised, and the real-time factor of the whole link with the codecs on that device at 1, 10 and
50 Msps (one run: nothing is throttled, so its wall time does not depend on the nominal sample rate, and RTF
at rate R is air time at R over that wall time). The link is the loopback flowgraph where GNU Radio is
installed, else its offline twin (the same encoder, framer, synchroniser, equaliser and decoder code, one
thread, the channel simulation included), so a GPU host without GNU Radio still measures the codecs in the
link; ``"link_runner"`` says which ran. On a CPU it runs too (the test suite does, with small batches), which
gives the reference the GPU figures are compared with.
"""

import importlib.util
import json
import time
from pathlib import Path

import torch

from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.link import load_link_codec
from semjscc.link.loopback import simulate_link
from semjscc.link.models import pick_device
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


def flowgraph_available() -> bool:
    return importlib.util.find_spec("gnuradio") is not None


def link_speed(name: str, device: str, data: str, out: Path) -> dict:
    """Wall time of the images through the link at 15 dB, and the real-time factor it means at each rate."""
    if flowgraph_available():
        from semjscc.run.loopback import run_loopback

        report = run_loopback(name, data, 15.0, out=str(out / "decoded"), device=device, save_images=False)
        samples, wall_s, runner = report["samples"], report["wall_s"], "flowgraph"
    else:
        codec, images = load_link_codec(name, device), load_dataset(data)
        simulate_link(codec, images.subset(min(8, len(images))), 15.0)  # warm-up: kernels, allocations
        started = time.perf_counter()
        report = simulate_link(codec, images, 15.0)
        wall_s, runner = time.perf_counter() - started, "offline twin"
        samples = report["samples"]
    return {"model": name, "data": data, "link_runner": runner, "images_decoded": report["images_decoded"],
            "psnr": report["psnr"], "wall_s": round(wall_s, 3),
            "rtf": {f"{rate / 1e6:g} Msps": round(samples / rate / wall_s, 5) for rate in RATES}}


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
    plot_codec_speed(results, out / "gpu.png")
    return results


def plot_codec_speed(results: dict, path: Path) -> None:
    """Encode and decode Msym/s against the batch size, one line per model and direction."""
    from semjscc.evaluate.plots import figure, label_axes

    with figure(path) as (_, ax):
        for model in dict.fromkeys(row["model"] for row in results["codec"]):
            rows = [row for row in results["codec"] if row["model"] == model]
            for what, style in (("encode", "-o"), ("decode", "--s")):
                ax.loglog([row["batch"] for row in rows], [row[f"{what}_msym_per_s"] for row in rows], style,
                          label=f"{model} {what}")
        ax.set_title(f"codec speed on {results['device_name']} (torch {results['torch']})", fontsize=9)
        label_axes(ax, "images per call (batch)", "complex symbols per second (M)")
