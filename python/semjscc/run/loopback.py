"""``semjscc loopback``: the loopback flowgraph run to completion, with link-level accounting.

The flowgraph itself runs until stopped (as GRC flowgraphs do); here it is
stopped once every image has been sent and the receiver has gone idle, or at
the timeout (then the report says ``timed_out``).  Images still missing
chunks when it stops are counted as lost (``missing_chunks``, by the decoder block).  The same
model and images are also run through the ideal AWGN channel at the same SNR
(``sim_psnr``), so ``impl_loss_db`` isolates what the radio costs: the flowgraph
scales the multipath taps to unit in-band power gain, so the receiver sees
that SNR (``taps_in_band_gain_db`` reports the gain of the taps as given).
"""

import gc
import time

import numpy as np
from tqdm import tqdm

from semjscc.gr.completion import wait_until_idle
from semjscc.gr.memory import release_free_memory
from semjscc.link.loopback import link_report
from semjscc.phy.taps import parse_taps
from semjscc.run.flowgraphs import load_flowgraph


FLOWGRAPHS = {"single-carrier": "loopback_sim", "ofdm": "loopback_ofdm"}
DEFAULT_MODELS = {"single-carrier": "adaptive_awgn_kn1-6", "ofdm": "adaptive_ofdm_kn1-6"}


def run_loopback(model: str, data: str, snr_db: float, cfo: float = 0.0, epsilon: float = 1.0, taps: str = "1.0",
                 seed: int = 0, out: str = "out/loopback", device: str = "auto", samp_rate: float = 1e6,
                 timeout_s: float = 600.0, data_root=None, task_model: str = "", save_images: bool = True,
                 mode: str = "single-carrier", dynamic=None, allocation: str = "") -> dict:
    """``dynamic``: a :class:`semjscc.run.channels.DynamicChannel` that replaces the flowgraph's channel
    (``cfo``, ``epsilon`` and ``taps`` then do not apply); ``allocation``: a rate-adaptive model's budget."""
    if mode not in FLOWGRAPHS:
        raise ValueError(f"unknown link mode {mode!r}; known: {', '.join(FLOWGRAPHS)}")
    name = FLOWGRAPHS[mode]
    tb = getattr(load_flowgraph(name), name)(model=model, data=data, snr=snr_db, cfo=cfo, epsilon=epsilon, taps=taps, seed=seed,
                             out=out, device=device, samp_rate=samp_rate, task=task_model, save=int(save_images),
                             data_root=data_root or "", allocation=allocation)
    if dynamic is not None:
        _replace_channel(tb, dynamic.block(tb.profile.noise_voltage(snr_db, tb.amplitude), seed, samp_rate))
    n_images = len(tb.source._images)
    tb.sink.log_images = False  # a progress bar instead of a line per image
    started = time.time()
    tb.start()
    with tqdm(total=n_images, desc=f"{mode} {snr_db:g} dB", unit="image", leave=False, disable=None) as bar:
        finished, timed_out = wait_until_idle(tb, n_images, timeout_s,
                                              on_progress=lambda received: bar.update(received - bar.n))
    tb.stop()
    tb.wait()
    summary = tb.sink.summary()
    tx = tb.tx.counters()
    wall = max(finished - started - tb.source.start_delay, 1e-6)
    codec = tb.tx.encoder.model
    report = {"model": model, "device": f"{codec.device.type} ({codec.runtime})", "mode": mode,
              "allocation": allocation, "data": data, "snr_db": snr_db, "cfo": cfo, "epsilon": epsilon, "taps": taps,
              "taps_in_band_gain_db": 10 * np.log10(tb.profile.air.in_band_gain(parse_taps(taps))),
              "seed": seed, "timed_out": timed_out, "dynamic": None if dynamic is None else dynamic.to_dict(),
              **link_report(tx["frames_sent"], tb.source.sent, tb.rx.sync.counters(), tb.rx.decoder.counters(),
                            summary, tx["dropped"].get("jscc_encoder")),
              "samples": tx["samples_sent"], "samp_rate": samp_rate, "wall_s": round(wall, 3),
              "rtf": None if timed_out else tx["samples_sent"] / samp_rate / wall}
    sps, values = tb.profile.air.samples_per_symbol, _values_sent(tb.source, report["images_sent"])
    receiver, allocator = tb.rx.decoder.model, tb.tx.encoder.encoder.allocator
    del tb  # its queues and images go before the reference run: a large image's peak memory is one or the other
    gc.collect()
    release_free_memory()
    report.update(_ideal_reference(receiver, allocator, data, snr_db, data_root))
    report.update(_air_time(report, sps, values))
    if report["psnr"] is not None and report.get("sim_psnr") is not None:
        report["impl_loss_db"] = report["sim_psnr"] - report["psnr"]
    return report


def _replace_channel(tb, channel) -> None:
    """Put ``channel`` between the flowgraph's transmitter and receiver instead of its own."""
    tb.disconnect(tb.tx, tb.channel)
    tb.disconnect(tb.channel, tb.rx)
    tb.channel = channel
    tb.connect(tb.tx, tb.channel, tb.rx)


def _ideal_reference(model, allocator, data, snr_db, data_root) -> dict:
    """PSNR of the receiver's model and the same images over the ideal AWGN channel at the same SNR, with the
    transmitter's ``allocator`` (the same budget as on air)."""
    from semjscc.data import load_dataset
    from semjscc.evaluate.quality import evaluate

    dataset = load_dataset(data, data_root)
    ideal = evaluate(model.codec, dataset, "awgn", [snr_db], device=str(model.device), seed=1, allocator=allocator,
                     image_quality=False)  # PSNR is all it is compared on: no full-size SSIM of a large image
    return {"sim_psnr": ideal["results"][0]["psnr"],
            "k_over_n": ideal["results"][0].get("mean_k_over_n", model.codec.k_over_n)}


def _values_sent(source, images_sent: int) -> int:
    return sum(int(np.prod(image.shape)) for image, _, _ in source._images[:images_sent])


def _air_time(report: dict, sps: float, values: int) -> dict:
    """The payload k/n against the k/n of everything on air (preamble, header, pilots, guards, pulse tails)
    for ``values`` source values sent."""
    if not values or not report["samples"]:
        return {}
    air = report["samples"] / sps / values
    return {"k_over_n_air": air, "overhead": 1 - report["k_over_n"] / air}
