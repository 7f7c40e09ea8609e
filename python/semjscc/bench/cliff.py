"""The cliff: analog deep JSCC against a real digital link (image codec + 5G LDPC + QAM) at equal channel uses.

``semjscc bench cliff`` measures, on AWGN at Es/N0 from -5 to 25 dB:

1. the MCS table: block error rate vs SNR of every MCS at this data's block size
   (random bytes fill the blocks: compressed files are close to uniform bits);
2. for each image codec, with its headers counted and assumed known: the best
   quality that fits each MCS's transport block, decoded and scored (PSNR,
   MS-SSIM, the receiver classifier's top-1);
3. each design SNR's MCS used at every channel SNR (the cliff, and the
   levelling-off above it): every image's block LDPC-decoded for real, a
   failed block leaving the mean image;
4. the envelope: at each SNR the best codec x MCS by expected PSNR (the BLER
   table times the per-image quality);
5. the analog models over the same images and SNRs, and the capacity-rate reference;
6. the flowgraph check: the design-10-dB MCS through the loopback flowgraph at
   three SNRs on its waterfall, its block loss against the simulation's.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.bandwidth import symbol_count
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.data.metrics import image_metrics
from semjscc.digital.capacity import capacity_bytes, compress_to_budgets
from semjscc.digital.channel_code import decode_files, encode_files, plan_block
from semjscc.digital.codec import MEAN_COLOR, DigitalCodec, parse_ratio
from semjscc.digital.mcs import MCS_TABLE, choose_mcs
from semjscc.digital.source import decode_image, fit_to_budget
from semjscc.evaluate.quality import evaluate
from semjscc.semantic.task_models import load_task_model
from semjscc.store.paths import models_dir, resolve_model

SNRS = tuple(np.arange(-5.0, 25.1, 2.5))
DESIGN_SNRS = (0.0, 5.0, 10.0, 15.0, 20.0)


def _awgn(symbols: np.ndarray, snr_db: float, rng) -> tuple:
    noise_variance = 10 ** (-snr_db / 10)
    noise = (rng.standard_normal(symbols.shape) + 1j * rng.standard_normal(symbols.shape)) * math.sqrt(
        noise_variance / 2)
    return (symbols + noise).astype(np.complex64), np.full(symbols.shape, noise_variance, np.float32)


def block_outcomes(symbols: int, mcs, snr_db: float, count: int, rng) -> np.ndarray:
    """Whether each of ``count`` transport blocks (random files filling them) survives AWGN at ``snr_db``."""
    plan = plan_block(symbols, mcs)
    files = [rng.integers(0, 256, plan.capacity_bytes, dtype=np.uint8).tobytes() for _ in range(count)]
    received, noise = _awgn(encode_files(files, plan), snr_db, rng)
    decoded = decode_files(received, noise, plan)
    return np.array([out == sent for out, sent in zip(decoded, files)])


def bler_table(symbols: int, blocks: int = 100, seed: int = 0) -> dict:
    """{MCS name: {SNR: BLER}} at 1 dB steps from 1 dB below each MCS's Shannon limit to 7 dB above it."""
    rng = np.random.default_rng(seed)
    table = {}
    for mcs in MCS_TABLE:
        limit = 10 * math.log10(2 ** mcs.efficiency - 1)
        curve = {}
        for snr in np.arange(math.floor(limit) - 1, math.floor(limit) + 8):
            curve[f"{snr:g}"] = round(1 - block_outcomes(symbols, mcs, float(snr), blocks, rng).mean(), 4)
            print(f"  {mcs.name:<12} {snr:5.1f} dB: BLER {curve[f'{snr:g}']:.3f}", flush=True)
            if curve[f"{snr:g}"] == 0 and len(curve) > 2 and list(curve.values())[-2] == 0:
                break
        table[mcs.name] = curve
    return table


