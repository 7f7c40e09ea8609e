"""Radio benchmarks through the full GNU Radio chain (``semjscc bench radio``).

- implementation loss: PSNR through the flowgraph with CFO, clock offset and
  3-tap multipath vs the same model over the ideal AWGN channel;
- detection: frames found and decoded at 0 dB;
- false alarms: frames detected in noise alone;
- SNR estimate vs the true SNR (flat channel);
- real-time factor per model (``run_rtf_bench``, on an idle machine).
"""

import json
import time
from pathlib import Path

import numpy as np

from semjscc.run.loopback import run_loopback

# CFO = 1 % of the symbol rate at 4 sps; 20 ppm clock offset; 3 taps (the flowgraph scales them to unit in-band
# power gain, so the SNR at the receiver is the nominal one)
IMPAIRED = {"cfo": 0.0025, "epsilon": 1.00002, "taps": "0.9535,0.2860j,0.0953"}


def impairment_table(model, data, snrs, out: Path) -> list:
    rows = []
    for snr in snrs:
        report = run_loopback(model, data, float(snr), out=str(out / "decoded" / f"impaired_snr{snr:02.0f}"),
                              seed=int(snr), **IMPAIRED)
        rows.append(report)
        print(f"impaired SNR {snr:5.1f}: PSNR {report['psnr']:.2f} vs ideal {report['sim_psnr']:.2f} "
              f"-> loss {report['impl_loss_db']:.3f} dB; {report['frames_detected']}/{report['frames_sent']} frames",
              flush=True)
    return rows


def snr_estimates(model, data, snrs, out: Path) -> list:
    rows = []
    for snr in snrs:
        report = run_loopback(model, data, float(snr), out=str(out / "decoded" / f"flat_snr{snr:02.0f}"),
                              seed=100 + int(snr))
        rows.append({"snr_db": snr, "snr_est_db": report["snr_est_db"], "error_db": report["snr_est_db"] - snr,
                     "psnr": report["psnr"], "sim_psnr": report["sim_psnr"]})
        print(f"flat SNR {snr:5.1f}: estimate {report['snr_est_db']:.2f} dB", flush=True)
    return rows


def false_alarms(samples: int, chunk: int = 1 << 16) -> dict:
    """Noise alone (unit variance) through the receiver's matched filter and synchroniser, in GNU Radio."""
    from gnuradio import analog, blocks, filter, gr

    from semjscc.gr.frame_sync import frame_sync
    from semjscc.phy import FrameConfig

    config = FrameConfig()
    tb = gr.top_block()
    noise = analog.fastnoise_source_c(analog.GR_GAUSSIAN, 1.0, 7, 1 << 20)
    head = blocks.head(gr.sizeof_gr_complex, samples)
    matched = filter.fir_filter_ccf(1, np.asarray(config.taps[::-1], dtype=float).tolist())
    sync = frame_sync()
    tb.connect(noise, head, matched, sync)
    started = time.time()
    tb.run()
    counters = sync.counters()
    return {"samples": samples, "frames_detected": counters["frames_detected"],
            "frames_synced": counters["frames_synced"], "wall_s": round(time.time() - started, 1)}


