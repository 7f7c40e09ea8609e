"""Task accuracy against SNR: JSCC models (plain, semantic-importance, TOSC-SR) and the digital baseline.

``semjscc bench semantic`` writes ``semantic_kn<N>.json`` per bandwidth ratio
and one figure of them all, ``semantic_accuracy.png``.  Accuracy is top-1 of
the receiver's task network on the decoded images; ``accuracy_unseen`` uses a
classifier no codec trained with.  Evaluations are stored under
``evaluations/`` and reused while the weights, images, SNRs, classifiers and
precision stay the same.
"""

import hashlib
import json
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.card import training_stages, write_card
from semjscc.codec.checkpoint import load_model
from semjscc.store.checkpoint import read_checkpoint
from semjscc.data import load_dataset
from semjscc.evaluate.quality import evaluate
from semjscc.data.metrics import psnr_per_image
from semjscc.store.paths import models_dir, resolve_model
from semjscc.codec.precision import mixed_precision
from semjscc.digital.capacity import capacity_bytes, compress_to_budgets
from semjscc.semantic.task_models import load_task_model
from semjscc.train.trainer import to_tensor


@torch.no_grad()
def digital_accuracy(dataset, k_over_n: float, snrs, task, unseen=None, codec: str = "webp",
                     precision: str = "fp32", chunk: int = 500) -> dict:
    """Top-1 after the image codec at each SNR's capacity; a lost image counts as misclassified."""
    height, width = dataset.images.shape[1:3]
    budgets = [capacity_bytes(height, width, k_over_n, snr) for snr in snrs]
    nets = {name: net for name, net in (("accuracy", task), ("accuracy_unseen", unseen)) if net is not None}
    labels = torch.as_tensor(dataset.labels)
    delivered, psnr_sum = np.zeros(len(snrs)), np.zeros(len(snrs))
    hits = {name: np.zeros(len(snrs)) for name in nets}
    for start in range(0, len(dataset), chunk):
        images = dataset.images[start:start + chunk]
        decoded = [compress_to_budgets(image, budgets, codec) for image in images]
        for j in range(len(snrs)):
            kept = np.array([d[j] is not None for d in decoded])
            if not kept.any():
                continue
            reference = to_tensor(images[kept])
            received = to_tensor(np.stack([d[j] for d in decoded if d[j] is not None]))
            delivered[j] += kept.sum()
            psnr_sum[j] += psnr_per_image(reference, received).sum().item()
            for name, net in nets.items():
                with mixed_precision(precision, "cpu"):
                    predicted = net(received).argmax(dim=1)
                hits[name][j] += (predicted == labels[start:start + chunk][kept]).sum().item()
    rows = []
    for j, snr in enumerate(snrs):
        row = {"snr_db": float(snr), "budget_bytes": budgets[j], "delivered": delivered[j] / len(dataset)}
        if delivered[j]:
            row["psnr_delivered"] = psnr_sum[j] / delivered[j]
        row.update({name: float(count[j] / len(dataset)) for name, count in hits.items()})
        rows.append(row)
    return {"model": f"digital ({codec} at capacity)", "k_over_n": k_over_n, "results": rows}


def stored(path: Path, key: str, compute, current: dict | None = None) -> dict:
    """``compute()``'s report, or the one stored at ``path`` under the same ``key``.

    ``current``: fields read afresh each time (what the checkpoint says of itself); they override the
    stored ones, and the file is rewritten only when they changed.
    """
    current = current or {}
    if path.is_file():
        report = json.loads(path.read_text())
        if report.get("key") == key:
            if all(report.get(name) == value for name, value in current.items()):
                return report
            report.update(current)
            path.write_text(json.dumps(report, indent=2) + "\n")
            return report
    report = dict(compute(), **current, key=key)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    return report


def evaluation_key(checkpoint: Path, data: str, snrs, task_model: str, unseen_model: str, precision: str) -> str:
    """What an evaluation depends on: the weights, the images, the SNRs, the two classifiers, the precision."""
    digest = hashlib.sha256(checkpoint.read_bytes()).hexdigest()[:16]
    return "|".join([digest, data, ",".join(f"{float(s):g}" for s in snrs), task_model, unseen_model, precision])


def evaluate_stored(name: str, dataset, data: str, snrs, classifiers: dict, store: Path,
                    precision: str = "fp32") -> dict:
    """The model's accuracy/PSNR report, reused from ``store`` when nothing it depends on changed.

    The report names the loss, its lambda and the checkpoint the model was first
    fine-tuned from (read afresh from the checkpoint, never from the store): an
    ``mse`` model with an ``init`` is an equal-budget control.
    """
    path = resolve_model(name)
    key = evaluation_key(path, data, snrs, *classifiers, precision)

    def compute():
        model, _ = load_model(path)
        task, unseen = classifiers.values()
        return evaluate(model, dataset, "awgn", snrs, task=task, unseen=unseen, precision=precision,
                        image_quality=precision == "fp32")

    return stored(store / f"{path.stem}.json", key, compute, current=training_identity(path))


