"""``semjscc bench report``: the benchmark JSONs as Markdown tables in ``bench/results/summary.md``."""

import json
from pathlib import Path


def _table(header: list, rows: list) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def quality_table(path: Path, metric: str = "psnr") -> str:
    reports = json.loads(path.read_text())
    snrs = [r["snr_db"] for r in reports[0]["results"]]
    rows = [[r["model"], r["channel"]] + [f"{row[metric]:.2f}" for row in r["results"]] for r in reports]
    return _table(["model", "channel"] + [f"{s:g} dB" for s in snrs], rows)


def radio_tables(radio: dict) -> str:
    loss = _table(["SNR", "PSNR flowgraph", "PSNR ideal channel", "implementation loss", "frames"],
                  [[f"{r['snr_db']:g} dB", f"{r['psnr']:.2f}", f"{r['sim_psnr']:.2f}", f"{r['impl_loss_db']:.3f} dB",
                    f"{r['frames_detected']}/{r['frames_sent']}"] for r in radio["implementation_loss"]])
    detect = radio["detection_0db"]
    noise = radio["false_alarms"]
    estimates = radio["snr_estimate"]
    worst = max(abs(r["error_db"]) for r in estimates)
    return "\n\n".join([
        loss,
        f"Detection at 0 dB (same impairments): {detect['frames_detected']}/{detect['frames_sent']} frames detected "
        f"({100 * detect['detection_rate']:.1f} %), {detect['frames_decoded']} with a valid header "
        f"({100 * detect['decode_rate']:.1f} %). Noise alone: {noise['frames_detected']} frames detected in "
        f"{noise['samples']:,} samples. SNR estimate over 0..20 dB (flat channel, CFO and clock offset "
        f"absent): worst error {worst:.2f} dB.",
    ])


def rtf_table(rows: list) -> str:
    return _table(["model", "codec device", "images", "real-time factor at 1 Msps (median, range)",
                   "overhead (air time)", "total k/n on air"],
                  [[r["model"], r.get("device", "cpu"), f"{r['data']} ({r['images']})",
                    f"{r['rtf']:.2f} ({r.get('rtf_min', r['rtf']):.2f}–{r.get('rtf_max', r['rtf']):.2f})",
                    f"{100 * r['overhead']:.1f} %", f"{r['k_over_n_air']:.3f}"] for r in rows])


def _psnr_cell(row: dict) -> str:
    if "psnr" in row:
        return f"{row['psnr']:.2f}"
    if "psnr_delivered" not in row:
        return "—"
    return f"{row['psnr_delivered']:.2f} ({100 * row['delivered']:.1f} %)"


def semantic_tables(summaries: list, with_psnr: bool = True) -> str:
    """Top-1 (and PSNR) against SNR for each model and the digital baseline, all ratios in one table each;
    then the semantic models' gains over plain deep JSCC and the MSE control."""
    from semjscc.bench.semantic import describe

    snrs = [r["snr_db"] for r in summaries[0][1]["reports"][0]["results"]]
    header = ["k/n", "model"] + [f"{s:g} dB" for s in snrs]

    def table(cell, keep=lambda report: True):
        return _table(header, [[ratio, describe(r)] + [cell(row) for row in r["results"]]
                               for ratio, summary in summaries for r in summary["reports"] if keep(r)])

    parts = [table(lambda row: f"{100 * row['accuracy']:.1f}")]
    if all("accuracy_unseen" in r["results"][0] for _, summary in summaries for r in summary["reports"]):
        parts.append("Unseen classifier (never used in training), top-1 %:\n\n" +
                     table(lambda row: f"{100 * row['accuracy_unseen']:.1f}"))
    if with_psnr:
        parts.append("PSNR (dB; digital: of the images the capacity delivers, with their share):\n\n" +
                     table(_psnr_cell))
    comparison = [(ratio, row) for ratio, summary in summaries for row in summary.get("comparison", [])]
    if comparison:
        keys = [("accuracy_x_plain", "top-1 × plain"), ("accuracy_x_control", "top-1 × control"),
                ("unseen_x_control", "unseen × control"), ("psnr_minus_plain_db", "PSNR − plain (dB)"),
                ("psnr_minus_control_db", "PSNR − control (dB)")]
        keys = [(key, title) for key, title in keys if any(key in row for _, row in comparison)
                and (with_psnr or not key.startswith("psnr"))]
        parts.append("Semantic models at SNR ≤ 5 dB against plain deep JSCC and the MSE control:\n\n" + _table(
            ["k/n", "model", "SNR"] + [title for _, title in keys],
            [[ratio, f"{row['model']} (λ {row['lambda']:g})", f"{row['snr_db']:g} dB"] +
             [f"{row[key]:+.2f}" if key.startswith("psnr") else f"{row[key]:.3f}" for key, _ in keys]
             for ratio, row in comparison]))
    return "\n\n".join(parts)