class SourceScores:
    """Per image and budget: the quality each codec reaches (PSNR, MS-SSIM, class), cached by file."""

    def __init__(self, images: np.ndarray, labels, task):
        self.images = images
        self.labels = None if labels is None else torch.as_tensor(labels)
        self.task = task
        self.files = {}  # (codec, image index) -> {quality: file}
        self.scores = {}  # (codec, image index, quality) -> (psnr, ms_ssim, correct)
        mean = torch.tensor(MEAN_COLOR).reshape(1, 3, 1, 1).expand(len(images), 3, *images.shape[1:3])
        self.lost = self.score(np.arange(len(images)), mean)

    def score(self, indices, decoded: torch.Tensor) -> np.ndarray:
        """(images, 3): PSNR, MS-SSIM, top-1 hit (NaN without a classifier) of the images at ``indices``."""
        reference = torch.from_numpy(self.images[indices]).permute(0, 3, 1, 2).float() / 255
        metrics = image_metrics(reference, decoded)
        hits = torch.full((len(decoded),), float("nan"))
        if self.task is not None and self.labels is not None:
            with torch.no_grad():
                hits = (self.task(decoded).argmax(dim=1) == self.labels[indices]).float()
        return torch.stack([metrics["psnr"], metrics["ms_ssim"], hits], dim=1).numpy()

    def at_budget(self, codec: str, budget: int, headers_known: bool) -> tuple:
        """((images, 3) scores of each image coded to ``budget`` bytes, the lost image's where none fits;
        whether each fits)."""
        chosen = {}
        for index, image in enumerate(self.images):
            coded = fit_to_budget(image, codec, budget, headers_known, self.files.setdefault((codec, index), {}))
            if coded is not None:
                chosen[index] = coded.quality
        todo = [(i, q) for i, q in chosen.items() if (codec, i, q) not in self.scores]
        if todo:
            decoded = torch.from_numpy(np.stack([
                decode_image(self.files[(codec, i)][q], codec, self.images.shape[1:3]) for i, q in todo
            ])).permute(0, 3, 1, 2).float() / 255
            for (i, q), row in zip(todo, self.score(np.array([i for i, _ in todo]), decoded)):
                self.scores[(codec, i, q)] = row
        out = self.lost.copy()
        for i, q in chosen.items():
            out[i] = self.scores[(codec, i, q)]
        fits = np.zeros(len(self.images), dtype=bool)
        fits[list(chosen)] = True
        return out, fits


def _summary(scores: np.ndarray, delivered: np.ndarray) -> dict:
    row = {"psnr": float(scores[:, 0].mean()), "ms_ssim": float(scores[:, 1].mean()),
           "delivered": float(delivered.mean())}
    if not np.isnan(scores[:, 2]).any():
        row["accuracy"] = float(scores[:, 2].mean())
    return row


def digital_curves(scores: SourceScores, symbols: int, codecs, snrs, bler: dict, design_snrs, seed: int) -> list:
    """Each codec (headers counted / known) at each design SNR's MCS over every channel SNR."""
    rng = np.random.default_rng(seed)
    curves = []
    for design in design_snrs:
        mcs = choose_mcs(design, bler)
        plan = plan_block(symbols, mcs)
        outcomes = {snr: block_outcomes(symbols, mcs, snr, len(scores.images), rng) for snr in snrs}
        for codec in codecs:
            for known in (False, True):
                quality, fits = scores.at_budget(codec, plan.capacity_bytes, known)
                rows = []
                for snr in snrs:
                    ok = outcomes[snr] & fits
                    rows.append({"snr_db": float(snr), "bler": float(1 - outcomes[snr].mean()),
                                 **_summary(np.where(ok[:, None], quality, scores.lost), ok)})
                curves.append({"codec": codec, "headers_known": known, "design_snr_db": design, "mcs": mcs.name,
                               "budget_bytes": plan.capacity_bytes, "fits": float(fits.mean()), "results": rows})
                print(f"  {codec:<5} {'known' if known else 'counted':<7} design {design:4.1f} dB {mcs.name:<11} "
                      + " ".join(f"{r['snr_db']:g}:{r['psnr']:.1f}" for r in rows), flush=True)
    return curves


def envelope(scores: SourceScores, symbols: int, codecs, snrs, bler: dict) -> dict:
    """Per header convention, the best expected PSNR over codec x MCS at each SNR (BLER from the table)."""
    out = {}
    for known in (False, True):
        qualities = {(mcs.name, codec): scores.at_budget(codec, plan_block(symbols, mcs).capacity_bytes, known)[0]
                     for mcs in MCS_TABLE for codec in codecs}  # the same at every SNR
        rows = []
        for snr in snrs:
            best = None
            for mcs in MCS_TABLE:
                curve = bler.get(mcs.name, {})
                keys = sorted(curve, key=float)
                failure = float(np.interp(snr, [float(k) for k in keys], [curve[k] for k in keys])) if keys else 1.0
                for codec in codecs:
                    expected = (1 - failure) * qualities[(mcs.name, codec)] + failure * scores.lost
                    psnr = float(expected[:, 0].mean())
                    if best is None or psnr > best["psnr"]:
                        best = {"snr_db": float(snr), "codec": codec, "mcs": mcs.name, "bler": failure,
                                "psnr": psnr, "ms_ssim": float(expected[:, 1].mean())}
                        if not np.isnan(expected[:, 2]).any():
                            best["accuracy"] = float(expected[:, 2].mean())
            rows.append(best)
        out["known" if known else "counted"] = rows
    return out