def training_identity(path: Path) -> dict:
    """Loss and lambda of the latest training stage; ``init`` of the first, so that a plain model trained
    further from itself (``semjscc promote``) stays plain."""
    meta = read_checkpoint(path)["meta"]
    stages = training_stages(meta) or [{}]
    latest = stages[-1]
    loss = latest.get("loss", "mse")
    return {"model": path.stem, "family": meta.get("family"), "loss": loss,
            "semantic_weight": latest.get("semantic_weight", 0.0) if loss != "mse" else 0.0,
            "init": stages[0].get("init")}


def compare(reports: list, max_snr_db: float = 5.0) -> list:
    """Each semantic model against plain deep JSCC and the equal-budget MSE control, at SNR <= ``max_snr_db``.

    Accuracy as a ratio (the papers' "x 1.09"), PSNR as a difference in dB.
    """
    def by_snr(report):
        return {r["snr_db"]: r for r in report["results"]}

    plain = next((r for r in reports if r["loss"] == "mse" and not r.get("init")), None)
    control = next((r for r in reports if r["loss"] == "mse" and r.get("init")), None)
    rows = []
    for report in (r for r in reports if r["loss"] != "mse"):
        for snr, row in by_snr(report).items():
            if snr > max_snr_db:
                continue
            entry = {"model": report["model"], "loss": report["loss"], "lambda": report["semantic_weight"],
                     "snr_db": snr, "accuracy": row["accuracy"], "psnr": row["psnr"]}
            for tag, reference in (("plain", plain), ("control", control)):
                if reference is not None and snr in by_snr(reference):
                    ref = by_snr(reference)[snr]
                    entry[f"accuracy_x_{tag}"] = round(row["accuracy"] / max(ref["accuracy"], 1e-9), 3)
                    entry[f"psnr_minus_{tag}_db"] = round(row["psnr"] - ref["psnr"], 3)
                    if "accuracy_unseen" in row:
                        entry[f"unseen_x_{tag}"] = round(row["accuracy_unseen"] / max(ref["accuracy_unseen"], 1e-9), 3)
            rows.append(entry)
    return rows


