"""``semjscc bench robustness``: a hostile sender and a careless channel against the receiver.

Frames carrying real JSCC payloads (a shipped model's encoder) go on a stream
where a frame, at random, arrives intact, cut short, twice, hit by a
burst of NaN/Inf samples, after a burst of absurd amplitude, next to a strong
tone, or with a forged header (another model, an impossible size, chunk
counts or payload length no transmitter makes).  The receiver is the blocks'
own code (:class:`Demodulator` + :class:`Receiver`); it must never raise,
deliver every image of every frame that arrived whole, keep its books
(synchroniser: detected = delivered + dropped; receiver: images in = decoded
+ dropped), and stay within a memory bound.
"""

import collections
import json
import resource
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from semjscc.data import load_dataset
from semjscc.link import Demodulator, Encoder, LinkProfile, Receiver, load_link_codec
from semjscc.link.meta import FrameMeta
from semjscc.link.receiver import take_same_size
from semjscc.link.transmitter import frames, modulate, take_batch
from semjscc.phy.channel_sim import simulate_channel
from semjscc.phy.frame import frame_symbols
from semjscc.phy.levels import noise_voltage
from semjscc.phy.pulse import matched_filter

EVENTS = ("intact", "truncated", "duplicate", "nan_burst", "huge_burst", "tone", "forged_model", "forged_size",
          "forged_chunks", "forged_length")
INTACT = {"intact", "duplicate", "huge_burst", "tone"}  # frames whose images must be decoded
AMPLITUDE = 0.3
RSS_BOUND_MB = 4096


@dataclass
class Books:
    """What was sent, and what must have come out."""

    frames_sent: int = 0
    events: collections.Counter = field(default_factory=collections.Counter)
    sent: set = field(default_factory=set)  # image ids on the air
    spoiled: set = field(default_factory=set)  # image ids with a frame that did not arrive whole
    sequence: list = field(default_factory=list)  # (event, image ids) per frame, in order sent

    @property
    def must_decode(self) -> set:
        return self.sent - self.spoiled


def _forged(meta: FrameMeta, event: str, rng) -> FrameMeta:
    if event == "forged_model":
        return replace(meta, model_id=(meta.model_id + 1 + int(rng.integers(1000))) % 65536)
    if event == "forged_size":
        return replace(meta, height=int(rng.integers(4000, 65535)), width=int(rng.integers(4000, 65535)))
    if event == "forged_chunks":
        return replace(meta, chunk_count=meta.chunk_count + 1 + int(rng.integers(100)), image_count=1)
    return replace(meta, payload_length=max(1, meta.payload_length - 1 - int(rng.integers(meta.payload_length))))


def _burst(meta: FrameMeta, symbols: np.ndarray, profile: LinkProfile) -> np.ndarray:
    return modulate(frame_symbols(meta.to_header(), symbols, profile.frame), profile, AMPLITUDE)