def cliff_tables(report: dict) -> str:
    """PSNR per SNR: the analog models, the digital envelopes and the capacity reference, per k/n."""
    parts = []
    for ratio, entry in report["ratios"].items():
        curves = [(curve["model"], curve["results"]) for curve in entry["analog"]]
        curves += [(f"digital envelope, headers {key}", entry["envelope"][key]) for key in ("known", "counted")]
        curves.append(("WebP at capacity (headers counted)", entry["capacity_webp"]))
        snrs = [row["snr_db"] for row in curves[0][1]]
        parts.append(f"#### Analog JSCC vs the digital link, k/n = {ratio}, AWGN ({report['data']}; PSNR dB)\n\n" +
                     _table(["link"] + [f"{s:g} dB" for s in snrs],
                            [[name] + [f"{row['psnr']:.2f}" for row in rows] for name, rows in curves]))
        flowgraph = entry.get("flowgraph", {}).get("curves", [])
        if flowgraph:
            snrs = [row["snr_db"] for row in flowgraph[0]["results"]]
            parts.append(f"#### The same through the loopback flowgraph, k/n = {ratio} (CFO 1e-3, 20 ppm clock; "
                         f"{flowgraph[0]['images']} images; PSNR dB, images never delivered as the mean image)\n\n" +
                         _table(["link"] + [f"{s:g} dB" for s in snrs],
                                [[curve["spec"] + ("" if curve["design_snr_db"] is None else
                                                   f" (design {curve['design_snr_db']:g} dB)")]
                                 + [f"{row['psnr']:.2f}" for row in curve["results"]] for curve in flowgraph]))
    return "\n\n".join(parts)


def speed_tables(folder: Path) -> list:
    """Where the time goes (``bench profile``) and data-parallel scaling (``bench ddp``), where measured."""
    parts = []
    if (folder / "profile" / "profile.json").is_file():
        results = json.loads((folder / "profile" / "profile.json").read_text())
        stages = [row["stage"] for row in results[0]["stages"] if row["share_of_link"] is not None]
        cells = {r["model"]: {row["stage"]: row for row in r["stages"]} for r in results}
        parts.append("#### Where the time goes (offline twin, one thread, CPU µs per image and share of the link)\n\n"
                     + _table(["stage"] + [r["model"] for r in results],
                              [[stage] + [f"{cells[r['model']][stage]['us_per_image']:.0f} "
                                          f"({100 * cells[r['model']][stage]['share_of_link']:.1f} %)" for r in results]
                               for stage in stages]
                              + [["images per CPU second"] + [str(r["images_per_cpu_s"]) for r in results]]))
    if (folder / "profile" / "synchroniser.json").is_file():
        sync = json.loads((folder / "profile" / "synchroniser.json").read_text())
        parts.append("#### Synchroniser alone (million samples per CPU second)\n\n" + _table(
            ["mode", "noise", "tone", "DC"], [[mode, r["noise"], r["tone"], r["dc"]] for mode, r in sync.items()]))
    if (folder / "profile" / "tx_stream.json").is_file():
        costs = json.loads((folder / "profile" / "tx_stream.json").read_text())
        counts = sorted({int(n) for per in costs.values() for n in per})
        parts.append("#### TX burst stream: CPU ms per 17k-sample burst by bursts queued\n\n" + _table(
            ["block"] + [str(n) for n in counts],
            [[block] + [per.get(str(n), "") for n in counts] for block, per in costs.items()]))
    if (folder / "ddp" / "ddp.json").is_file():
        ddp = json.loads((folder / "ddp" / "ddp.json").read_text())
        parts.append(f"#### Data-parallel training ({ddp['images']} images, {ddp['device']})\n\n" + _table(
            ["processes", "threads each", "epoch (s)", "images/s"],
            [[r["processes"], r["threads_each"], r["wall_s"], r["images_per_s"]] for r in ddp["rows"]]))
    return parts


