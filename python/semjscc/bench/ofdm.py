"""OFDM benchmarks (``semjscc bench ofdm``): multipath, GNU Radio's dynamic channel, PAPR, RX throughput.

- multipath: the offline link (the blocks' own code, :func:`semjscc.link.loopback.simulate_link`) on a
  10-tap exponential power-delay profile (RMS delay a quarter of the CP), block fading per frame, at an
  average SNR, against AWGN at the same SNR, for both modes;
- dynamic: the loopback flowgraphs with ``channels.dynamic_channel_model`` in place of their channel
  (Rayleigh, Doppler, clock and carrier drift): frames detected / decoded / dropped and PSNR vs SNR;
- PAPR: CCDF of the instantaneous sample power over the mean, bursts oversampled 4x, both modes;
- throughput: the receiver's DSP alone (synchronise + equalise, one thread) in Msps.
"""

import json
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from semjscc.data import load_dataset
from semjscc.link import Demodulator, LinkProfile, Transmitter, Encoder, load_link_codec
from semjscc.link.loopback import exponential_fading, simulate_link
from semjscc.phy.channel_sim import simulate_channel
from semjscc.phy.pulse import matched_filter
from semjscc.run.channels import DynamicChannel
from semjscc.run.loopback import run_loopback

MODES = ("single-carrier", "ofdm")
AMPLITUDE = 0.3


def multipath_table(models: dict, data: str, snr_db: float = 10.0, seed: int = 4) -> list:
    """``models``: {mode: [model names]}; PSNR on AWGN and on block-faded 10-tap multipath, same average SNR."""
    images = load_dataset(data)
    rows = []
    for mode, names in models.items():
        profile = LinkProfile(mode=mode)
        fading = exponential_fading(10, profile.cp_length / 4)
        for name in names:
            model = load_link_codec(name, "cpu")
            runs = {label: simulate_link(model, images, snr_db, profile=profile, fading=channel, seed=seed)
                    for label, channel in (("awgn", None), ("multipath", fading))}
            row = {"mode": mode, "model": name, "snr_db": snr_db, "images": len(images)}
            for label, run in runs.items():
                row.update({f"{label}_{key}": run[key] for key in ("psnr", "frames_sent", "frames_decoded",
                                                                  "images_decoded", "snr_est_db")})
            row["gap_db"] = row["awgn_psnr"] - row["multipath_psnr"]
            rows.append(row)
            print(f"{mode:14s} {name:28s} AWGN {row['awgn_psnr']:.2f}  multipath {row['multipath_psnr']:.2f} "
                  f"(gap {row['gap_db']:.2f} dB, {row['multipath_frames_decoded']}/{row['multipath_frames_sent']} "
                  "frames)", flush=True)
    return rows


def dynamic_table(models: dict, data: str, snrs, out: Path, channel: DynamicChannel = DynamicChannel()) -> list:
    """``models``: {mode: model}; the flowgraphs through dynamic_channel_model, and their AWGN reference."""
    rows = []
    for mode, model in models.items():
        for snr in snrs:
            for label, dynamic in (("dynamic", channel), ("awgn", None)):
                if label == "awgn" and snr != 10:
                    continue
                report = run_loopback(model, data, float(snr), mode=mode, dynamic=dynamic, seed=11 + int(snr),
                                      out=str(out / "decoded" / "dynamic"), save_images=False)
                rows.append({"mode": mode, "model": model, "channel": label, "snr_db": snr,
                             **{key: report[key] for key in ("frames_sent", "frames_detected", "frames_decoded",
                                                             "frames_dropped", "frames_missed", "images_sent",
                                                             "images_decoded", "psnr", "snr_est_db", "accounted")},
                             "decoded_share": report["frames_decoded"] / max(report["frames_sent"], 1)})
                print(f"{mode:14s} {label:7s} {snr:4.0f} dB: {report['frames_decoded']}/{report['frames_sent']} "
                      f"frames, PSNR {report['psnr']}", flush=True)
    return rows


def _oversampled(samples: np.ndarray, factor: int = 4) -> np.ndarray:
    """``samples`` interpolated ``factor`` times by zero-padding their spectrum (peaks between samples show)."""
    spectrum = np.fft.fft(samples)
    half = len(samples) // 2
    padded = np.concatenate([spectrum[:half], np.zeros((factor - 1) * len(samples), complex), spectrum[half:]])
    return np.fft.ifft(padded) * factor


def _bursts(model, images, profile: LinkProfile) -> list:
    transmitter = Transmitter(Encoder(model, 10.0), profile, AMPLITUDE)
    return [samples for _, samples in transmitter.transmit(list(images.images))]


