"""Generative (GAN) decoders against the MSE decoders of the same encoders: ``semjscc bench gan``.

For each shipped decoder of family ``gan-decoder`` and the codec whose encoder it keeps, on the same
images, channel noise and SNRs: PSNR, MS-SSIM, the receiver's and the unseen classifier's top-1, and
the distance of the decoded images from the originals in each classifier's feature space (KID, the
headline, and the Frechet distance; ``semantic.feature_distance`` says why not Inception's); decoder
speed at batch 1 and 64; the issue's targets checked at the low SNRs.  ``--curve-dir`` measures the
distortion-perception curve of decoders trained at several adversarial weights (``scripts/train_models.sh
gan-curve``; they do not ship, so the curve is kept in ``gan_curve.json`` for later runs).  Writes
``gan.json``, ``gan_curve.json``, ``gan.png`` (metrics + curve) and ``gallery.png``.
"""

import json
import time
from pathlib import Path

import numpy as np
import torch

from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.card import write_card
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.evaluate.plots import figure, label_axes
from semjscc.evaluate.quality import evaluate, pad_to_multiple
from semjscc.semantic.task_models import load_task_model
from semjscc.store.checkpoint import read_checkpoint
from semjscc.store.paths import resolve_model, shipped_index
from semjscc.train.trainer import to_tensor

TARGET_SNRS = (0.0, 5.0)
KID_REDUCTION = 0.30  # the GAN decoder's KID at least 30 % below the MSE decoder's
MS_SSIM_SLACK = 0.01
SPEED_RATIO = 2.0


def gan_decoders() -> list:
    return [entry["name"] for entry in shipped_index() if entry["family"] == "gan-decoder"]


@torch.no_grad()
def decoder_speed(model, batch: int, repeats: int = 5) -> float:
    """Decoded CIFAR-10 images per second at ``batch`` (inference mode, the threads torch has)."""
    images = torch.rand(batch, 3, 32, 32)
    symbols = model.encode(images, 5.0)
    with torch.inference_mode():
        model.decode(symbols, (32, 32), 5.0)
        started = time.perf_counter()
        for _ in range(repeats):
            model.decode(symbols, (32, 32), 5.0)
    return batch * repeats / (time.perf_counter() - started)


def target_checks(gan_rows: list, mse_rows: list, speed_ratio: dict) -> dict:
    """The issue's targets at each low SNR: KID, MS-SSIM, both accuracies, and the decoder speed."""
    by_snr = {row["snr_db"]: row for row in mse_rows}
    checks = {}
    for row in gan_rows:
        if row["snr_db"] not in TARGET_SNRS:
            continue
        mse = by_snr[row["snr_db"]]
        reduction = 1 - row["kid_unseen"] / mse["kid_unseen"] if mse["kid_unseen"] > 0 else 0.0
        checks[f"{row['snr_db']:g}dB"] = {
            "kid_unseen_reduction": round(reduction, 3), "kid_met": reduction >= KID_REDUCTION,
            "ms_ssim_change": round(row["ms_ssim"] - mse["ms_ssim"], 4),
            "ms_ssim_met": row["ms_ssim"] >= mse["ms_ssim"] - MS_SSIM_SLACK,
            "accuracy_change": round(row["accuracy"] - mse["accuracy"], 4),
            "accuracy_unseen_change": round(row["accuracy_unseen"] - mse["accuracy_unseen"], 4),
            "accuracy_met": row["accuracy"] >= mse["accuracy"] and row["accuracy_unseen"] >= mse["accuracy_unseen"],
            "psnr_cost_db": round(mse["psnr"] - row["psnr"], 3),
        }
    checks["speed_met"] = all(ratio <= SPEED_RATIO for ratio in speed_ratio.values())
    return checks


