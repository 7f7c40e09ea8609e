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
6. through the loopback flowgraph (CFO, clock offset): the design-10-dB MCS at
   three SNRs on its waterfall, its block loss against the simulation's; and
   the cliff itself, the main model and WebP over each design's MCS, -5..25 dB.
"""

import json
import math
import tempfile
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.bandwidth import symbol_count
from semjscc.codec.checkpoint import load_model
from semjscc.data import ImageSet, load_dataset
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
DATASET_TITLES = {"cifar10": "CIFAR-10", "kodak": "Kodak"}


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


def block_loss(symbols: int, mcs, snr_db: float, samples: int, rng) -> tuple:
    """(share of transport blocks of ``symbols`` channel uses lost at ``snr_db``, codeword error rate).

    A block of one codeword is simulated whole, ``samples`` times.  A block of ``C`` codewords (a
    photograph's) is measured on ``samples`` codewords of its size and composed: on AWGN each codeword
    sees its own noise, and the block is lost when any is, so the loss is 1 - (1 - codeword error rate)^C."""
    plan = plan_block(symbols, mcs)
    failed = 1 - block_outcomes(plan.symbols_per_codeword, mcs, snr_db, samples, rng).mean()
    return 1 - (1 - failed) ** plan.codewords, failed


def bler_table(symbols: int, blocks: int = 100, codewords: int = 16, seed: int = 0) -> dict:
    """{MCS name: {SNR: BLER}} of a transport block of ``symbols`` channel uses, over each MCS's waterfall:
    from 1 dB below its Shannon limit in 1 dB steps with ``blocks`` blocks per SNR for one-codeword blocks;
    for longer ones (whose codewords all fail below the limit) from the limit in 0.5 dB steps, since long
    codes fall off steeply, with ``codewords`` codewords per SNR."""
    rng = np.random.default_rng(seed)
    table = {}
    for mcs in MCS_TABLE:
        several = plan_block(symbols, mcs).codewords > 1
        limit = 10 * math.log10(2 ** mcs.efficiency - 1)
        curve = {}
        start = math.floor(limit) if several else math.floor(limit) - 1
        for snr in np.arange(start, math.floor(limit) + 8, 0.5 if several else 1.0):
            loss, failed = block_loss(symbols, mcs, float(snr), codewords if several else blocks, rng)
            curve[f"{snr:g}"] = round(loss, 4)
            detail = f" (codewords {failed:.3f})" if several else ""
            print(f"  {mcs.name:<12} {snr:5.1f} dB: BLER {loss:.3f}{detail}", flush=True)
            if loss == 0 and len(curve) > 2 and list(curve.values())[-2] == 0:
                break
        table[mcs.name] = curve
    return table


def table_bler(bler: dict, mcs, snr_db: float) -> float:
    """The table's BLER of ``mcs`` at ``snr_db``, interpolated (1 where the MCS was not measured)."""
    curve = bler.get(mcs.name, {})
    keys = sorted(curve, key=float)
    return float(np.interp(snr_db, [float(k) for k in keys], [curve[k] for k in keys])) if keys else 1.0


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
    """Each codec (headers counted / known) at each design SNR's MCS over every channel SNR.

    One-codeword blocks are LDPC-decoded for real, one per image; a photograph's block (many codewords,
    seconds of belief propagation each) takes its loss probability from the table, as an expectation."""
    rng = np.random.default_rng(seed)
    curves = []
    for design in design_snrs:
        mcs = choose_mcs(design, bler)
        plan = plan_block(symbols, mcs)
        simulated = plan.codewords == 1
        if simulated:
            outcomes = {snr: block_outcomes(symbols, mcs, snr, len(scores.images), rng) for snr in snrs}
        for codec in codecs:
            for known in (False, True):
                quality, fits = scores.at_budget(codec, plan.capacity_bytes, known)
                rows = []
                for snr in snrs:
                    if simulated:
                        ok = outcomes[snr] & fits
                        rows.append({"snr_db": float(snr), "bler": float(1 - outcomes[snr].mean()),
                                     **_summary(np.where(ok[:, None], quality, scores.lost), ok)})
                    else:
                        failure = table_bler(bler, mcs, snr)
                        delivered = (1 - failure) * fits
                        rows.append({"snr_db": float(snr), "bler": failure, **_summary(
                            delivered[:, None] * quality + (1 - delivered[:, None]) * scores.lost, delivered)})
                curves.append({"codec": codec, "headers_known": known, "design_snr_db": design, "mcs": mcs.name,
                               "budget_bytes": plan.capacity_bytes, "codewords": plan.codewords,
                               "outcomes": "simulated" if simulated else "expected", "fits": float(fits.mean()),
                               "results": rows})
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
                failure = table_bler(bler, mcs, snr)
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


def first_images(data: str, count: int) -> str:
    """The spec of the first ``count`` images of ``data`` (``cifar10:test:200`` -> ``cifar10:test:100``)."""
    parts = data.split(":")
    return ":".join((parts[:-1] if parts[-1].isdigit() else parts) + [str(count)])


FLOWGRAPH_SNRS = (-5.0, 0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
FLOWGRAPH_IMPAIRMENTS = {"cfo": 0.001, "epsilon": 1.00002}  # the radio benchmark's: CFO 1e-3, 20 ppm clock


def flowgraph_check(data: str, bler: dict, design_snr: float = 10.0, codec: str = "webp", k_over_n: float = 1 / 6,
                    images: int = 300, impairments: dict = FLOWGRAPH_IMPAIRMENTS) -> dict:
    """The design MCS on its waterfall (0.5 dB either side of where the table's BLER falls below 0.5), through
    the loopback flowgraph and its offline twin with the same ``impairments``: the share of images lost to a
    failed codeword in each, and the AWGN table's BLER at that SNR."""
    from semjscc.link import load_link_codec
    from semjscc.link.loopback import simulate_link
    from semjscc.run.loopback import run_loopback

    mcs = choose_mcs(design_snr, bler)
    curve = {float(snr): value for snr, value in bler[mcs.name].items()}
    middle = min(snr for snr, value in curve.items() if value < 0.5)
    spec = DigitalCodec(codec, mcs, k_over_n).spec
    test_spec = first_images(data, images)
    dataset = load_dataset(test_spec)
    rows = []
    for snr in (middle - 0.5, middle, middle + 0.5):
        seed = int(snr * 10)
        with tempfile.TemporaryDirectory() as out:
            flowgraph = run_loopback(spec, test_spec, snr, seed=seed, out=out, device="cpu", timeout_s=600,
                                     save_images=False, **impairments)
        offline = simulate_link(load_link_codec(spec, "cpu"), dataset, snr, seed=seed + 1, **impairments)
        losses = [report.get("images_lost", {}).get("codeword", 0) / report["images_sent"]
                  for report in (flowgraph, offline)]
        table = float(10 ** np.interp(snr, sorted(curve), np.log10([max(curve[s], 1e-4) for s in sorted(curve)])))
        spread = 2 * math.sqrt(max(sum(losses) / 2 * (1 - sum(losses) / 2), 1 / images) * 2 / images)
        rows.append({"snr_db": snr, "images": images, "bler_flowgraph": losses[0], "bler_offline": losses[1],
                     "bler_awgn_table": table, "two_sigma": spread,
                     "within_two_sigma": abs(losses[0] - losses[1]) <= spread,
                     "accounted": flowgraph["accounted"] and offline["accounted"],
                     "snr_est_db": flowgraph["snr_est_db"], "snr_est_db_offline": offline["snr_est_db"]})
        print(f"  {mcs.name} at {snr:g} dB: block loss flowgraph {losses[0]:.3f}, offline {losses[1]:.3f} "
              f"(2 sigma {spread:.3f}); AWGN table {table:.3f}", flush=True)
    return {"mcs": mcs.name, "codec": codec, "k_over_n": k_over_n, "impairments": impairments, "rows": rows}


def cliff_folder(data: str) -> str:
    """``cliff`` for CIFAR-10 (the headline), ``cliff_<set>`` for another set (``cliff_kodak``)."""
    name = data.split(":")[0]
    return "cliff" if name == "cifar10" else f"cliff_{name}"


def landscape(dataset: ImageSet) -> ImageSet:
    """The set as one array, portrait images turned a quarter (Kodak mixes both; every image then has the
    same symbols, and the codecs see the same pixels)."""
    if dataset.uniform:
        return dataset
    wide = max(max(image.shape[:2]) for image in dataset.images)
    turned = [image if image.shape[1] == wide else np.rot90(image) for image in dataset.images]
    return ImageSet(dataset.name, np.ascontiguousarray(np.stack(turned)), dataset.labels, dataset.class_names,
                    dataset.names)


def run_cliff(out: Path, data: str = "cifar10:test:200", ratios=("1/12", "1/6"), codecs=("hevc", "avif", "webp",
              "jpeg"), snrs=SNRS, design_snrs=DESIGN_SNRS, task_model: str = "task_resnet", flowgraph: bool = True,
              seed: int = 0) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    dataset = landscape(load_dataset(data))
    images = dataset.images
    task = load_task_model(resolve_model(task_model)) if task_model and dataset.labels is not None else None
    scores = SourceScores(images, dataset.labels, task)
    report = {"data": data, "dataset": dataset.name, "images": len(images), "snrs": [float(s) for s in snrs],
              "ratios": {}}
    for ratio in ratios:
        k_over_n = parse_ratio(ratio)
        symbols = symbol_count(images.shape[1], images.shape[2], k_over_n)
        print(f"k/n = {ratio}: {symbols} symbols per image; the MCS table", flush=True)
        bler = bler_table(symbols, seed=seed)
        entry = {"symbols_per_image": symbols, "bler": bler}
        entry["digital"] = digital_curves(scores, symbols, codecs, snrs, bler, design_snrs, seed)
        entry["envelope"] = envelope(scores, symbols, codecs, snrs, bler)
        entry["capacity_webp"] = capacity_reference(images, k_over_n, snrs, scores)
        label = ratio.replace("/", "-")
        models = [f"adaptive_awgn_kn{label}"] + ([f"semimp_awgn_kn{label}"] if task is not None else [])
        entry["analog"] = analog_curves([m for m in models if (models_dir() / f"{m}.pt").is_file()], dataset, snrs,
                                        task)
        report["ratios"][ratio] = entry
        (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    write_bler_tables(report, out / "bler_awgn.json")
    plot_cliff(report, out / "cliff.png")
    if flowgraph:
        report = add_flowgraph_results(out)
    return report


def flowgraph_curves(data: str, ratio: str, bler: dict, snrs=FLOWGRAPH_SNRS, images: int = 100,
                     design_snrs=DESIGN_SNRS) -> list:
    """The cliff through the loopback flowgraph, with the usual impairments: the main analog model and WebP
    with its files counted whole (what the radio carries: an HEVC file's headers do not fit a CIFAR-10 block)
    over each design SNR's MCS, at every SNR.  PSNR is over the images sent: one the receiver never
    delivers (frame missed, codeword failed) counts as the mean image, as in the simulated curves."""
    from semjscc.gr.image_sink import ROWS_FILE
    from semjscc.run.loopback import run_loopback

    test_spec = first_images(data, images)
    dataset = load_dataset(test_spec)
    references = np.asarray(dataset.images)
    lost = SourceScores(references, None, None).lost[:, 0]
    k_over_n = parse_ratio(ratio)
    configs = [(f"adaptive_awgn_kn{ratio.replace('/', '-')}", None)]
    for design in design_snrs:
        spec = DigitalCodec("webp", choose_mcs(design, bler), k_over_n).spec
        if spec not in [name for name, _ in configs]:
            configs.append((spec, design))
    curves = []
    for spec, design in configs:
        rows = []
        for snr in snrs:
            with tempfile.TemporaryDirectory() as out:
                report = run_loopback(spec, test_spec, snr, seed=int(snr * 10) + 500, out=out, device="cpu",
                                      timeout_s=600, save_images=False, **FLOWGRAPH_IMPAIRMENTS)
                rows_path = Path(out) / ROWS_FILE
                delivered = {row["image_id"]: row for row in map(json.loads, rows_path.open()) if "psnr" in row
                             } if rows_path.is_file() else {}
            psnr = [delivered[i]["psnr"] if i in delivered and "lost" not in delivered[i] else lost[i]
                    for i in range(len(references))]
            rows.append({"snr_db": snr, "psnr": float(np.mean(psnr)),
                         "delivered": sum("lost" not in row for row in delivered.values()) / len(references),
                         "snr_est_db": report["snr_est_db"], "accounted": report["accounted"],
                         "sim_psnr": report.get("sim_psnr")})
            print(f"  flowgraph {spec:<28} {snr:5.1f} dB: PSNR {rows[-1]['psnr']:.2f} dB, "
                  f"{rows[-1]['delivered']:.0%} delivered", flush=True)
        curves.append({"spec": spec, "design_snr_db": design, "images": len(references), "results": rows})
    return curves


def add_flowgraph_results(out: Path) -> dict:
    """Step 6 on the tables of an earlier run (``cliff.json`` in ``out``), added to it: the BLER check at
    1/6 (with the CFO alone, then with the clock offset as well) and each ratio's cliff through the flowgraph."""
    report = json.loads((out / "cliff.json").read_text())
    bler = report["ratios"]["1/6"]["bler"]
    report["flowgraph"] = [flowgraph_check(report["data"], bler, impairments={"cfo": FLOWGRAPH_IMPAIRMENTS["cfo"]}),
                           flowgraph_check(report["data"], bler)]
    (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    for ratio, entry in report["ratios"].items():
        entry["flowgraph"] = {"impairments": FLOWGRAPH_IMPAIRMENTS,
                              "curves": flowgraph_curves(report["data"], ratio, entry["bler"])}
        (out / "cliff.json").write_text(json.dumps(report, indent=1) + "\n")
    plot_cliff(report, out / "cliff.png")
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
        for curve in entry.get("flowgraph", {}).get("curves", []):
            analog = curve["design_snr_db"] is None
            axis.plot([r["snr_db"] for r in curve["results"]], [r["psnr"] for r in curve["results"]],
                      "s-" if analog else "^--", ms=5 if analog else 4, lw=1, mfc="none",
                      color="tab:blue" if analog else "tab:red", alpha=1.0 if analog else 0.6,
                      label=f"{curve['spec']} through the flowgraph")
        rows = entry["capacity_webp"]
        axis.plot([r["snr_db"] for r in rows], [r["psnr"] for r in rows], "x-", color="0.5", lw=1,
                  label="WebP at capacity (headers counted)")
        name = report.get("dataset", "cifar10")
        axis.set_title(f"{DATASET_TITLES.get(name, name)}, k/n = {ratio}, AWGN")
        axis.set_xlabel("Es/N0 (dB)")
        axis.set_ylabel("PSNR (dB)")
        axis.grid(alpha=0.3)
        axis.legend(fontsize=6, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
