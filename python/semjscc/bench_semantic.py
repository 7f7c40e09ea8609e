"""Task accuracy against SNR: JSCC models (plain, semantic-importance, TOSC-SR) and the digital baseline.

``semjscc bench semantic`` writes ``semantic_kn<N>.json`` and a figure per
bandwidth ratio.  Accuracy is top-1 of the receiver's task network on the
decoded images; ``accuracy_unseen`` uses a classifier no codec trained with.
"""

import json
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.evaluation import evaluate
from semjscc.metrics import psnr_per_image
from semjscc.paths import resolve_model
from semjscc.semantic.digital import capacity_bytes, compress_to_budget
from semjscc.semantic.task_models import load_task_model


@torch.no_grad()
def digital_accuracy(dataset, k_over_n: float, snrs, task, unseen=None, codec: str = "webp") -> dict:
    rows = []
    labels = torch.as_tensor(dataset.labels)
    for snr in snrs:
        budget = capacity_bytes(32, 32, k_over_n, snr)
        decoded = [compress_to_budget(image, budget, codec) for image in dataset.images]
        delivered = np.array([d is not None for d in decoded])
        row = {"snr_db": float(snr), "budget_bytes": budget, "delivered": float(delivered.mean())}
        if delivered.any():
            ref = torch.from_numpy(dataset.images[delivered]).permute(0, 3, 1, 2).float() / 255
            dec = torch.from_numpy(np.stack([d for d in decoded if d is not None])).permute(0, 3, 1, 2).float() / 255
            row["psnr_delivered"] = float(psnr_per_image(ref, dec).mean())
            for name, net in (("accuracy", task), ("accuracy_unseen", unseen)):
                if net is not None:
                    hits = (net(dec).argmax(dim=1) == labels[delivered]).float().sum()
                    row[name] = float(hits / len(dataset))  # a lost image counts as misclassified
        else:
            row.update(accuracy=0.0, **({"accuracy_unseen": 0.0} if unseen is not None else {}))
        rows.append(row)
    return {"model": f"digital ({codec} at capacity)", "k_over_n": k_over_n, "results": rows}


def run_semantic_bench(out: str, models: list, task_model: str, unseen_model: str, data: str, snrs,
                       codec: str = "webp") -> list:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(data)
    task = load_task_model(resolve_model(task_model))
    unseen = load_task_model(resolve_model(unseen_model)) if unseen_model else None
    reports = []
    for name in models:
        model, payload = load_model(resolve_model(name))
        report = evaluate(model, dataset, "awgn", snrs, task=task, unseen=unseen)
        report.update(model=name, family=payload["meta"].get("family"))
        reports.append(report)
        print(name, [(r["snr_db"], round(r["accuracy"], 4), round(r["psnr"], 2)) for r in report["results"]],
              flush=True)
    for ratio in sorted({r["k_over_n"] for r in reports}):
        group = [r for r in reports if r["k_over_n"] == ratio] + [digital_accuracy(dataset, ratio, snrs, task,
                                                                                   unseen, codec)]
        tag = round(1 / ratio)
        (out / f"semantic_kn{tag}.json").write_text(json.dumps({"data": data, "reports": group}, indent=2) + "\n")
        plot_accuracy(group, out / f"semantic_kn{tag}.png", f"k/n = {ratio_label(ratio)}, {data}")
    return reports


def plot_accuracy(reports: list, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for report in reports:
        snr = [r["snr_db"] for r in report["results"]]
        ax.plot(snr, [r["accuracy"] for r in report["results"]], marker="o", label=report["model"])
    ax.set_xlabel("SNR (dB)")
    ax.set_ylabel("top-1 accuracy of the receiver's classifier")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def importance_figure(task_model: str, data: str, layer: str, path: Path, count: int = 8) -> None:
    """Images above their importance maps (element weights summed over channels, upsampled)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch.nn.functional as F

    from semjscc.semantic.importance import importance_weights

    task = load_task_model(resolve_model(task_model))
    dataset = load_dataset(data).subset(count)
    images = torch.from_numpy(np.ascontiguousarray(dataset.images)).permute(0, 3, 1, 2).float() / 255
    weights, _ = importance_weights(task, images, layer, norm="max")
    maps = F.interpolate(weights.sum(dim=1, keepdim=True), size=images.shape[-2:], mode="bilinear")[:, 0]
    fig, axes = plt.subplots(2, count, figsize=(1.6 * count, 3.4))
    for i in range(count):
        axes[0, i].imshow(dataset.images[i])
        axes[1, i].imshow(maps[i].numpy(), cmap="inferno")
        for ax in axes[:, i]:
            ax.axis("off")
    fig.suptitle(f"semantic importance at {layer} ({task_model})", fontsize=9)
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