def compare(gan_name: str, dataset, snrs, task, unseen, update_card: bool = True) -> dict:
    """One GAN decoder against the MSE decoder of its encoder (its measured table goes into its card)."""
    path = resolve_model(gan_name)
    gan, payload = load_model(path)
    encoder = payload["meta"]["encoder"]
    mse, _ = load_model(resolve_model(encoder))
    reports = {}
    for label, model in (("mse", mse), ("gan", gan)):
        report = evaluate(model, dataset, "awgn", snrs, seed=0, task=task, unseen=unseen)
        if label == "gan" and update_card:
            write_card(path, [report])
        reports[label] = report["results"]
    speed = {label: {batch: round(decoder_speed(model, batch), 1) for batch in (1, 64)}
             for label, model in (("mse", mse), ("gan", gan))}
    ratio = {batch: round(speed["mse"][batch] / speed["gan"][batch], 3) for batch in (1, 64)}
    return {"model": gan_name, "encoder": encoder, "k_over_n": gan.k_over_n, "mse": reports["mse"],
            "gan": reports["gan"], "decoder_images_per_s": speed, "slowdown": ratio,
            "targets": target_checks(reports["gan"], reports["mse"], ratio)}


def curve(curve_dir: Path, dataset, snrs, task, unseen) -> list:
    """One point per checkpoint in ``curve_dir``: its adversarial weight and metrics at ``snrs``."""
    points = []
    for path in sorted(Path(curve_dir).glob("*.pt")):
        if path.name.endswith(".state.pt"):
            continue
        training = read_checkpoint(path).get("meta", {}).get("training", {})
        model, _ = load_model(path)
        rows = evaluate(model, dataset, "awgn", snrs, seed=0, task=task, unseen=unseen)["results"]
        points.append({"checkpoint": path.name, "adversarial_weight": training.get("adversarial_weight"),
                       "epochs": training.get("epochs_done"), "results": rows})
    return sorted(points, key=lambda point: point["adversarial_weight"] or 0.0)


@torch.no_grad()
def decoded_at(model, images: torch.Tensor, snr: float, seed: int = 0) -> torch.Tensor:
    from semjscc.channel import build_channel

    torch.manual_seed(seed)
    padded = pad_to_multiple(images)
    received = build_channel("awgn")(model.encode(padded, snr), snr)
    return model.decode(received, padded.shape[-2:], snr)[..., :images.shape[-2], :images.shape[-1]].clamp(0, 1)


def gallery(path: Path, pairs: list, cifar, kodak, snrs=(0.0, 5.0, 10.0), crop: int = 96) -> None:
    """Rows: CIFAR-10 images and Kodak crops; columns: original, then MSE | GAN decoder at each SNR."""
    gan, payload = load_model(resolve_model(pairs[0]))
    mse, _ = load_model(resolve_model(payload["meta"]["encoder"]))
    rows = [(f"CIFAR-10 #{i}", to_tensor(cifar.images[i:i + 1]), None) for i in range(4)]
    for i, image in enumerate(kodak.images[:2]):
        height, width = image.shape[:2]
        top, left = height // 2 - crop // 2, width // 3
        rows.append((f"Kodak {i + 1} (crop)", to_tensor(np.array(image)[None]), (top, left)))
    columns = 1 + 2 * len(snrs)
    with figure(path, len(rows), columns, figsize=(1.3 * columns, 1.35 * len(rows)), squeeze=False) as (fig, axes):
        for r, (label, image, corner) in enumerate(rows):
            panels = [("original", image[0])]
            for snr in snrs:
                panels += [(f"MSE {snr:g} dB", decoded_at(mse, image, snr)[0]),
                           (f"GAN {snr:g} dB", decoded_at(gan, image, snr)[0])]
            for c, (title, panel) in enumerate(panels):
                if corner is not None:
                    panel = panel[:, corner[0]:corner[0] + crop, corner[1]:corner[1] + crop]
                axes[r, c].imshow(panel.permute(1, 2, 0).numpy(), interpolation="nearest")
                axes[r, c].set_xticks([])
                axes[r, c].set_yticks([])
                if r == 0:
                    axes[r, c].set_title(title, fontsize=7)
            axes[r, 0].set_ylabel(label, fontsize=7)
        fig.suptitle(f"{pairs[0]} against the MSE decoder of its encoder (AWGN)", fontsize=8)


