"""Codec benchmarks: quality of every shipped model per SNR, the Kodak table, and throughput.

``semjscc bench codec`` and ``semjscc bench throughput`` write JSON and PNG
files under the output folder; ``bench/run_all.sh`` runs everything.
"""

import json
import time
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.card import write_card
from semjscc.codec.checkpoint import load_model
from semjscc.codec.cpu_runtime import compile_codec, openvino_available
from semjscc.data import load_dataset
from semjscc.evaluate.quality import evaluate, plot_results
from semjscc.store.paths import models_dir, shipped_index


def shipped_models(filter_text: str = "") -> list:
    """The shipped codecs (not the task networks) whose name contains ``filter_text``."""
    return [entry for entry in shipped_index() if entry["family"] != "task" and filter_text in entry["name"]]


def bench_quality(out: Path, data: str, snrs: list, filter_text: str = "", update_cards: bool = True) -> list:
    """Every shipped model on ``data`` over its own channel; one JSON + one plot per k/n."""
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(data)
    reports = []
    for entry in shipped_models(filter_text):
        model, _ = load_model(models_dir() / entry["file"])
        started = time.time()
        report = {"model": entry["name"], "family": entry["family"], "label": entry["name"],
                  **evaluate(model, dataset, entry["channel"], snrs, seed=0)}
        report["eval_s"] = round(time.time() - started, 1)
        print(f"{entry['name']:<34} " + " ".join(f"{r['snr_db']:g}:{r['psnr']:.2f}" for r in report["results"]),
              flush=True)
        reports.append(report)
        if update_cards:
            write_card(models_dir() / entry["file"], [report])
    tag = data.replace(":", "_")
    path = out / f"quality_{tag}.json"
    if path.is_file():  # a filtered run updates its models and keeps the others
        fresh = {r["model"] for r in reports}
        reports = [r for r in json.loads(path.read_text()) if r["model"] not in fresh] + reports
        reports.sort(key=lambda r: r["model"])
    path.write_text(json.dumps(reports, indent=2) + "\n")
    for ratio in sorted({r["k_over_n"] for r in reports}):
        group = [r for r in reports if r["k_over_n"] == ratio and r["channel"] == "awgn"]
        if group:
            plot_results(group, out / f"quality_{tag}_kn{round(1 / ratio)}.png")
    return reports


def bench_throughput(out: Path, batch_sizes=(1, 64), repeats: int = 5, runtimes=None, filter_text: str = "") -> list:
    """Encode and decode speed per model and runtime on this machine's CPU: images/s and complex symbols/s.

    ``runtimes``: PyTorch, and OpenVINO when it is installed (default).  The runtimes take turns within
    each repetition, so both see the same machine, and each figure is the median of ``repeats``.
    """
    runtimes = runtimes or (("torch", "openvino") if openvino_available() else ("torch",))
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for entry in shipped_models(filter_text):
        codecs = {runtime: _on_runtime(models_dir() / entry["file"], runtime) for runtime in runtimes}
        for batch in batch_sizes:
            rows += _time_codecs(entry["name"], codecs, batch, repeats)
    (out / "throughput.json").write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def _on_runtime(path, runtime: str):
    model, _ = load_model(path)
    return compile_codec(model) if runtime == "openvino" else model


