"""Rate against task accuracy and PSNR: RL-ASC's allocation against fixed rates, a heuristic, a random
control, the per-image oracle and the digital reference (``semjscc bench rate``).

One JSON and one figure per SNR (``rate_snr<N>.json`` / ``.png``): each curve is a list of points
(mean k/n, accuracy, PSNR).  The paper's claim is measured as the channel uses each scheme needs to
reach a target accuracy (90 % of the classifier's accuracy on the clean images, and a lower one),
read off its curve by linear interpolation; ``fewer_uses_than_semantic_jscc`` is, for each trained allocator,
the ratio of the fixed-rate semantic codec's channel uses to its own.
"""

import json
from fractions import Fraction
from pathlib import Path

import numpy as np
import torch

from semjscc.bench.semantic import digital_accuracy
from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.data.metrics import psnr_per_image, quantize, ssim_per_image
from semjscc.evaluate.quality import evaluate
from semjscc.semantic.agent import load_policy
from semjscc.semantic.allocation import build_allocator
from semjscc.semantic.task_models import dataset_accuracy, load_task_model
from semjscc.store.paths import resolve_model
from semjscc.train.trainer import to_tensor


# the trained allocators: a per-image policy alone, its budgets shared out by importance, the per-concept agent
LEARNED = ("per-image policy", "per-image policy + importance", "per-concept agent")


def _point(report: dict, label: str, **extra) -> dict:
    row = report["results"][0]
    return {"label": label, "k_over_n": row.get("mean_k_over_n", report["k_over_n"]),
            "accuracy": row["accuracy"], "psnr": row["psnr"], **extra}


def allocation_curve(codec, dataset, snr: float, task, specs: list, name: str, model_name: str) -> dict:
    points = []
    for spec in specs:
        allocator = build_allocator(spec, codec)
        report = evaluate(codec, dataset, "awgn", [snr], seed=1, task=task, image_quality=False, allocator=allocator)
        points.append(_point(report, spec))
    return {"name": name, "model": model_name, "points": points}


def fixed_rate_curve(models: list, dataset, snr: float, task, name: str) -> dict:
    points = []
    for model_name in models:
        model, _ = load_model(resolve_model(model_name))
        points.append(_point(evaluate(model, dataset, "awgn", [snr], seed=1, task=task, image_quality=False),
                             model_name))
    return {"name": name, "points": sorted(points, key=lambda p: p["k_over_n"])}


@torch.no_grad()
def oracle_curve(codec, dataset, snr: float, task, prices, perceptual: float = 2.0) -> dict:
    """Each image at the budget that maximises its own utility log p(label) + perceptual*SSIM - price*depth
    share, knowing the label and the noise (an upper reference no transmitter can reach)."""
    images = to_tensor(dataset.images)
    labels = torch.as_tensor(dataset.labels)
    torch.manual_seed(1)
    grid = codec.concepts(*images.shape[-2:])
    snr_t = torch.full((len(images),), float(snr))
    latent = codec.encoder_net(images, snr_t)
    full = codec.symbols_from_latent(latent, codec.full_depth(len(images), *images.shape[-2:]))
    noise = (torch.randn(full.shape, dtype=torch.complex64)) * 10 ** (-snr / 20)
    utility, hits, psnrs = [], [], []
    for depth in range(1, codec.groups + 1):
        depths = torch.full((len(images), *grid), depth)
        decoded = quantize(codec.decode(codec.symbols_from_latent(latent, depths) + noise, images.shape[-2:],
                                        snr_t, depth=depths))
        logits = task(decoded)
        log_p = torch.log_softmax(logits, dim=1).gather(1, labels[:, None])[:, 0]
        utility.append(log_p + perceptual * ssim_per_image(images, decoded))
        hits.append((logits.argmax(1) == labels).float())
        psnrs.append(psnr_per_image(images, decoded))
    utility, hits, psnrs = torch.stack(utility, 1), torch.stack(hits, 1), torch.stack(psnrs, 1)
    share = torch.arange(1, codec.groups + 1).float() / codec.groups
    points = []
    for price in prices:
        choice = (utility - price * share).argmax(dim=1)
        pick = torch.arange(len(images))
        points.append({"label": f"price {price:g}", "k_over_n": float(share[choice].mean() * codec.k_over_n),
                       "accuracy": float(hits[pick, choice].mean()), "psnr": float(psnrs[pick, choice].mean())})
    return {"name": "oracle (best budget per image)", "points": sorted(points, key=lambda p: p["k_over_n"])}