def gan_tables(report: dict, curve: dict = None) -> str:
    """GAN decoder against the MSE decoder of the same encoder, per SNR; then the curve over lambda."""
    parts = []
    for comparison in report["comparisons"]:
        rows = []
        for mse, gan in zip(comparison["mse"], comparison["gan"]):
            rows.append([f"{gan['snr_db']:g}"] + [f"{mse[key]:{spec}} → {gan[key]:{spec}}" for key, spec in (
                ("psnr", ".2f"), ("ms_ssim", ".4f"), ("accuracy", ".3f"), ("accuracy_unseen", ".3f"))]
                + [f"{1e3 * mse[key]:.2f} → {1e3 * gan[key]:.2f}" for key in ("kid_unseen", "kid")])
        speed = comparison["decoder_images_per_s"]
        parts.append(f"#### {comparison['model']}: MSE decoder → GAN decoder of {comparison['encoder']} "
                     f"({report['data']}, {report['n_images']} images, AWGN; KID ×1000)\n\n" + _table(
                         ["SNR dB", "PSNR", "MS-SSIM", "top-1 receiver", "top-1 unseen", "KID unseen", "KID receiver"],
                         rows) + f"\n\nDecoder images/s, batch 1 / 64: MSE {speed['mse']['1']} / {speed['mse']['64']}, "
                                 f"GAN {speed['gan']['1']} / {speed['gan']['64']}.")
    if curve and curve["points"]:
        rows = []
        for point in curve["points"]:
            cells = [f"{point['adversarial_weight']:g}"]
            for row in point["results"]:
                cells += [f"{row['psnr']:.2f}", f"{row['ms_ssim']:.4f}", f"{1e3 * row['kid_unseen']:.2f}"]
            rows.append(cells)
        snrs = [f"{row['snr_db']:g} dB" for row in curve["points"][0]["results"]]
        header = ["λ"] + [f"{label} {snr}" for snr in snrs for label in ("PSNR", "MS-SSIM", "KID unseen")]
        parts.append(f"#### GAN decoder, distortion-perception over the adversarial weight ({curve['data']})\n\n"
                     + _table(header, rows))
    return "\n\n".join(parts)


def photo_table(report: dict) -> str:
    """``bench photo``: each codec on the photographs, PSNR per SNR, and the published anchors at 10 dB."""
    snrs = [row["snr_db"] for row in report["models"][0]["results"]]
    rows = [[m["model"], m["training_data"]] + [f"{row['psnr']:.2f}" for row in m["results"]]
            for m in report["models"]]
    anchors = "; ".join(f"{ratio}: " + ", ".join(f"{paper} {psnr}" for paper, psnr in papers.items())
                        for ratio, papers in report["published_kodak_10db"].items())
    return (f"#### Photographs ({report['data']}, {report['channel'].upper()}; PSNR dB)\n\n" +
            _table(["model", "trained on"] + [f"{s:g} dB" for s in snrs], rows) +
            f"\n\nPublished at 10 dB on Kodak: {anchors}.")


def rate_tables(reports: list) -> str:
    """``bench rate``: each allocator's top-1 read at the trained policies' mean k/n, and the channel uses each
    needs to reach a share of the clean accuracy, per SNR."""
    import numpy as np

    rows, needs = [], []
    for report in reports:
        curves = {curve["name"]: sorted(curve["points"], key=lambda p: p["k_over_n"]) for curve in report["curves"]}
        policies = [name for name in curves if "policy" in name or "agent" in name]
        for policy in policies:
            for point in curves[policy]:
                cells = [np.interp(point["k_over_n"], [p["k_over_n"] for p in points], [p["accuracy"] for p in points])
                         for name, points in curves.items() if name not in policies and len(points) > 1]
                rows.append([f"{report['snr_db']:g} dB", policy, f"{point['k_over_n']:.3f}",
                             f"{point['accuracy']:.3f}"] + [f"{cell:.3f}" for cell in cells])
        for share, need in report["channel_uses_for_accuracy"].items():
            needs.append([f"{report['snr_db']:g} dB", share] + [
                "—" if k is None else f"{k:.3f}" for k in need["k_over_n_needed"].values()])
    others = [name for name in curves if name not in policies and len(curves[name]) > 1]
    return (f"#### Rate allocation ({reports[0]['codec']}, {reports[0]['data']}, {reports[0]['n_images']} images; "
            "receiver top-1, the other curves read at the policy's mean k/n)\n\n" +
            _table(["SNR", "allocator", "mean k/n", "top-1"] + others, rows) +
            "\n\n#### Mean k/n needed to reach a share of the clean accuracy (— : not reached)\n\n" +
            _table(["SNR", "target"] + list(reports[0]["channel_uses_for_accuracy"]["90% of clean"]["k_over_n_needed"]),
                   needs))