def _time_codecs(name: str, codecs: dict, batch: int, repeats: int) -> list:
    images = torch.rand(batch, 3, 32, 32)
    calls = max(1, 64 // batch)  # each timing spans at least 64 images
    with torch.inference_mode():
        symbols = next(iter(codecs.values())).encode(images, 10.0)
        work = {(runtime, step): fn for runtime, codec in codecs.items()
                for step, fn in (("encode", lambda codec=codec: codec.encode(images, 10.0)),
                                 ("decode", lambda codec=codec: codec.decode(symbols, (32, 32), 10.0)))}
        seconds = {key: [] for key in work}
        for key, fn in work.items():
            fn()
        for _ in range(repeats):
            for key, fn in work.items():
                started = time.perf_counter()
                for _ in range(calls):
                    fn()
                seconds[key].append((time.perf_counter() - started) / calls)
    rows = []
    for runtime in codecs:
        encode, decode = (float(np.median(seconds[runtime, step])) for step in ("encode", "decode"))
        rows.append({"model": name, "runtime": runtime, "batch": batch, "threads": torch.get_num_threads(),
                     "encode_images_per_s": batch / encode, "decode_images_per_s": batch / decode,
                     "encode_symbols_per_s": batch * symbols.shape[1] / encode,
                     "decode_symbols_per_s": batch * symbols.shape[1] / decode})
        print(f"{name:<34} {runtime:<8} batch {batch:>3}: encode {rows[-1]['encode_images_per_s']:8.1f} img/s, "
              f"decode {rows[-1]['decode_images_per_s']:8.1f} img/s", flush=True)
    return rows


# Bourtsoulatze, Kurka, Gunduz (2019), k/n = 1/12, AWGN: PSNR of the model trained at each SNR, tested there.
PAPER_BASELINE_1_12 = {1: 22.5, 4: 24.4, 7: 25.9, 13: 28.3, 19: 30.0}


def bench_baseline_reproduction(out: Path, data: str) -> dict:
    """Each per-SNR baseline at its own training SNR against the original paper's curve, and the main model
    against the best baseline of its k/n at every whole dB from 0 to 20 (the main model must win at all)."""
    dataset = load_dataset(data)
    rows = []
    for snr, paper in PAPER_BASELINE_1_12.items():
        path = models_dir() / f"baseline_awgn_kn1-12_snr{snr:02d}.pt"
        if not path.is_file():
            continue
        model, _ = load_model(path)
        psnr = evaluate(model, dataset, "awgn", [snr])["results"][0]["psnr"]
        rows.append({"snr_db": snr, "psnr": psnr, "paper_psnr": paper, "gap_db": psnr - paper})
        print(f"baseline 1/12 @ {snr:2d} dB: {psnr:.2f} dB (paper {paper})", flush=True)
    margins = main_vs_baselines(dataset, [float(snr) for snr in range(21)])
    report = {"data": data, "n_images": len(dataset), "rows": rows, "main_vs_baselines": margins}
    out.mkdir(parents=True, exist_ok=True)
    (out / "baseline_reproduction.json").write_text(json.dumps(report, indent=2) + "\n")
    plot_baseline_reproduction(report, out / "baseline_reproduction.png")
    return report


def main_vs_baselines(dataset, snrs: list) -> list:
    """Per AWGN k/n: the main (adaptive) model's PSNR minus the best shipped baseline's, SNR by SNR."""
    curves = {}
    for entry in shipped_models():
        if entry["channel"] == "awgn" and entry["family"] in ("adaptive", "baseline"):
            model, _ = load_model(models_dir() / entry["file"])
            curves[entry["name"]] = (entry, [r["psnr"] for r in evaluate(model, dataset, "awgn", snrs)["results"]])
    groups = []
    for main, (entry, psnrs) in curves.items():
        if entry["family"] != "adaptive":
            continue
        rivals = {name: values for name, (other, values) in curves.items()
                  if other["family"] == "baseline" and other["k_over_n"] == entry["k_over_n"]}
        if not rivals:
            continue
        points = []
        for i, snr in enumerate(snrs):
            best = max(rivals, key=lambda name: rivals[name][i])
            points.append({"snr_db": snr, "main_psnr": psnrs[i], "best_baseline": best,
                           "best_baseline_psnr": rivals[best][i], "margin_db": psnrs[i] - rivals[best][i]})
        worst = min(points, key=lambda p: p["margin_db"])
        print(f"{main}: smallest margin over the baselines {worst['margin_db']:+.2f} dB at {worst['snr_db']:g} dB "
              f"({worst['best_baseline']})", flush=True)
        groups.append({"model": main, "k_over_n": entry["k_over_n"], "baselines": sorted(rivals),
                       "min_margin_db": worst["margin_db"], "points": points})
    return groups


def plot_baseline_reproduction(report: dict, path: Path) -> None:
    """Paper's points, ours at the training SNRs, and the 1/12 main model's curve on one axis."""
    from semjscc.evaluate.plots import figure, label_axes

    rows = report["rows"]
    with figure(path) as (_, ax):
        ax.plot([r["snr_db"] for r in rows], [r["paper_psnr"] for r in rows], "k^--",
                label="original deep JSCC (paper)")
        ax.plot([r["snr_db"] for r in rows], [r["psnr"] for r in rows], "o-", label="baseline, ours (one model per SNR)")
        for group in report["main_vs_baselines"]:
            if abs(group["k_over_n"] - 1 / 12) < 1e-9:
                points = group["points"]
                ax.plot([p["snr_db"] for p in points], [p["main_psnr"] for p in points], "-",
                        label=f"{group['model']} (one model)")
        label_axes(ax, "SNR (dB)", "PSNR (dB)")
        ax.set_title(f"k/n = 1/12, AWGN, {report['data']} ({report['n_images']} images)")
