"""``semjscc bench photo``: the codecs on photographs (Kodak) beside the published photo-scale anchors.

Every model's PSNR and MS-SSIM per SNR on the AWGN channel go into ``photo/photo.json``; ``photo/photo.png``
has one panel per k/n with the curves and, at 10 dB, the figures the photo-scale papers report on Kodak
(WITT, NTSCC++ and BPG + 5G LDPC, as read from their plots).  A model's table is taken from its card
when the card already holds this data set at these SNRs (``semjscc eval --card`` wrote it with the same
code and seed); ``fresh`` evaluates again.
"""

import json
from pathlib import Path

from semjscc.codec.bandwidth import ratio_label
from semjscc.codec.card import write_card
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.store.jsonio import write_json
from semjscc.store.paths import models_dir

# the photo-scale codecs and the CIFAR-10-trained main codecs of the same k/n
PHOTO_MODELS = ["adaptive_hr_awgn_kn1-16", "adaptive_hr_awgn_kn1-12", "adaptive_hr_awgn_kn1-6",
                "adaptive_awgn_kn1-16", "adaptive_awgn_kn1-12", "adaptive_awgn_kn1-6"]
# Kodak, AWGN, PSNR (dB) at SNR 10 dB
PUBLISHED_KODAK_10DB = {
    "1/16": {"WITT": 33.6, "NTSCC++": 34.95, "BPG + 5G LDPC": 33.0},
    "1/12": {"WITT": 35.0, "NTSCC++": 36.2, "BPG + 5G LDPC": 34.8},
}


def bench_photo(out: Path, models: list, data: str = "kodak", snrs=(0.0, 5.0, 10.0, 15.0, 20.0),
                fresh: bool = False) -> dict:
    """Each model's table on ``data`` (from its card unless ``fresh``), the JSON and the figure."""
    from semjscc.evaluate.quality import evaluate

    out = Path(out) / "photo"
    out.mkdir(parents=True, exist_ok=True)
    dataset, rows = None, []
    for name in models:
        path = models_dir() / f"{name}.pt"
        table = None if fresh else _card_table(path, data, snrs)
        if table is None:
            dataset = dataset or load_dataset(data)
            model, _ = load_model(path)
            table = {"model": name, **evaluate(model, dataset, "awgn", list(snrs), batch_size=1, seed=0)}
            write_card(path, [table])
        card = json.loads(path.with_suffix(".json").read_text())
        rows.append({"model": name, "family": card["family"], "k_over_n": card["k_over_n"],
                     "training_data": card["training_data"], "n_images": table["n_images"],
                     "results": [{key: row[key] for key in ("snr_db", "psnr", "ms_ssim")} for row in table["results"]
                                 if row["snr_db"] in snrs]})
        print(f"{name:<28} " + " ".join(f"{r['snr_db']:g}:{r['psnr']:.2f}" for r in rows[-1]["results"]), flush=True)
    report = {"data": data, "channel": "awgn", "models": rows, "published_kodak_10db": PUBLISHED_KODAK_10DB}
    write_json(out / "photo.json", report)
    plot_photo(report, out / "photo.png")
    return report


def _card_table(path: Path, data: str, snrs) -> dict:
    """The card's AWGN table of ``data`` when it covers every SNR asked for, else None."""
    card_file = path.with_suffix(".json")
    if not card_file.is_file():
        return None
    for table in json.loads(card_file.read_text()).get("measured", []):
        measured = {row["snr_db"] for row in table["results"]}
        if table["data"] == data and table["channel"] == "awgn" and not table.get("allocation") and \
                "psnr" in table["results"][0] and set(snrs) <= measured:
            return table
    return None


def plot_photo(report: dict, path: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    ratios = sorted({row["k_over_n"] for row in report["models"]})
    with figure(path, 1, len(ratios), figsize=(4.2 * len(ratios), 3.8), squeeze=False) as (_, axes):
        for ax, ratio in zip(axes[0], ratios):
            label = ratio_label(ratio)
            for row in (r for r in report["models"] if r["k_over_n"] == ratio):
                style = "o-" if row["family"].endswith("-hr") else "s--"
                ax.plot([r["snr_db"] for r in row["results"]], [r["psnr"] for r in row["results"]], style,
                        label=f"{row['model']} ({row['training_data']})")
            for (paper, psnr), marker in zip(report["published_kodak_10db"].get(label, {}).items(), "*^Dv"):
                ax.plot([10.0], [psnr], marker, markersize=9, linestyle="none", label=f"{paper} (published)")
            label_axes(ax, "SNR Es/N0 (dB)", "PSNR on Kodak (dB)", legend_size=6)
            ax.set_title(f"k/n = {label}, AWGN")