def write_report(results: Path) -> str:
    parts = []
    for name, title in (("quality_cifar10_test.json", "CIFAR-10, 1,000 lossless test images, PSNR (dB)"),
                        ("quality_kodak.json", "Kodak, 24 images, k/n = 1/6, PSNR (dB)")):
        if (results / name).is_file():
            parts.append(f"#### {title}\n\n" + quality_table(results / name))
    if (results / "baseline_reproduction.json").is_file():
        rows = json.loads((results / "baseline_reproduction.json").read_text())["rows"]
        parts.append("#### Baseline vs the original deep JSCC (k/n = 1/12, each model at its training SNR)\n\n" +
                     _table(["SNR", "ours", "paper", "gap"], [[f"{r['snr_db']} dB", f"{r['psnr']:.2f}",
                                                              f"{r['paper_psnr']:.1f}", f"{r['gap_db']:+.2f}"]
                                                             for r in rows]))
        groups = json.loads((results / "baseline_reproduction.json").read_text()).get("main_vs_baselines", [])
        if groups:
            parts.append("#### Main model vs the best baseline of its k/n, every whole dB from 0 to 20\n\n" + _table(
                ["model", "k/n", "smallest margin", "at SNR", "against"],
                [[g["model"], f"1/{round(1 / g['k_over_n'])}", f"{g['min_margin_db']:+.2f} dB",
                  f"{worst['snr_db']:g} dB", worst["best_baseline"]]
                 for g in groups for worst in [min(g["points"], key=lambda p: p["margin_db"])]]))
    if (results / "throughput.json").is_file():
        rows = json.loads((results / "throughput.json").read_text())
        parts.append("#### Codec throughput (CPU, 2 threads; runtimes timed in turn)\n\n" + _table(
            ["model", "runtime", "batch", "encode img/s", "decode img/s", "encode Msym/s", "decode Msym/s"],
            [[r["model"], r.get("runtime", "torch"), r["batch"], f"{r['encode_images_per_s']:.0f}",
              f"{r['decode_images_per_s']:.0f}",
              f"{r['encode_symbols_per_s'] / 1e6:.2f}", f"{r['decode_symbols_per_s'] / 1e6:.2f}"] for r in rows]))
    radio = results / "radio"
    if (radio / "radio.json").is_file():
        data = json.loads((radio / "radio.json").read_text())
        parts.append(f"#### Radio link through the GNU Radio flowgraph ({data['model']}, {data['data']}, "
                     f"CFO 1 % of the symbol rate, 20 ppm clock offset, 3-tap multipath)\n\n" + radio_tables(data))
    if (radio / "rtf.json").is_file():
        parts.append("#### Real-time factor (TX + channel + RX in one process)\n\n" +
                     rtf_table(json.loads((radio / "rtf.json").read_text())))
    for folder, label, with_psnr in (("semantic", "1,000 lossless test images", True),
                                     ("semantic_jpeg10k", "10,000 JPEG-derived test images, accuracy only", False)):
        paths = sorted((results / folder).glob("semantic_kn*.json"), key=lambda p: -int(p.stem.split("_kn")[1]))
        if paths:
            summaries = [("1/" + path.stem.split("_kn")[1], json.loads(path.read_text())) for path in paths]
            parts.append(f"#### Task accuracy (top-1 %), CIFAR-10 {label}\n\n" + semantic_tables(summaries, with_psnr))
    tradeoff = results / "semantic" / "tradeoff_kn12.json"
    if tradeoff.is_file():
        points = json.loads(tradeoff.read_text())["points"]
        parts.append("#### PSNR-accuracy trade-off at k/n = 1/12 (λ sweep; λ = 0 is the MSE control)\n\n" + _table(
            ["loss", "λ", "SNR", "PSNR (dB)", "top-1 %", "unseen top-1 %"],
            [[p["loss"], f"{p['lambda']:g}", f"{p['snr_db']:g} dB", f"{p['psnr']:.2f}",
              f"{100 * p['accuracy']:.1f}", f"{100 * p.get('accuracy_unseen', float('nan')):.1f}"]
             for p in points if p["snr_db"] in (0.0, 5.0, 10.0)]))
    for folder in ("cliff", "cliff_kodak"):
        cliff = results / folder / "cliff.json"
        if cliff.is_file():
            parts.append(cliff_tables(json.loads(cliff.read_text())))
    gan = results / "gan" / "gan.json"
    if gan.is_file():
        curve = results / "gan" / "gan_curve.json"
        curve = json.loads(curve.read_text()) if curve.is_file() else None
        parts.append(gan_tables(json.loads(gan.read_text()), curve))
    photo = results / "photo" / "photo.json"
    if photo.is_file():
        parts.append(photo_table(json.loads(photo.read_text())))
    rate = sorted((results / "rate").glob("rate_snr*.json"), key=lambda path: float(path.stem[len("rate_snr"):]))
    if rate:
        parts.append(rate_tables([json.loads(path.read_text()) for path in rate]))
    parts += speed_tables(results)
    text = "\n\n".join(parts) + "\n"
    (results / "summary.md").write_text(text)
    return text