def uses_for_accuracy(points: list, target: float):
    """The smallest mean k/n at which the curve reaches ``target`` accuracy (linear between points), or None."""
    points = sorted(points, key=lambda p: p["k_over_n"])
    for low, high in zip([None] + points[:-1], points):
        if high["accuracy"] >= target:
            if low is None or low["accuracy"] >= target:
                return high["k_over_n"] if low is None else low["k_over_n"]
            step = (target - low["accuracy"]) / (high["accuracy"] - low["accuracy"])
            return low["k_over_n"] + step * (high["k_over_n"] - low["k_over_n"])
    return None


def claim(curves: list, clean_accuracy: float) -> dict:
    by_name = {curve["name"]: curve["points"] for curve in curves}
    rows = {}
    for fraction in (0.9, 0.8, 0.7):
        target = fraction * clean_accuracy
        uses = {name: uses_for_accuracy(points, target) for name, points in by_name.items()}
        semantic = uses.get("fixed-rate semantic JSCC")
        rows[f"{fraction:.0%} of clean"] = {
            "target_accuracy": round(target, 4), "k_over_n_needed": uses,
            "fewer_uses_than_semantic_jscc": {name: (semantic / uses[name]) if semantic and uses[name] else None
                                              for name in LEARNED if name in uses}}
    return rows


