"""What the air can do to the receiver: each case the reliability review reproduced, and random hostile streams."""

import collections

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gr_helpers import tiny_checkpoint
from semjscc.bench.robustness import Books, _burst, hostile_segment
from semjscc.link import Demodulator, LinkProfile, Receiver, load_link_codec
from semjscc.link.meta import FrameMeta
from semjscc.link.receiver import take_same_size
from semjscc.phy.channel_sim import simulate_channel
from semjscc.phy.levels import noise_voltage
from semjscc.phy.pulse import matched_filter

PROFILE = LinkProfile()


def random_frame(image_id, rng, model_id=1, length=512):
    data = ((rng.standard_normal(length) + 1j * rng.standard_normal(length)) / np.sqrt(2)).astype(np.complex64)
    meta = FrameMeta(model_id=model_id, image_id=image_id, height=32, width=32, payload_length=length)
    return meta, data


def receive(stream, snr_db=20.0, seed=1):
    """Push ``stream`` through channel noise and the demodulator; (delivered image ids, synchroniser stats)."""
    noisy = simulate_channel(stream, noise_voltage(snr_db, 0.3, PROFILE.sps), 0.001, seed=seed)
    demodulator = Demodulator(PROFILE)
    delivered = []
    filtered = matched_filter(noisy, PROFILE.frame.taps)
    for start in range(0, len(filtered), 10_000):  # frames split across pushes
        delivered += [meta.image_id for meta, _ in demodulator.push(filtered[start:start + 10_000])]
    demodulator.sync.flush()
    return delivered, demodulator.sync.stats


def silence(count):
    return np.zeros(count, dtype=np.complex64)


