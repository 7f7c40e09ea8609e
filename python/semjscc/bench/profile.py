"""Where the time goes: the link's stages profiled on its offline twin (``semjscc bench profile``).

The offline link (:func:`semjscc.link.loopback.simulate_link`) runs the same encoder, framer, RRC, synchroniser,
equaliser, receiver and decoder code as the blocks, in one thread, so a deterministic profile (cProfile)
splits one run into stages without the flowgraph's threads blurring it. Each stage is the cumulative time of
the functions that make it (less the stages nested inside); the PDU conversions, which only the flowgraph
does, are timed separately on the run's own bursts and images. Numbers are CPU seconds on one thread (the
neural stages use one torch thread too), so shares compare across machines better than seconds do.
"""

import cProfile
import json
import pstats
import time
from pathlib import Path

import numpy as np
import torch

from semjscc.data import load_dataset
from semjscc.link import load_link_codec
from semjscc.link.loopback import simulate_link
from semjscc.link.transmitter import Encoder, Transmitter

# stage: (functions whose cumulative time it is, nested functions counted in other stages);
# a function is (file suffix, name)
STAGES = [
    ("neural encoder", [("link/transmitter.py", "encode")], []),
    ("framer", [("link/transmitter.py", "frames")], []),
    ("RRC modulator", [("link/transmitter.py", "modulate")], []),
    ("channel simulation (not on a radio)", [("phy/channel_sim.py", "simulate_channel")], []),
    ("matched filter", [("phy/pulse.py", "matched_filter")], []),
    ("detection (autocorrelation)", [("phy/sync.py", "push")],
     [("phy/sync.py", "_try_frame"), ("phy/ofdm/sync.py", "_try_frame")]),
    ("timing", [("phy/sync.py", "_fine_timing")], []),
    ("CFO", [("phy/sync.py", "_refine_cfo")], []),
    ("header decode (Viterbi, CRC)", [("phy/sync.py", "_decode_header")], []),
    ("frame sync, rest", [("phy/sync.py", "_try_frame")],
     [("phy/sync.py", "_fine_timing"), ("phy/sync.py", "_refine_cfo"), ("phy/sync.py", "_decode_header")]),
    ("equaliser + SNR estimate", [("link/receiver.py", "equalize_frame")], []),
    ("reassembly, checks", [("link/receiver.py", "accept")], []),
    ("neural decoder (+ task network)", [("link/receiver.py", "decode")], []),
    ("metrics (PSNR, SSIM)", [("link/scoring.py", "add"), ("link/scoring.py", "summary")], []),
]


def _cumulative(stats: dict, functions: list) -> float:
    return sum(ct for (file, _, name), (_, _, _, ct, _) in stats.items()
               if any(file.endswith(suffix) and name == wanted for suffix, wanted in functions))


def stage_times(stats: dict) -> dict:
    return {stage: max(_cumulative(stats, functions) - _cumulative(stats, nested), 0.0)
            for stage, functions, nested in STAGES}


def pdu_seconds(model, images: list, repeats: int = 3) -> float:
    """What the flowgraph adds: every burst through the PDU conversions of its hops (symbols, frame, burst, received
    frame, equalised symbols) and every image in and out, timed on this run's own data."""
    from semjscc.gr.pdus import make_pdu, parse_pdu

    bursts = Transmitter(Encoder(model, 10.0)).transmit(images)
    started = time.process_time()
    for _ in range(repeats):
        for meta, samples in bursts:
            for _ in range(5):
                parse_pdu(make_pdu({"image_id": 0, "payload_length": len(samples)}, samples))
        for image in images:
            for _ in range(2):
                parse_pdu(make_pdu({"image_id": 0, "height": image.shape[0], "width": image.shape[1]},
                                   np.ascontiguousarray(image).reshape(-1)))
    return (time.process_time() - started) / repeats


def profile_model(name: str, data: str, snr_db: float = 10.0, device: str = "cpu") -> dict:
    torch.set_num_threads(1)
    model = load_link_codec(name, device)
    images = load_dataset(data)
    simulate_link(model, images.subset(min(8, len(images))), snr_db)  # warm-up: allocations, oneDNN kernels
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    report = simulate_link(model, images, snr_db, cfo=0.001, epsilon=1.00002, taps=(0.98, 0.2j))
    profiler.disable()
    stats = pstats.Stats(profiler).stats
    total = _cumulative(stats, [("link/loopback.py", "simulate_link")])
    stages = stage_times(stats)
    stages["PDU conversions (flowgraph only)"] = pdu_seconds(model, list(images.images))
    stages["other"] = max(total - sum(v for k, v in stages.items() if not k.startswith("PDU")), 0.0)
    link_total = total + stages["PDU conversions (flowgraph only)"] - stages["channel simulation (not on a radio)"]
    count = len(images)
    rows = [{"stage": stage, "cpu_s": round(seconds, 4), "us_per_image": round(1e6 * seconds / count, 1),
             "share_of_link": round(seconds / link_total, 4) if "not on a radio" not in stage else None}
            for stage, seconds in stages.items()]
    return {"model": name, "data": data, "images": count, "snr_db": snr_db, "images_decoded": report["images_decoded"],
            "torch_threads": 1, "device": device, "link_cpu_s": round(link_total, 3),
            "images_per_cpu_s": round(count / link_total, 1), "stages": rows}