def run_semantic_bench(out: str, models: list, task_model: str, unseen_model: str, data: str, snrs,
                       codec: str = "webp", sweep: tuple = (), update_cards: bool = True,
                       precision: str = "fp32") -> list:
    """Accuracy against SNR per bandwidth ratio (JSON + figure), the comparison, and the lambda trade-off.

    ``sweep`` adds models that only go into the trade-off curve (more lambdas at one ratio).
    Shipped models get the table, accuracy included, in their cards.  ``precision`` ``bf16`` is for
    accuracy sweeps over many images: about 3x faster, no SSIM/MS-SSIM.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(data)
    classifiers = {task_model: load_task_model(resolve_model(task_model)),
                   unseen_model: load_task_model(resolve_model(unseen_model)) if unseen_model else None}
    reports, sweep_reports = [], []
    for names, into in ((models, reports), (sweep, sweep_reports)):
        for name in names:
            report = evaluate_stored(name, dataset, data, snrs, classifiers, out / "evaluations", precision)
            into.append(report)
            if update_cards and resolve_model(name).parent.resolve() == models_dir().resolve():
                write_card(resolve_model(name), [report])
            print(report["model"], [(r["snr_db"], r["accuracy"], round(r["psnr"], 2)) for r in report["results"]],
                  flush=True)
    task, unseen = classifiers.values()
    panels = []
    for ratio in sorted({r["k_over_n"] for r in reports}):
        group = [r for r in reports if r["k_over_n"] == ratio]
        tag = round(1 / ratio)
        key = "|".join([codec, f"{ratio:.6f}", data, ",".join(f"{float(s):g}" for s in snrs), *classifiers, precision])
        digital = stored(out / "evaluations" / f"digital_{codec}_kn{tag}.json", key,
                         lambda: digital_accuracy(dataset, ratio, snrs, task, unseen, codec, precision))
        summary = {"data": data, "reports": group + [digital], "comparison": compare(group)}
        (out / f"semantic_kn{tag}.json").write_text(json.dumps(summary, indent=2) + "\n")
        panels.append((f"k/n = {ratio_label(ratio)}", group + [digital]))
        curve = [r for r in group + sweep_reports if r["k_over_n"] == ratio and (r["loss"] != "mse" or r.get("init"))]
        if sweep_reports and any(r["k_over_n"] == ratio for r in sweep_reports):
            points = tradeoff_points(curve)
            (out / f"tradeoff_kn{tag}.json").write_text(json.dumps({"data": data, "points": points}, indent=2) + "\n")
            plot_tradeoff(points, out / f"tradeoff_kn{tag}.png", f"k/n = {ratio_label(ratio)}, {data}")
    plot_accuracy(panels, out / "semantic_accuracy.png", data)
    return reports


def tradeoff_points(reports: list) -> list:
    """(loss, lambda, SNR, PSNR, accuracy) for each model and SNR; the MSE control is lambda = 0 of every loss."""
    return sorted(({"model": r["model"], "loss": r["loss"], "lambda": r["semantic_weight"], "snr_db": row["snr_db"],
                    "psnr": row["psnr"], "accuracy": row["accuracy"],
                    **({"accuracy_unseen": row["accuracy_unseen"]} if "accuracy_unseen" in row else {})}
                   for r in reports for row in r["results"]), key=lambda p: (p["loss"], p["snr_db"], p["lambda"]))


def plot_tradeoff(points: list, path: Path, title: str, snrs=(0.0, 5.0, 10.0)) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    snrs = [s for s in snrs if any(p["snr_db"] == s for p in points)]
    control = [p for p in points if p["loss"] == "mse"]
    with figure(path, 1, len(snrs), figsize=(4.2 * len(snrs), 3.8), squeeze=False) as (fig, axes):
        for ax, snr in zip(axes[0], snrs):
            for loss in sorted({p["loss"] for p in points} - {"mse"}):
                curve = [p for p in control + points if p["snr_db"] == snr and p["loss"] in ("mse", loss)]
                curve.sort(key=lambda p: p["lambda"])
                ax.plot([p["psnr"] for p in curve], [100 * p["accuracy"] for p in curve], marker="o", label=loss)
                for p in curve:
                    ax.annotate(f"{p['lambda']:g}", (p["psnr"], 100 * p["accuracy"]), fontsize=7,
                                textcoords="offset points", xytext=(3, 3))
            ax.set_title(f"SNR {snr:g} dB", fontsize=9)
            label_axes(ax, "PSNR (dB)", "top-1 accuracy (%)", title="lambda at each point", title_fontsize=7)
        fig.suptitle(f"PSNR-accuracy trade-off, {title}", fontsize=9)


def describe(report: dict) -> str:
    """A legend entry: the model and what it was trained with."""
    loss = report.get("loss")
    if loss is None:
        return report["model"]
    if loss == "mse":
        return f"{report['model']} ({'MSE control' if report.get('init') else 'plain, MSE'})"
    return f"{report['model']} ({loss}, lambda {report['semantic_weight']:g})"


def plot_accuracy(panels: list, path: Path, data: str) -> None:
    """Top-1 against SNR: a column per bandwidth ratio, a row per classifier (receiver's, unseen)."""
    from semjscc.evaluate.plots import figure, label_axes

    rows = [("accuracy", "receiver's classifier")]
    if all("accuracy_unseen" in r["results"][0] for _, reports in panels for r in reports):
        rows.append(("accuracy_unseen", "unseen classifier"))
    with figure(path, len(rows), len(panels), figsize=(8 * len(panels), 4 * len(rows)),
                squeeze=False) as (_, axes):
        for column, (title, reports) in enumerate(panels):
            for row, (key, who) in enumerate(rows):
                ax = axes[row, column]
                for report in reports:
                    ax.plot([r["snr_db"] for r in report["results"]], [100 * r[key] for r in report["results"]],
                            marker="o", label=describe(report))
                ax.set_title(f"{title}, {data}", fontsize=9)
                label_axes(ax, "SNR (dB)", f"top-1 (%), {who}", legend_size=6, outside=True)


def importance_figure(task_model: str, data: str, layer: str, path: Path, count: int = 8) -> None:
    """Images above their importance maps (element weights summed over channels, upsampled)."""
    import torch.nn.functional as F

    from semjscc.evaluate.plots import figure
    from semjscc.semantic.importance import importance_weights

    task = load_task_model(resolve_model(task_model))
    dataset = load_dataset(data).subset(count)
    images = torch.from_numpy(np.ascontiguousarray(dataset.images)).permute(0, 3, 1, 2).float() / 255
    weights, _ = importance_weights(task, images, layer, norm="max")
    maps = F.interpolate(weights.sum(dim=1, keepdim=True), size=images.shape[-2:], mode="bilinear")[:, 0]
    with figure(path, 2, count, figsize=(1.6 * count, 3.4), squeeze=False) as (fig, axes):
        for i in range(count):
            axes[0, i].imshow(dataset.images[i])
            axes[1, i].imshow(maps[i].numpy(), cmap="inferno")
            for ax in axes[:, i]:
                ax.axis("off")
        fig.suptitle(f"semantic importance at {layer} ({task_model})", fontsize=9)
