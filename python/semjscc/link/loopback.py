"""The image link offline: Transmitter -> channel -> Demodulator -> Receiver, no GNU Radio.

The same functions run inside the blocks, so a figure measured here holds in
the flowgraph (a test compares the two on the same images).  The channel is
the numpy model of GNU Radio's ``channel_model`` (:mod:`semjscc.phy.channel_sim`).
"""

import collections

import numpy as np

from semjscc.data import ImageSet
from semjscc.link.models import LinkCodec
from semjscc.link.profile import LinkProfile
from semjscc.link.receiver import Demodulator, Receiver, take_same_size
from semjscc.link.scoring import ImageScorer
from semjscc.link.transmitter import Encoder, Transmitter
from semjscc.phy.channel_sim import simulate_channel
from semjscc.phy.ofdm.estimation import exponential_profile
from semjscc.phy.pulse import matched_filter

CHUNK = 1 << 16  # samples per push, as the flowgraph's synchroniser gets them


FRAME_LEVEL = ("model_mismatch", "duplicate")  # counted per frame or chunk: no image of ours is lost there


def link_report(frames_sent: int, images_sent: int, sync: dict, decoder: dict, summary: dict,
                transmitter_dropped: dict = None) -> dict:
    """The accounting of a run: frames sent/detected/decoded/dropped/missed, images sent/decoded/dropped, quality.

    ``sync``: the synchroniser's counters (``frames_detected``, ``frames_synced``, ``dropped``);
    ``decoder``: the receiver's (``images_decoded``, ``dropped``); ``summary``: :meth:`ImageScorer.summary`;
    ``transmitter_dropped``: images the transmitter refused, by reason.  ``images_unexplained`` is what is
    neither decoded nor counted as dropped; it may be non-zero only when whole frames were lost on the air
    (``frames_lost``), which carried images that no receiver can count; ``accounted`` says the books close.
    """
    transmitter_dropped = dict(transmitter_dropped or {})
    images_dropped = {k: v for k, v in decoder["dropped"].items() if k not in FRAME_LEVEL}
    frames_dropped = {**sync["dropped"], **{k: v for k, v in decoder["dropped"].items() if k in FRAME_LEVEL}}
    frames_missed = frames_sent - sync["frames_detected"]
    frames_lost = max(frames_missed, 0) + sum(sync["dropped"].values())
    unexplained = images_sent - decoder["images_decoded"] - sum(images_dropped.values()) - sum(
        transmitter_dropped.values())
    return {
        "frames_sent": frames_sent,
        "frames_detected": sync["frames_detected"],
        "frames_decoded": sync["frames_synced"],
        "frames_dropped": frames_dropped,
        "frames_missed": frames_missed,
        "frames_lost": frames_lost,
        "images_sent": images_sent,
        "images_decoded": decoder["images_decoded"],
        "images_lost": dict(decoder.get("lost", {})),  # digital: delivered as the mean image (in the PSNR)
        "early_tile_rows": decoder.get("early_tile_rows", 0),  # photographs: rows decoded before the last frame
        "images_dropped": images_dropped,
        "images_dropped_tx": transmitter_dropped,
        "images_unexplained": unexplained,
        "accounted": unexplained == 0 or (unexplained > 0 and frames_lost > 0),
        "psnr": summary.get("psnr"),
        "ssim": summary.get("ssim"),
        "accuracy": summary.get("accuracy"),
        "snr_est_db": summary.get("snr_est_db"),
        **({"mean_k_over_n": summary["mean_k_over_n"]} if "mean_k_over_n" in summary else {}),
    }


def exponential_fading(taps: int = 10, rms_delay: float = 4.0):
    """Block fading per frame: ``taps`` independent Rayleigh taps at the sample rate, an exponential
    power-delay profile, unit average power (the instantaneous gain of a frame varies around it)."""
    powers = exponential_profile(taps, rms_delay)

    def draw(rng: np.random.Generator) -> np.ndarray:
        return (rng.standard_normal(taps) + 1j * rng.standard_normal(taps)) * np.sqrt(powers / 2)
    return draw


def simulate_link(model: LinkCodec, images: ImageSet, snr_db: float, cfo: float = 0.0, epsilon: float = 1.0,
                  taps=(1.0,), seed: int = 0, profile: LinkProfile = LinkProfile(), amplitude: float = 0.3,
                  task=None, max_batch: int = 16, fading=None, allocator=None, decoder: LinkCodec = None) -> dict:
    """Send ``images`` over the simulated radio channel at Es/N0 ``snr_db`` at the receiver (``taps`` scaled to
    unit in-band gain); the link report of the run.  ``fading`` (e.g. :func:`exponential_fading`) draws a new
    channel for every burst, on top of ``taps``: then ``snr_db`` is the average SNR.  ``allocator``: the rate
    allocation of a rate-adaptive codec (``semjscc.semantic.allocation``).  ``decoder``: the receiver's codec
    when it is another decoder of the transmitter's encoder (a GAN decoder)."""
    transmitter = Transmitter(Encoder(model, snr_db, allocator), profile, amplitude, max_batch)
    bursts = transmitter.transmit(list(images.images))
    gap = np.zeros(1000, dtype=np.complex64)
    rng = np.random.default_rng(seed + 1)
    on_air = [samples if fading is None else np.convolve(samples, fading(rng)).astype(np.complex64)
              for _, samples in bursts]
    signal = np.concatenate([gap] + on_air + [gap])
    taps = profile.channel_taps(taps)  # the receiver sees the nominal SNR
    received = simulate_channel(signal, profile.noise_voltage(snr_db, amplitude), cfo, taps, epsilon=epsilon,
                                seed=seed)
    demodulator = Demodulator(profile)
    receiver = Receiver(decoder or model, task, profile=profile)
    scorer = ImageScorer(images)
    queue = collections.deque()
    taps = profile.air.receive_taps
    filtered = received if taps is None else matched_filter(received, taps)
    for start in range(0, len(filtered), CHUNK):
        for meta, data in demodulator.push(filtered[start:start + CHUNK]):
            queue.extend(receiver.accept(meta, data))
        while queue:
            for image_meta, pixels in receiver.decode(take_same_size(queue, max_batch)):
                scorer.add(image_meta, pixels)
    receiver.flush()
    stats = demodulator.sync.stats
    sync = {"frames_detected": stats.detected, "frames_synced": stats.decoded, "dropped": dict(stats.dropped)}
    return {"snr_db": snr_db, "cfo": cfo, "epsilon": epsilon, "seed": seed, "profile": profile.to_dict(),
            "fading": fading is not None, "samples": sum(len(samples) for samples in on_air),
            **link_report(len(bursts), len(images), sync, receiver.counters(), scorer.summary()),
            "images": scorer.rows}
