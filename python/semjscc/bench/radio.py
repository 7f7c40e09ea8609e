"""Radio benchmarks through the full GNU Radio chain (``semjscc bench radio``).

- implementation loss: PSNR through the flowgraph with CFO, clock offset and
  3-tap multipath vs the same model over the ideal AWGN channel;
- detection: frames found and decoded at 0 dB;
- false alarms: frames detected in noise alone;
- SNR estimate vs the true SNR (flat channel);
- real-time factor per model (``run_rtf_bench``, on an idle machine): the whole loopback, or the receiver alone.
"""

import json
import time
from pathlib import Path

import numpy as np

from semjscc.data import load_dataset
from semjscc.link import Encoder, Transmitter, load_link_codec
from semjscc.phy.channel_sim import simulate_channel
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
                  devices=("auto",), receive_only: bool = False) -> list:
    """Real-time factor of the whole loopback (TX + channel + RX in one process) per model and codec device, or
    (``receive_only``) of the receiver alone (:func:`receive_rtf`), written to ``rtf.json`` / ``rtf_receive.json``.

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
        rows += [row for name in models for row in _rtf_rows(out, name, spec, repeats, devices, receive_only)]
    (out / ("rtf_receive.json" if receive_only else "rtf.json")).write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def _rtf_rows(out: Path, name: str, spec: str, repeats: int, devices, receive_only: bool) -> list:
    """One row per device for ``name`` on ``spec``; the devices take turns within each repetition."""
    runs = {device: [] for device in devices}
    for _ in range(repeats):
        for device in devices:
            runs[device].append(receive_rtf(name, spec, out, device) if receive_only else
                                run_loopback(name, spec, 15.0, out=str(out / "decoded" / "rtf"), seed=9,
                                             save_images=False, device=device))
    rows = []
    for device, reports in runs.items():
        rtfs = sorted(r["rtf"] for r in reports)
        report = reports[0]
        rows.append({"model": name, "device": device, "data": spec, "stage": "receive" if receive_only else "link",
                     "rtf": float(np.median(rtfs)), "rtf_min": rtfs[0], "rtf_max": rtfs[-1], "runs": repeats,
                     "save_images": False, "samples": report["samples"], "images": report["images_decoded"],
                     "samp_rate": report["samp_rate"]}
                    | {key: report[key] for key in ("overhead", "k_over_n_air") if key in report})
        print(f"RTF{' (receiver alone)' if receive_only else ''} {name} on {spec}, {device}: {rows[-1]['rtf']:.2f} "
              f"({rtfs[0]:.2f}-{rtfs[-1]:.2f}, {report['images_decoded']} images)", flush=True)
    return rows


def receive_rtf(name: str, spec: str, out: Path, device: str = "auto", snr_db: float = 15.0, seed: int = 9,
                samp_rate: float = 1e6, amplitude: float = 0.3, quiet_s: float = 0.5) -> dict:
    """The receiver alone, at its own pace: the link's bursts through the channel model (made offline, not timed)
    are recorded and replayed by the ``file_rx`` flowgraph as fast as it reads them; its real-time factor at
    ``samp_rate`` is the recording's air time over the wall time until its last image is decoded (or, if some
    never are, until the receiver has drained the recording and stayed idle for ``quiet_s``, not counted).
    The decoder's queue holds the whole recording, so no image is dropped for arriving faster than real time:
    the figure is the receiver's throughput, and at RTF >= 1 a live receiver with its bounded queue keeps up."""
    from semjscc.run.flowgraphs import load_flowgraph

    recording = out / "receive_rtf.cfile"
    np.zeros(1, np.complex64).tofile(recording)  # the flowgraph opens its file when it is built
    tb = load_flowgraph("file_rx").file_rx(file=str(recording), out=str(out / "decoded" / "rtf_receive"),
                                           model=name, device=device)
    tb.sink.save_images = tb.sink.log_images = False
    images = load_dataset(spec)
    tb.rx.decoder.queue_size = len(images)
    bursts = Transmitter(Encoder(load_link_codec(name, device), snr_db), tb.profile, amplitude).transmit(
        list(images.images))
    gap = np.zeros(1000, np.complex64)
    signal = np.concatenate([gap] + [samples for _, samples in bursts] + [gap])
    received = simulate_channel(signal, tb.profile.noise_voltage(snr_db, amplitude), seed=seed).astype(np.complex64)
    received.tofile(recording)
    tb.set_file(str(recording))
    started = time.perf_counter()
    tb.start()
    quiet_since = None
    while tb.sink.received < len(images):
        drained = tb.rx.sync.samples >= len(received) and tb.rx.decoder.idle()
        quiet_since = (quiet_since or time.perf_counter()) if drained else None
        if quiet_since is not None and time.perf_counter() - quiet_since > quiet_s:
            break
        time.sleep(0.002)
    wall = (quiet_since or time.perf_counter()) - started
    tb.stop()
    tb.wait()
    recording.unlink()
    return {"rtf": len(received) / samp_rate / wall, "samples": len(received), "samp_rate": samp_rate,
            "images_decoded": tb.sink.received, "images_sent": len(images), "wall_s": round(wall, 3)}


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