def capacity_reference(images: np.ndarray, k_over_n: float, snrs, scores: SourceScores) -> list:
    """WebP at the Shannon rate (an ideal channel code): an image that does not fit is the mean image."""
    height, width = images.shape[1:3]
    budgets = [capacity_bytes(height, width, k_over_n, snr) for snr in snrs]
    decoded = [compress_to_budgets(image, budgets, "webp") for image in images]
    rows = []
    for j, snr in enumerate(snrs):
        kept = np.array([d[j] is not None for d in decoded])
        pixels = torch.from_numpy(np.stack([d[j] if d[j] is not None else np.zeros_like(images[0])
                                            for d in decoded])).permute(0, 3, 1, 2).float() / 255
        quality = scores.score(np.arange(len(images)), pixels)
        rows.append({"snr_db": float(snr), "budget_bytes": budgets[j],
                     **_summary(np.where(kept[:, None], quality, scores.lost), kept)})
    return rows


def analog_curves(models, dataset, snrs, task) -> list:
    curves = []
    for name in models:
        model, _ = load_model(resolve_model(name))
        report = evaluate(model, dataset, "awgn", snrs, task=task)
        curves.append({"model": Path(name).stem, "k_over_n": model.k_over_n, "results": report["results"]})
        print(f"  {Path(name).stem:<26} " + " ".join(f"{r['snr_db']:g}:{r['psnr']:.1f}" for r in report["results"]),
              flush=True)
    return curves


def flowgraph_check(data: str, bler: dict, symbols: int, design_snr: float = 10.0, codec: str = "webp",
                    k_over_n: float = 1 / 6, images: int = 100) -> dict:
    """The design MCS on its waterfall (0.5 dB either side of where the table's BLER falls below 0.5), through
    the loopback flowgraph and its offline twin with the same impairments (CFO 1e-3, 20 ppm clock): the share
    of images lost to a failed codeword in each, and the AWGN table's BLER at that SNR."""
    from semjscc.link import load_link_codec
    from semjscc.link.loopback import simulate_link
    from semjscc.run.loopback import run_loopback

    mcs = choose_mcs(design_snr, bler)
    curve = {float(snr): value for snr, value in bler[mcs.name].items()}
    middle = min(snr for snr, value in curve.items() if value < 0.5)
    spec = DigitalCodec(codec, mcs, k_over_n).spec
    test_spec = f"{data.split(':')[0]}:test:{images}"
    dataset = load_dataset(test_spec)
    impairments = {"cfo": 0.001, "epsilon": 1.00002}
    rows = []
    for snr in (middle - 0.5, middle, middle + 0.5):
        seed = int(snr * 10)
        flowgraph = run_loopback(spec, test_spec, snr, seed=seed,
                                 out="out/cliff_flowgraph", device="cpu", timeout_s=600, save_images=False,
                                 **impairments)
        offline = simulate_link(load_link_codec(spec, "cpu"), dataset, snr, seed=seed + 1, **impairments)
        losses = [report.get("images_lost", {}).get("codeword", 0) / report["images_sent"]
                  for report in (flowgraph, offline)]
        table = float(10 ** np.interp(snr, sorted(curve), np.log10([max(curve[s], 1e-4) for s in sorted(curve)])))
        spread = 2 * math.sqrt(max(sum(losses) / 2 * (1 - sum(losses) / 2), 1 / images) * 2 / images)
        rows.append({"snr_db": snr, "images": images, "bler_flowgraph": losses[0], "bler_offline": losses[1],
                     "bler_awgn_table": table, "two_sigma": spread,
                     "within_two_sigma": abs(losses[0] - losses[1]) <= spread,
                     "accounted": flowgraph["accounted"] and offline["accounted"],
                     "snr_est_db": flowgraph["snr_est_db"]})
        print(f"  {mcs.name} at {snr:g} dB: block loss flowgraph {losses[0]:.3f}, offline {losses[1]:.3f} "
              f"(2 sigma {spread:.3f}); AWGN table {table:.3f}", flush=True)
    return {"mcs": mcs.name, "codec": codec, "k_over_n": k_over_n, "impairments": impairments, "rows": rows}