def run_radio_bench(out: str, model: str, data: str = "cifar10:test:200",
                    detect_data: str = "cifar10:test-jpeg:4000", noise_samples: int = 10_000_000) -> dict:
    """Implementation loss, detection at 0 dB, false alarms on noise, SNR estimate.

    Detection counts frames: 4,000 images packed 8 to a frame give 500 frames
    (the JPEG-derived test images serve here; no PSNR is scored on them).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"model": model, "data": data}
    results["impairments"] = IMPAIRED
    results["implementation_loss"] = impairment_table(model, data, [5, 10, 15, 20], out)
    detection = run_loopback(model, detect_data, 0.0, out=str(out / "decoded" / "detect_snr00"), seed=5, **IMPAIRED)
    results["detection_0db"] = {k: detection[k] for k in ("frames_sent", "frames_detected", "frames_decoded",
                                                          "frames_dropped", "frames_missed", "psnr", "sim_psnr")}
    results["detection_0db"]["detection_rate"] = detection["frames_detected"] / detection["frames_sent"]
    results["detection_0db"]["decode_rate"] = detection["frames_decoded"] / detection["frames_sent"]
    print(f"0 dB: detected {detection['frames_detected']}/{detection['frames_sent']}, "
          f"decoded {detection['frames_decoded']}", flush=True)
    results["false_alarms"] = false_alarms(noise_samples)
    print(f"noise only: {results['false_alarms']}", flush=True)
    results["snr_estimate"] = snr_estimates(model, "cifar10:test:100", list(range(0, 21, 2)), out)
    (out / "radio.json").write_text(json.dumps(results, indent=2) + "\n")
    plot_radio(results, out)
    return results


def run_rtf_bench(out: str, models: list, data=("cifar10:test", "kodak:8"), repeats: int = 3,
                  devices=("auto",)) -> list:
    """Real-time factor of the whole loopback (TX + channel + RX in one process) per model and codec device.

    ``data``: small images (1,000 CIFAR-10 images, packed 8 to a frame) and large ones
    (Kodak, 48 frames each); ``repeats`` runs each, the median reported with
    the range.  ``devices`` (``semjscc.link.load_link_codec``'s, e.g. ``cpu``
    and ``openvino``) take turns within each repetition, so a drift of the
    machine's speed touches them alike.  The sink keeps its metrics (PSNR,
    SSIM) but writes no PNGs: the figure is the radio's, not the disk's.  Run
    it on an otherwise idle machine: it measures wall time.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in data:
        rows += [row for name in models for row in _rtf_rows(out, name, spec, repeats, devices)]
    (out / "rtf.json").write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def _rtf_rows(out: Path, name: str, spec: str, repeats: int, devices) -> list:
    """One row per device for ``name`` on ``spec``; the devices take turns within each repetition."""
    runs = {device: [] for device in devices}
    for _ in range(repeats):
        for device in devices:
            runs[device].append(run_loopback(name, spec, 15.0, out=str(out / "decoded" / "rtf"), seed=9,
                                             save_images=False, device=device))
    rows = []
    for device, reports in runs.items():
        rtfs = sorted(r["rtf"] for r in reports)
        report = reports[0]
        rows.append({"model": name, "device": device, "data": spec, "rtf": float(np.median(rtfs)),
                     "rtf_min": rtfs[0], "rtf_max": rtfs[-1], "runs": repeats, "save_images": False,
                     "samples": report["samples"], "images": report["images_decoded"],
                     "overhead": report["overhead"], "k_over_n_air": report["k_over_n_air"],
                     "samp_rate": report["samp_rate"]})
        print(f"RTF {name} on {spec}, {device}: {rows[-1]['rtf']:.2f} ({rtfs[0]:.2f}-{rtfs[-1]:.2f}, "
              f"{report['images_decoded']} images)", flush=True)
    return rows


def plot_radio(results: dict, out: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    rows = results["implementation_loss"]
    est = results["snr_estimate"]
    snr = [r["snr_db"] for r in rows]
    with figure(out / "radio.png", 1, 2, figsize=(10, 4)) as (_, (left, right)):
        left.plot(snr, [r["psnr"] for r in rows], "o-", label="flowgraph, impaired channel")
        left.plot(snr, [r["sim_psnr"] for r in rows], "s--", label="ideal AWGN simulation")
        label_axes(left, "SNR (dB)", "PSNR (dB)", legend_size=8)
        right.plot([r["snr_db"] for r in est], [r["snr_est_db"] for r in est], "o-", label="estimate")
        right.plot([0, 20], [0, 20], "k:", label="true")
        label_axes(right, "true SNR (dB)", "estimated SNR (dB)", legend_size=8)