def run_rate_bench(out: str, codec_name: str, policies: list, data: str = "cifar10:test", snrs=(0.0, 5.0, 10.0),
                   task_model: str = "task_resnet", fixed=("adaptive_awgn_kn1-12", "adaptive_awgn_kn1-6"),
                   semantic=("semimp_awgn_kn1-12", "semimp_awgn_kn1-6"), digital_codec: str = "webp") -> list:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    codec, _ = load_model(resolve_model(codec_name))
    task = load_task_model(resolve_model(task_model))
    dataset = load_dataset(data)
    clean = dataset_accuracy(task, dataset)
    budgets = [ratio_label(codec.k_over_n * d / codec.groups) for d in range(1, codec.groups + 1)]
    means = budgets[:-1]
    modes = {path: load_policy(resolve_model(path))[0].mode for path in policies}
    middle = means[len(means) // 2]
    shown = {f"importance {middle}": f"importance:{middle}", f"random {middle}": f"random:{middle}",
             **{f"agent {Path(path).stem}": f"policy:{path}" for path, kind in modes.items() if kind == "concept"}}
    plot_allocation_maps(codec, task, dataset, {name: build_allocator(spec, codec) for name, spec in shown.items()},
                         out / "allocation_maps.png")
    reports = []
    for snr in snrs:
        curves = [
            allocation_curve(codec, dataset, snr, task, budgets, "rate-adaptive, one budget for all", codec_name),
            fixed_rate_curve(list(fixed), dataset, snr, task, "fixed-rate JSCC"),
            fixed_rate_curve(list(semantic), dataset, snr, task, "fixed-rate semantic JSCC"),
            allocation_curve(codec, dataset, snr, task, [f"importance:{m}" for m in means],
                             "heuristic (depth by importance)", codec_name),
            allocation_curve(codec, dataset, snr, task, [f"random:{m}" for m in means], "random control", codec_name),
            oracle_curve(codec, dataset, snr, task, prices=(0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)),
        ]
        for mode, name, kind in (("image", LEARNED[0], "policy"), ("image", LEARNED[1], "policy+importance"),
                                 ("concept", LEARNED[2], "policy")):
            chosen = [f"{kind}:{path}" for path, policy_mode in modes.items() if policy_mode == mode]
            if chosen:
                curves.append(allocation_curve(codec, dataset, snr, task, chosen, name, codec_name))
        digital = [digital_accuracy(dataset, float(Fraction(r)), [snr], task, codec=digital_codec) for r in budgets]
        curves.append({"name": f"digital ({digital_codec} at capacity)", "points": [
            {"label": ratio_label(d["k_over_n"]), "k_over_n": d["k_over_n"], "accuracy": d["results"][0]["accuracy"],
             "psnr": d["results"][0].get("psnr_delivered")} for d in digital]})
        report = {"snr_db": snr, "data": data, "n_images": len(dataset), "codec": codec_name,
                  "task_model": task_model, "clean_accuracy": clean, "curves": curves,
                  "channel_uses_for_accuracy": claim(curves, clean)}
        path = out / f"rate_snr{snr:g}.json"
        path.write_text(json.dumps(report, indent=2) + "\n")
        plot_rate(report, path.with_suffix(".png"))
        reports.append(report)
    return reports


def plot_rate(report: dict, path: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    with figure(path, 1, 2, figsize=(12, 4.5)) as (_, axes):
        for curve in report["curves"]:
            points = [p for p in curve["points"] if p["accuracy"] is not None]
            x = [p["k_over_n"] for p in points]
            style = "--" if "oracle" in curve["name"] or "digital" in curve["name"] else "-"
            axes[0].plot(x, [p["accuracy"] for p in points], style, marker="o", label=curve["name"])
            axes[1].plot(x, [p["psnr"] if p["psnr"] is not None else np.nan for p in points], style, marker="o",
                         label=curve["name"])
        axes[0].axhline(0.9 * report["clean_accuracy"], color="grey", lw=0.8, ls=":")
        label_axes(axes[0], "mean k/n (channel uses per source value)", "top-1 accuracy")
        label_axes(axes[1], "mean k/n (channel uses per source value)", "PSNR (dB)")
        axes[0].set_title(f"{report['data']}, AWGN {report['snr_db']:g} dB")


def plot_allocation_maps(codec, task, dataset, allocators: dict, path: Path, snr_db: float = 5.0,
                         count: int = 6) -> None:
    """Images, the task network's importance per concept, and the depth each allocator gives each concept."""
    from semjscc.evaluate.plots import figure
    from semjscc.semantic.concepts import concept_importance

    images = to_tensor(dataset.images[:count])
    grid = codec.concepts(*images.shape[-2:])
    importance = concept_importance(task, images, grid)
    depths = {name: allocator(images, snr_db, codec) for name, allocator in allocators.items()}
    columns = 2 + len(depths)
    with figure(path, count, columns, figsize=(1.9 * columns, 1.9 * count), squeeze=False) as (_, axes):
        for row in range(count):
            axes[row, 0].imshow(dataset.images[row])
            axes[row, 1].imshow(importance[row].numpy(), cmap="magma")
            for column, (name, depth) in enumerate(depths.items(), start=2):
                axes[row, column].imshow(depth[row].numpy(), cmap="viridis", vmin=0, vmax=codec.groups)
                k_over_n = codec.symbols_sent(depth[row:row + 1]).item() / (3 * images.shape[-2] * images.shape[-1])
                axes[row, column].set_xlabel(f"k/n {ratio_label(k_over_n)}", fontsize=7)
            for ax in axes[row]:
                ax.set_xticks([])
                ax.set_yticks([])
        titles = ["image", "importance", *[f"{name}\n(depth 0 dark .. {codec.groups} yellow)" for name in depths]]
        for column, title in enumerate(titles):
            axes[0, column].set_title(title, fontsize=7)