def synchroniser_msps(mode: str, samples: int = 2_000_000, chunk: int = 8192) -> dict:
    """Million samples per CPU second through the synchroniser alone, in noise, with a tone and with DC (the inputs
    that pass the detection threshold everywhere)."""
    from semjscc.link import LinkProfile

    profile = LinkProfile(mode=mode)
    rng = np.random.default_rng(0)
    noise = ((rng.standard_normal(samples) + 1j * rng.standard_normal(samples)) * 0.1).astype(np.complex64)
    inputs = {"noise": noise, "tone": noise + 0.5 * np.exp(2j * np.pi * 0.01 * np.arange(samples)).astype(np.complex64),
              "dc": noise + np.complex64(0.5)}
    rates = {}
    for name, signal in inputs.items():
        sync = profile.air.synchronizer(0.3)
        started = time.process_time()
        for start in range(0, samples, chunk):
            sync.push(signal[start:start + chunk])
        rates[name] = round(samples / (time.process_time() - started) / 1e6, 2)
    return rates


def stream_cost_ms(make_block, bursts: int, length: int = 17_000) -> float:
    """CPU ms per burst for ``make_block()`` to turn ``bursts`` queued burst PDUs into a stream (a large image
    queues them all at once: 2,000 frames is a 4K image)."""
    import pmt
    from gnuradio import blocks, gr

    from semjscc.gr.pdus import make_pdu

    samples = (np.random.default_rng(0).standard_normal(length) * 0.3).astype(np.complex64)
    tb = gr.top_block()
    block, sink = make_block(), blocks.null_sink(gr.sizeof_gr_complex)
    tb.connect(block, sink)
    tb.start()
    started = time.process_time()
    for _ in range(bursts):
        block.to_basic_block()._post(pmt.intern("pdus"), make_pdu({"image_id": 0}, samples))
    while sink.nitems_read(0) < bursts * length:
        time.sleep(0.005)
    cost = time.process_time() - started
    tb.stop()
    tb.wait()
    return round(1e3 * cost / bursts, 3)


def tx_stream_costs() -> dict:
    from gnuradio import pdu

    from semjscc.gr.burst_stream import burst_stream

    return {"burst_stream": {n: stream_cost_ms(burst_stream, n) for n in (10, 100, 500, 2000)},
            "pdu_to_stream_c (append)": {n: stream_cost_ms(lambda: pdu.pdu_to_stream_c(pdu.EARLY_BURST_APPEND, 4096), n)
                                         for n in (10, 100, 500)}}


def run_profile_bench(out: str, models: list, data: str = "cifar10:test", device: str = "cpu",
                      tx_stream: bool = True) -> list:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sync = {mode: synchroniser_msps(mode) for mode in ("single-carrier", "ofdm")}
    print(f"synchroniser, million samples per CPU second: {sync}", flush=True)
    (out / "synchroniser.json").write_text(json.dumps(sync, indent=2) + "\n")
    if tx_stream:
        costs = tx_stream_costs()
        print(f"TX stream, CPU ms per burst by bursts queued: {costs}", flush=True)
        (out / "tx_stream.json").write_text(json.dumps(costs, indent=2) + "\n")
    results = []
    for name in models:
        result = profile_model(name, data, device=device)
        results.append(result)
        print(f"{name}: {result['images_per_cpu_s']} images per CPU second; " + ", ".join(
            f"{row['stage']} {100 * row['share_of_link']:.1f} %" for row in result["stages"]
            if row["share_of_link"] is not None and row["share_of_link"] >= 0.01), flush=True)
    (out / "profile.json").write_text(json.dumps(results, indent=2) + "\n")
    plot_profile(results, out / "profile.png")
    return results


def plot_profile(results: list, path: Path) -> None:
    from semjscc.evaluate.plots import figure

    with figure(path, 1, len(results), figsize=(6 * len(results), 4.5), squeeze=False) as (_, axes):
        for ax, result in zip(axes[0], results):
            rows = [row for row in result["stages"] if row["share_of_link"] is not None]
            ax.barh([row["stage"] for row in rows], [row["us_per_image"] for row in rows], color="tab:blue")
            ax.invert_yaxis()
            ax.set_xlabel("CPU µs per image (one thread)")
            ax.set_title(f"{result['model']}, {result['images']} images of {result['data']}", fontsize=9)
            ax.grid(True, axis="x", alpha=0.3)