def test_a_nan_before_a_frame_costs_nothing_and_one_inside_drops_it_counted():
    rng = np.random.default_rng(0)
    first, second = (_burst(*random_frame(i, rng), PROFILE) for i in (1, 2))
    second = second.copy()
    second[len(second) // 2] = np.inf
    stream = np.concatenate([silence(1000), first, silence(1000), second, silence(1000), first, silence(3000)])
    stream[1000 - 200] = np.nan  # 200 samples ahead of the first frame
    delivered, stats = receive(stream)
    assert delivered == [1, 1]  # (the receiver, not the synchroniser, drops the repeat)
    assert stats.dropped == {"corrupt_samples": 1} and stats.corrupt_samples > 0


def test_an_absurd_burst_does_not_take_the_next_frame_with_it():
    rng = np.random.default_rng(1)
    frame = _burst(*random_frame(7, rng), PROFILE)
    stream = np.concatenate([silence(500), np.full(200, 1e15, np.complex64), silence(2000), frame, silence(3000)])
    delivered, stats = receive(stream)
    assert delivered == [7] and stats.dropped == {}


@pytest.mark.parametrize("kept", [0.55, 0.8, 0.97])
def test_a_burst_cut_short_is_dropped_and_the_next_frame_survives(kept):
    rng = np.random.default_rng(2)
    cut, whole = (_burst(*random_frame(i, rng, length=4096), PROFILE) for i in (1, 2))
    stream = np.concatenate([silence(1000), cut[:int(len(cut) * kept)], silence(300), whole, silence(3000)])
    delivered, stats = receive(stream)
    assert delivered == [2]
    assert stats.dropped == {"truncated": 1} and stats.detected == stats.decoded + 1


def test_a_burst_cut_at_the_end_of_the_stream_is_counted():
    rng = np.random.default_rng(3)
    cut = _burst(*random_frame(1, rng, length=4096), PROFILE)
    delivered, stats = receive(np.concatenate([silence(1000), cut[:len(cut) // 2]]))
    assert delivered == [] and stats.dropped == {"truncated": 1}


def test_a_failed_header_drops_the_frame_once_and_its_body_is_not_detected_again():
    rng = np.random.default_rng(4)
    frame = _burst(*random_frame(1, rng, length=4096), PROFILE).copy()
    header_start = 16 * 4 + len(PROFILE.frame.preamble) * 4
    header = slice(header_start, header_start + PROFILE.frame.header_symbols * 4)
    frame[header] = (rng.standard_normal((header.stop - header.start, 2)) @ [1, 1j] * 0.3).astype(np.complex64)
    delivered, stats = receive(np.concatenate([silence(1000), frame, silence(3000)]))
    assert delivered == [] and stats.detected == 1 and stats.dropped == {"header_crc": 1}


def test_a_tone_and_dc_cost_no_frame_attempts(monkeypatch):
    rng = np.random.default_rng(5)
    frame = _burst(*random_frame(3, rng), PROFILE)
    n = 400_000
    tone = (0.1 + 0.1 * np.exp(2j * np.pi * 0.013 * np.arange(n))).astype(np.complex64)  # the burst's RMS: 0.3
    tone[200_000:200_000 + len(frame)] += frame
    filtered = matched_filter(tone, PROFILE.frame.taps)
    demodulator = Demodulator(PROFILE)
    attempts = []
    original = demodulator.sync._try_frame
    monkeypatch.setattr(demodulator.sync, "_try_frame", lambda *args: attempts.append(args) or original(*args))
    delivered = []
    for start in range(0, n, 1 << 16):
        delivered += demodulator.push(filtered[start:start + (1 << 16)])
    assert [meta.image_id for meta, _ in delivered] == [3]
    assert len(attempts) <= 2  # the frame itself (and its refinement), nothing for the tone


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2 ** 16), hostile=st.floats(0.0, 1.0), snr_db=st.floats(0.0, 30.0))
def test_random_hostile_streams_never_break_the_books(tmp_path_factory, seed, hostile, snr_db):
    model = load_link_codec(tiny_checkpoint(tmp_path_factory.mktemp("codec") / "tiny.pt"), "cpu")
    rng = np.random.default_rng(seed)
    encoded = [random_frame(i, rng, model_id=model.wire_id) for i in range(10)]
    encoded[3] = (FrameMeta(model_id=model.wire_id, image_id=3, height=32, width=32, payload_length=1024,
                            image_count=2), np.resize(encoded[3][1], 1024))
    books = Books()
    stream = hostile_segment(encoded, PROFILE, rng, books, hostile)
    noisy = simulate_channel(stream, noise_voltage(snr_db, 0.3, PROFILE.sps), 0.002, seed=seed)
    demodulator, receiver = Demodulator(PROFILE), Receiver(model, profile=PROFILE)
    decoded = set()
    filtered = matched_filter(noisy, PROFILE.frame.taps)
    for start in range(0, len(filtered), 30_000):
        ready = collections.deque()
        for meta, data in demodulator.push(filtered[start:start + 30_000]):
            ready.extend(receiver.accept(meta, data))
        while ready:
            decoded.update(image["image_id"] for image, _ in receiver.decode(take_same_size(ready, 16)))
    demodulator.sync.flush()
    receiver.flush()
    stats, counters = demodulator.sync.stats, receiver.counters()
    assert stats.detected == stats.decoded + sum(stats.dropped.values())
    image_drops = {k: v for k, v in counters["dropped"].items() if k not in ("duplicate", "model_mismatch")}
    assert counters["images_in"] == counters["images_decoded"] + sum(image_drops.values())
    assert counters["images_pending"] == 0
    if snr_db >= 12:
        assert books.must_decode <= decoded


@pytest.mark.parametrize("snr_db", [0.0, 3.0])
def test_frames_on_the_air_at_low_snr_are_not_taken_for_truncated_ones(snr_db):
    rng = np.random.default_rng(7)
    bursts = [np.concatenate([_burst(*random_frame(i, rng, length=4096), PROFILE), silence(500)]) for i in range(12)]
    delivered, stats = receive(np.concatenate([silence(1000), *bursts, silence(3000)]), snr_db=snr_db, seed=3)
    assert "truncated" not in stats.dropped and len(delivered) >= 11  # (a header may fail at 0 dB)
