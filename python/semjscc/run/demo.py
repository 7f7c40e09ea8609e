"""``semjscc demo``: shipped images through the full TX -> channel -> RX flowgraph at several SNRs.

Writes, under the output folder: the decoded PNGs and metrics of each run
(``<spec>_snrXX/``), ``summary.json`` (one loopback report per run), a plot of
PSNR against SNR (flowgraph vs the ideal channel), a gallery of originals
and decoded images, and one of a Kodak photograph sent with the photo-scale
codec at three SNRs.
"""

from pathlib import Path

import numpy as np

from semjscc.data import load_dataset
from semjscc.data.images import read_image
from semjscc.run.loopback import run_loopback
from semjscc.store.jsonio import write_json
from semjscc.store.paths import models_dir, shipped_index

# 3 multipath taps (the flowgraph scales them to unit in-band gain: the receiver sees the nominal SNR)
DEMO_IMPAIRMENTS = {"cfo": 0.001, "epsilon": 1.00001, "taps": "0.9794,0.1959j,0.0490"}


def shipped_names() -> list:
    return [entry["name"] for entry in shipped_index()]


def default_task_model() -> str:
    """The receiver's classifier when it is shipped ('' runs no task)."""
    return "task_resnet" if "task_resnet" in shipped_names() else ""


def default_photo_model() -> str:
    """The codec for the photograph: the photo-scale one when it is shipped, else the main one."""
    return "adaptive_hr_awgn_kn1-12" if "adaptive_hr_awgn_kn1-12" in shipped_names() else default_model()


def default_model() -> str:
    names = shipped_names()
    for preferred in ("adaptive_awgn_kn1-6", "baseline_awgn_kn1-6_snr10"):
        if preferred in names:
            return preferred
    raise FileNotFoundError(f"no shipped model in {models_dir()} (see models/index.json)")


def run_demo(out: str, model: str = "", snrs=(0, 5, 10, 15, 20), data: str = "sample:cifar10:test:16",
             kodak: str = "sample:kodak:1", device: str = "auto", task_model: str = None, photo_model: str = "",
             photo_snrs=(5, 10, 15)) -> list:
    """``task_model``: the classifier run on the labelled images at the receiver (None: the shipped one);
    ``photo_model`` sends ``kodak`` at ``photo_snrs`` (default: the photo-scale codec)."""
    out = Path(out)
    model = model or default_model()
    photo_model = photo_model or default_photo_model()
    task_model = default_task_model() if task_model is None else task_model
    runs = [(data, snr, model) for snr in snrs] + ([(kodak, snr, photo_model) for snr in photo_snrs] if kodak else [])
    reports = []
    for spec, snr, codec in runs:
        folder = out / f"{spec.replace(':', '_')}_snr{snr:02.0f}"
        task = task_model if spec == data else ""
        report = run_loopback(codec, spec, float(snr), out=str(folder), device=device, task_model=task,
                              **DEMO_IMPAIRMENTS)
        accuracy = f", top-1 {100 * report['accuracy']:.0f} %" if report.get("accuracy") is not None else ""
        print(f"{spec:>18} SNR {snr:5.1f} dB: {report['images_decoded']}/{report['images_sent']} images, "
              f"PSNR {report['psnr']:.2f} dB (ideal channel {report['sim_psnr']:.2f}), "
              f"SNR estimate {report['snr_est_db']:.1f} dB{accuracy}", flush=True)
        reports.append(report)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "summary.json", reports)
    curve = [r for r in reports if r["data"] == data]
    plot_curve(curve, out / "psnr_vs_snr.png")
    gallery(data, curve, out, out / "gallery.png")
    photos = [r for r in reports if r["data"] == kodak]
    if photos:
        photo_gallery(kodak, photos, out, out / "photo_gallery.png")
    print(f"wrote {out}/summary.json, psnr_vs_snr.png, gallery.png{', photo_gallery.png' if photos else ''} and the "
          f"decoded images")
    return reports


def plot_curve(reports: list, path: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    snr = [r["snr_db"] for r in reports]
    with figure(path) as (_, ax):
        ax.plot(snr, [r["psnr"] for r in reports], "o-", label="GNU Radio flowgraph (CFO, multipath, clock offset)")
        ax.plot(snr, [r["sim_psnr"] for r in reports], "s--", label="ideal AWGN channel, same model")
        label_axes(ax, "SNR Es/N0 (dB)", "PSNR (dB)", legend_size=8)
        ax.set_title(f"{reports[0]['model']} on {reports[0]['data']}")


def gallery(spec: str, reports: list, out: Path, path: Path, count: int = 8) -> None:
    """Rows: the originals, then the decoded images at each SNR, each row labelled with its SNR and PSNR."""
    from semjscc.evaluate.plots import figure

    originals = load_dataset(spec).images[:count]
    rows = [("original", np.concatenate(list(originals), axis=1))]
    for report in reports:
        folder = out / f"{spec.replace(':', '_')}_snr{report['snr_db']:02.0f}"
        tiles = []
        for index in range(len(originals)):
            file = folder / f"{index:05d}.png"
            tiles.append(read_image(file) if file.is_file() else np.zeros_like(originals[index]))
        quality = "nothing decoded" if report["psnr"] is None else f"PSNR {report['psnr']:.1f}"
        rows.append((f"{report['snr_db']:g} dB\n{quality}", np.concatenate(tiles, axis=1)))
    width = rows[0][1].shape[1] / rows[0][1].shape[0]
    with figure(path, len(rows), 1, figsize=(1.2 + 0.9 * width, 0.95 * len(rows))) as (_, axes):
        for ax, (label, strip) in zip(np.atleast_1d(axes), rows):
            ax.imshow(strip, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)


def photo_gallery(spec: str, reports: list, out: Path, path: Path) -> None:
    """The photograph and what arrived at each SNR, side by side at full detail, each titled with its PSNR."""
    from semjscc.evaluate.plots import figure

    original = load_dataset(spec).images[0]
    panels = [("original", original)]
    for report in reports:
        file = out / f"{spec.replace(':', '_')}_snr{report['snr_db']:02.0f}" / "00000.png"
        quality = "nothing decoded" if report["psnr"] is None else f"PSNR {report['psnr']:.2f} dB"
        panels.append((f"{report['snr_db']:g} dB: {quality}",
                       read_image(file) if file.is_file() else np.zeros_like(original)))
    aspect = original.shape[1] / original.shape[0]
    with figure(path, 1, len(panels), figsize=(3.2 * aspect * len(panels), 3.6)) as (fig, axes):
        for ax, (title, image) in zip(np.atleast_1d(axes), panels):
            ax.imshow(image, interpolation="nearest")
            ax.set_axis_off()
            ax.set_title(title, fontsize=8)
        fig.suptitle(f"{reports[0]['model']}: {spec} through the flowgraph", fontsize=9)