def papr_ccdf(model_name: str, data: str, levels_db=np.arange(0, 13.01, 0.25)) -> dict:
    """P(instantaneous power / mean power > level), bursts (guards excluded) oversampled 4x."""
    model, images = load_link_codec(model_name, "cpu"), load_dataset(data)
    result = {"levels_db": [float(x) for x in levels_db]}
    for mode in MODES:
        profile = LinkProfile(mode=mode)
        guard = profile.frame.guard_symbols * profile.sps if mode == "single-carrier" else profile.air.config.guard_samples
        power = np.concatenate([np.abs(_oversampled(burst[guard:-guard])) ** 2
                                for burst in _bursts(model, images, profile)])
        ratio_db = 10 * np.log10(np.maximum(power / power.mean(), 1e-12))  # guards inside bursts are 0
        ccdf = [float(np.mean(ratio_db > level)) for level in levels_db]
        result[mode] = {"ccdf": ccdf, "samples": int(len(power)),
                        **{f"papr_db_at_{p:g}": float(np.quantile(ratio_db, 1 - p)) for p in (1e-2, 1e-3, 1e-4)}}
        print(f"PAPR {mode}: {result[mode]['papr_db_at_0.0001']:.2f} dB at 1e-4", flush=True)
    return result


def rx_throughput(model_name: str, data: str, snr_db: float = 15.0, repeats: int = 3) -> dict:
    """Samples per second through the receiver's DSP alone (synchroniser + payload equaliser), one thread."""
    model, images = load_link_codec(model_name, "cpu"), load_dataset(data)
    result = {}
    for mode in MODES:
        profile = LinkProfile(mode=mode)
        stream = np.concatenate([np.zeros(500, np.complex64)] + _bursts(model, images, profile))
        received = simulate_channel(stream, profile.noise_voltage(snr_db, AMPLITUDE), seed=1)
        times = []
        with threadpool_limits(limits=1, user_api="blas"):
            for _ in range(repeats):
                started = time.perf_counter()
                taps = profile.air.receive_taps
                filtered = received if taps is None else matched_filter(received, taps)
                demodulator = Demodulator(profile)
                frames = [frame for start in range(0, len(filtered), 1 << 16)
                          for frame in demodulator.push(filtered[start:start + (1 << 16)])]
                times.append(time.perf_counter() - started)
        result[mode] = {"samples": int(len(received)), "frames": len(frames), "images": len(images),
                        "msps": len(received) / np.median(times) / 1e6,
                        "images_per_s": len(images) / np.median(times)}
        print(f"RX DSP {mode}: {result[mode]['msps']:.2f} Msps ({result[mode]['images_per_s']:.0f} images/s)",
              flush=True)
    return result


def run_ofdm_bench(out: str, ofdm_model: str, sc_model: str = "adaptive_awgn_kn1-6",
                   data: str = "cifar10:test:400", dynamic_data: str = "cifar10:test:400") -> dict:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    results = {"ofdm_model": ofdm_model, "sc_model": sc_model, "data": data, "dynamic_data": dynamic_data,
               "dynamic_channel": DynamicChannel().to_dict()}
    results["multipath"] = multipath_table({"ofdm": [ofdm_model, sc_model], "single-carrier": [sc_model]}, data)
    results["papr"] = papr_ccdf(sc_model, "cifar10:test:200")
    results["rx_throughput"] = rx_throughput(sc_model, "cifar10:test:400")
    results["dynamic"] = dynamic_table({"ofdm": ofdm_model, "single-carrier": sc_model}, dynamic_data,
                                       [5, 10, 15, 20], out)
    (out / "ofdm.json").write_text(json.dumps(results, indent=2) + "\n")
    plot_ofdm(results, out)
    return results


def plot_ofdm(results: dict, out: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    with figure(out / "ofdm.png", 1, 2, figsize=(10, 4)) as (_, (left, right)):
        papr = results["papr"]
        for mode in MODES:
            left.semilogy(papr["levels_db"], np.maximum(papr[mode]["ccdf"], 1e-6), label=mode)
        left.set_ylim(1e-5, 1)
        label_axes(left, "instantaneous power / mean (dB)", "CCDF", legend_size=8)
        for mode in MODES:
            rows = [r for r in results["dynamic"] if r["mode"] == mode and r["channel"] == "dynamic"]
            right.plot([r["snr_db"] for r in rows], [r["psnr"] or 0 for r in rows], "o-",
                       label=f"{mode}, dynamic channel")
            awgn = [r for r in results["dynamic"] if r["mode"] == mode and r["channel"] == "awgn"]
            right.plot([r["snr_db"] for r in awgn], [r["psnr"] for r in awgn], "k*" if mode == "ofdm" else "kx",
                       label=f"{mode}, AWGN")
        label_axes(right, "average SNR (dB)", "PSNR (dB)", legend_size=8)