def hostile_segment(encoded: list, profile: LinkProfile, rng, books: Books, hostile: float) -> np.ndarray:
    """The stream for a list of (FrameMeta, payload) frames; with probability ``hostile`` a frame gets one of
    the events other than ``intact``, drawn evenly.  ``books`` records what was sent and what must arrive."""
    parts = []
    for meta, payload in encoded:
        event = EVENTS[1 + int(rng.integers(len(EVENTS) - 1))] if rng.random() < hostile else "intact"
        books.events[event] += 1
        books.frames_sent += 1
        books.sequence.append((event, meta.image_ids()))
        books.sent.update(meta.image_ids())
        if event not in INTACT:
            books.spoiled.update(meta.image_ids())
        gap = np.zeros(int(rng.integers(200, 3000)), dtype=np.complex64)
        if event.startswith("forged"):
            forged = _forged(meta, event, rng)
            if forged.to_header().problem():  # shared frames split only evenly: forge it as one image
                forged = replace(forged, image_count=1)
            length = forged.payload_length
            data = np.resize(payload, length) if length != len(payload) else payload
            parts += [gap, _burst(forged, data, profile)]
            continue
        burst = _burst(meta, payload, profile)
        if event == "truncated":
            burst = burst[:int(len(burst) * rng.uniform(0.55, 0.95))]
        elif event == "nan_burst":
            start = int(rng.integers(len(burst) // 2, len(burst) - 50))
            burst = burst.copy()
            burst[start:start + 20] = np.nan if rng.random() < 0.5 else np.inf
        elif event == "huge_burst":
            gap = np.concatenate([gap, np.full(200, 1e15, dtype=np.complex64), np.zeros(2000, np.complex64)])
        elif event == "tone":
            gap = (0.5 * np.exp(2j * np.pi * rng.uniform(-0.05, 0.05) * np.arange(len(gap) + 3000))
                   ).astype(np.complex64)
        parts += [gap, burst]
        if event == "duplicate":
            parts += [np.zeros(500, np.complex64), burst]
    return np.concatenate(parts)


def run_case(model_name: str, data: str, frames_target: int, snr_db: float = 15.0, seed: int = 0,
             data_root=None, segment_frames: int = 40, hostile: float = 0.7) -> dict:
    """One configuration: ``frames_target`` frames of ``data`` coded by ``model_name``, through the hostile stream.

    An image spanning many frames arrives whole only if all of them do: give such data a smaller ``hostile``.
    """
    rng = np.random.default_rng(seed)
    model = load_link_codec(model_name, "cpu")
    images = load_dataset(data, data_root).images
    profile = LinkProfile()
    encoder = Encoder(model, snr_db)
    demodulator, receiver = Demodulator(profile), Receiver(model, profile=profile)
    books, decoded, errors = Books(), set(), []
    next_id, started = 0, time.time()
    while books.frames_sent < frames_target:
        queue = collections.deque()
        while len(queue) < 64:
            queue.append(({"image_id": next_id}, images[next_id % len(images)]))
            next_id += 1
        encoded = []
        while queue and len(encoded) < segment_frames:
            batch, symbols = encoder.encode(take_batch(queue, 16))
            framed = frames(batch, symbols, profile)
            offsets = np.cumsum([0] + [meta.payload_length for meta, _ in framed])
            encoded += [(meta, symbols.reshape(-1)[offsets[i]:offsets[i + 1]]) for i, (meta, _) in enumerate(framed)]
        next_id -= len(queue)  # the images not framed go first next time
        stream = hostile_segment(encoded, profile, rng, books, hostile)
        received = simulate_channel(stream, noise_voltage(snr_db, AMPLITUDE, profile.sps), 0.001,
                                    seed=int(rng.integers(1 << 30)))
        try:
            filtered = matched_filter(received, profile.frame.taps)
            for start in range(0, len(filtered), 1 << 16):
                ready = collections.deque()
                for meta, data_symbols in demodulator.push(filtered[start:start + (1 << 16)]):
                    ready.extend(receiver.accept(meta, data_symbols))
                while ready:
                    decoded.update(image["image_id"] for image, _ in receiver.decode(take_same_size(ready, 16)))
        except Exception as err:  # counted, not raised: the benchmark reports crashes
            errors.append(repr(err))
    demodulator.sync.flush()
    receiver.flush()
    stats, counters = demodulator.sync.stats, receiver.counters()
    image_drops = {k: v for k, v in counters["dropped"].items() if k not in ("duplicate", "model_mismatch")}
    undelivered = books.must_decode - decoded
    lost_after = collections.Counter(books.sequence[i - 1][0] for i, (_, ids) in enumerate(books.sequence)
                                     if i and undelivered.intersection(ids))
    return {
        "model": model_name, "data": data, "snr_db": snr_db, "seed": seed,
        "frames_sent": books.frames_sent, "events": dict(books.events),
        "frames_detected": stats.detected, "frames_delivered": stats.decoded, "frames_dropped": dict(stats.dropped),
        "sync_books_balance": stats.detected == stats.decoded + sum(stats.dropped.values()),
        "images_in": counters["images_in"], "images_decoded": counters["images_decoded"],
        "images_dropped": counters["dropped"],
        "receiver_books_balance": counters["images_in"] == counters["images_decoded"] + sum(image_drops.values())
        + counters["images_pending"],
        "intact_images": len(books.must_decode), "intact_images_not_delivered": len(undelivered),
        "undelivered_frames_follow": dict(lost_after),
        "crashes": len(errors), "crash_examples": errors[:3], "wall_s": round(time.time() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_robustness_bench(out: str, data_root=None, frames_cifar: int = 10_000, frames_cifar_12: int = 5_000,
                         frames_kodak: int = 2_000) -> dict:
    """The three configurations of the benchmark; JSON in ``out/robustness.json``."""
    cases = [("adaptive_awgn_kn1-6_w64", "cifar10:test", frames_cifar, 0.7),
             ("adaptive_awgn_kn1-12", "cifar10:test", frames_cifar_12, 0.7),
             ("adaptive_awgn_kn1-6_w64", "kodak", frames_kodak, 0.03)]  # 48 frames an image: 23 % arrive whole
    rows = []
    for seed, (model, data, count, hostile) in enumerate(cases):
        rows.append(run_case(model, data, count, seed=seed, data_root=data_root, hostile=hostile))
        print(json.dumps({k: v for k, v in rows[-1].items() if k != "crash_examples"}), flush=True)
    result = {"rss_bound_mb": RSS_BOUND_MB, "cases": rows,
              "passed": all(r["crashes"] == 0 and r["sync_books_balance"] and r["receiver_books_balance"]
                            and r["intact_images_not_delivered"] == 0 and r["peak_rss_mb"] < RSS_BOUND_MB
                            for r in rows)}
    path = Path(out)
    path.mkdir(parents=True, exist_ok=True)
    (path / "robustness.json").write_text(json.dumps(result, indent=2) + "\n")
    return result