def run_cliff(out: Path, data: str = "cifar10:test:200", ratios=("1/12", "1/6"), codecs=("hevc", "avif", "webp",
              "jpeg"), snrs=SNRS, design_snrs=DESIGN_SNRS, task_model: str = "task_resnet", flowgraph: bool = True,
              seed: int = 0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(data)
    images = np.asarray(dataset.images)
    task = load_task_model(resolve_model(task_model)) if task_model and dataset.labels is not None else None
    scores = SourceScores(images, dataset.labels, task)
    analog = {"1/6": ["adaptive_awgn_kn1-6", "semimp_awgn_kn1-6"], "1/12": ["adaptive_awgn_kn1-12",
                                                                             "semimp_awgn_kn1-12"]}
    report = {"data": data, "images": len(images), "snrs": [float(s) for s in snrs], "ratios": {}}
    for ratio in ratios:
        k_over_n = parse_ratio(ratio)
        symbols = symbol_count(images.shape[1], images.shape[2], k_over_n)
        print(f"k/n = {ratio}: {symbols} symbols per image; the MCS table", flush=True)
        bler = bler_table(symbols, seed=seed)
        entry = {"symbols_per_image": symbols, "bler": bler}
        entry["digital"] = digital_curves(scores, symbols, codecs, snrs, bler, design_snrs, seed)
        entry["envelope"] = envelope(scores, symbols, codecs, snrs, bler)
        entry["capacity_webp"] = capacity_reference(images, k_over_n, snrs, scores)
        entry["analog"] = analog_curves([m for m in analog.get(ratio, []) if (models_dir() / f"{m}.pt").is_file()],
                                        dataset, snrs, task)
        report["ratios"][ratio] = entry
        (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    write_bler_tables(report, out / "bler_awgn.json")
    plot_cliff(report, out / "cliff.png")
    if flowgraph:
        report = add_flowgraph_check(out)
    return report


def add_flowgraph_check(out: Path) -> dict:
    """Step 6 on the tables of an earlier run (``cliff.json`` in ``out``), added to it."""
    report = json.loads((out / "cliff.json").read_text())
    entry = report["ratios"]["1/6"]
    report["flowgraph"] = flowgraph_check(report["data"], entry["bler"], entry["symbols_per_image"])
    (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def write_bler_tables(report: dict, path: Path) -> None:
    """{symbols per block: {MCS: {SNR: BLER}}}: what ``--mcs auto`` reads (ship it as ``digital/bler_awgn.json``)."""
    tables = {str(entry["symbols_per_image"]): entry["bler"] for entry in report["ratios"].values()}
    path.write_text(json.dumps(tables, indent=1) + "\n")


def plot_cliff(report: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratios = list(report["ratios"])
    fig, axes = plt.subplots(1, len(ratios), figsize=(6.5 * len(ratios), 4.8), squeeze=False)
    for axis, ratio in zip(axes[0], ratios):
        entry = report["ratios"][ratio]
        for curve in entry["analog"]:
            axis.plot([r["snr_db"] for r in curve["results"]], [r["psnr"] for r in curve["results"]], "-o",
                      lw=2, ms=3, label=curve["model"])
        for curve in entry["digital"]:
            if curve["codec"] == "hevc" and curve["headers_known"]:
                axis.plot([r["snr_db"] for r in curve["results"]], [r["psnr"] for r in curve["results"]], ":",
                          lw=1, label=f"HEVC+LDPC {curve['mcs']} (design {curve['design_snr_db']:g} dB)")
        for key, style in (("known", "k--"), ("counted", "k-.")):
            rows = entry["envelope"][key]
            axis.plot([r["snr_db"] for r in rows], [r["psnr"] for r in rows], style, lw=1.5,
                      label=f"digital envelope (headers {key})")
        rows = entry["capacity_webp"]
        axis.plot([r["snr_db"] for r in rows], [r["psnr"] for r in rows], "x-", color="0.5", lw=1,
                  label="WebP at capacity (headers counted)")
        axis.set_title(f"CIFAR-10, k/n = {ratio}, AWGN")
        axis.set_xlabel("Es/N0 (dB)")
        axis.set_ylabel("PSNR (dB)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