def plot(path: Path, comparisons: list, points: list) -> None:
    """KID and MS-SSIM against SNR per decoder; with a curve, PSNR and KID against the adversarial weight."""
    panels = 4 if points else 2
    with figure(path, 1, panels, figsize=(4.6 * panels, 3.8)) as (fig, axes):
        for comparison in comparisons:
            label = ratio_label(comparison["k_over_n"])
            for kind, style in (("mse", "--"), ("gan", "-")):
                rows = comparison[kind]
                snr = [row["snr_db"] for row in rows]
                axes[0].plot(snr, [row["kid_unseen"] for row in rows], style, marker="o",
                             label=f"{label} {kind.upper()} decoder")
                axes[1].plot(snr, [row["ms_ssim"] for row in rows], style, marker="o",
                             label=f"{label} {kind.upper()} decoder")
        label_axes(axes[0], "SNR (dB)", "KID, unseen classifier's features\n(values ≤ 0 not drawn)")
        axes[0].set_yscale("log")
        label_axes(axes[1], "SNR (dB)", "MS-SSIM")
        if points:
            weights = [point["adversarial_weight"] for point in points]
            for snr in [row["snr_db"] for row in points[0]["results"]]:
                rows = [next(r for r in point["results"] if r["snr_db"] == snr) for point in points]
                axes[2].plot(weights, [row["psnr"] - rows[0]["psnr"] for row in rows], marker="o", label=f"{snr:g} dB")
                axes[3].plot(weights, [row["kid_unseen"] for row in rows], marker="o", label=f"{snr:g} dB")
            for ax, what in ((axes[2], "PSNR change from the first λ (dB)"), (axes[3], "KID, unseen features: perception")):
                ax.set_xscale("symlog", linthresh=1e-3)
                label_axes(ax, "adversarial weight λ (0: distortion terms only)", what)
            axes[2].set_title("distortion-perception over λ (1/12)", fontsize=9)


def run_gan_bench(out: str, models: list, data: str, snrs, curve_dir: str = "", kodak: str = "kodak",
                  task_model: str = "task_resnet", unseen_model: str = "task_vgg_unseen",
                  update_cards: bool = True) -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dataset = load_dataset(data)
    task = load_task_model(resolve_model(task_model))
    unseen = load_task_model(resolve_model(unseen_model))
    models = models or gan_decoders()
    if not models:
        raise ValueError("no generative decoder to measure: none is shipped and none was named")
    comparisons = [compare(name, dataset, snrs, task, unseen, update_cards) for name in models]
    curve_path = out / "gan_curve.json"  # kept between runs: the sweep's decoders do not ship
    if curve_dir:
        points = curve(Path(curve_dir), dataset, TARGET_SNRS, task, unseen)
        curve_path.write_text(json.dumps({"data": dataset.name, "n_images": len(dataset), "points": points},
                                         indent=2) + "\n")
    points = json.loads(curve_path.read_text())["points"] if curve_path.is_file() else []
    result = {"data": dataset.name, "n_images": len(dataset), "channel": "awgn", "snrs": list(snrs),
              "feature_space": {"kid_unseen": f"{unseen_model}: last stage, averaged over positions (never trained "
                                              "against)", "kid": f"{task_model}: the receiver's classifier, "
                                                                  "which the GAN decoder trained against"},
              "comparisons": comparisons, "threads": torch.get_num_threads()}
    (out / "gan.json").write_text(json.dumps(result, indent=2) + "\n")
    plot(out / "gan.png", comparisons, points)
    gallery(out / "gallery.png", models, dataset, load_dataset(kodak))
    return result
