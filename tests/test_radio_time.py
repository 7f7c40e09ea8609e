"""Radio bring-up: timed bursts, arrival times, and the USRP set-up the flowgraphs call."""

import time

import numpy as np
import pmt
import pytest

from semjscc.link.timing import BurstScheduler, SampleClock, split_seconds


def test_split_seconds_gives_uhd_whole_and_fraction():
    whole, fraction = split_seconds(1_700_000_000.25)
    assert (whole, fraction) == (1_700_000_000, pytest.approx(0.25))


def test_sample_clock_needs_time_and_rate_then_counts_from_the_latest_mark():
    clock = SampleClock()
    assert clock.time_of(100) is None
    clock.mark_time(1000, 50, 0.5)
    assert clock.time_of(1000) is None  # no rate yet
    clock.mark_rate(1e6)
    assert clock.time_of(3000) == pytest.approx(50.502)
    clock.mark_time(10_000, 60, 0.0)  # an overflow: UHD marks the stream again
    assert clock.time_of(10_500) == pytest.approx(60.0005)
    assert clock.time_of(9_000) == pytest.approx(50.508)  # a frame from before the new mark keeps the old one


def test_burst_scheduler_leads_the_clock_and_never_overlaps_bursts():
    now = [100.0]
    scheduler = BurstScheduler(1e6, 0.05, clock=lambda: now[0])
    first = scheduler.schedule(20_000)  # 20 ms
    second = scheduler.schedule(20_000)  # made at once: waits for the first to end
    now[0] = 101.0
    third = scheduler.schedule(1_000)  # made later: the lead counts from now
    assert first == pytest.approx(100.05) and second == pytest.approx(100.07) and third == pytest.approx(101.05)
    with pytest.raises(ValueError, match="positive sample rate and lead"):
        BurstScheduler(1e6, 0.0)


def test_modulator_stamps_each_burst_with_a_tx_time_pdu_to_stream_understands():
    from gnuradio import blocks, gr, pdu

    from semjscc.gr import modulator
    from semjscc.gr.pdus import make_pdu

    tb = gr.top_block()
    mod = modulator(amplitude=0.3, samp_rate=1e4, tx_time_lead=0.5)  # a burst lasts 0.1 s: made well within it
    to_stream = pdu.pdu_to_stream_c(pdu.EARLY_BURST_APPEND, 64)
    sink = blocks.vector_sink_c()
    tb.msg_connect(mod, "pdus", to_stream, "pdus")
    tb.connect(to_stream, sink)
    symbols = np.exp(2j * np.pi * np.random.default_rng(0).random(256)).astype(np.complex64)
    tb.start()
    for _ in range(2):
        mod._handle(make_pdu({"image_id": 0}, symbols))
    deadline = time.time() + 10
    while time.time() < deadline and (mod.bursts < 2 or len(sink.data()) < mod.samples):
        time.sleep(0.02)
    tb.stop()
    tb.wait()
    stamps = [tag for tag in sink.tags() if pmt.symbol_to_string(tag.key) == "tx_time"]
    times = [pmt.to_uint64(pmt.tuple_ref(t.value, 0)) + pmt.to_double(pmt.tuple_ref(t.value, 1)) for t in stamps]
    assert len(times) == 2  # a timed PDU is its own burst: tx_sob, tx_time ... tx_eob
    assert times[1] - times[0] == pytest.approx(mod.samples / 2 / 1e4, abs=1e-6)  # back to back at the rate


class FakeUsrp:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *args: self.calls.append((name, args))


class PpsUsrp(FakeUsrp):
    """A radio whose last-PPS time changes after a few polls."""

    def __init__(self, edge_after_polls: int):
        super().__init__()
        self.polls, self.edge_after = 0, edge_after_polls

    def get_time_last_pps(self, mboard):
        self.polls += 1
        return 1 if self.polls > self.edge_after else 0


def test_configure_usrp_sets_the_front_end_first_and_the_radio_clock_from_the_host():
    from gnuradio import uhd

    from semjscc.gr import configure_usrp

    usrp = FakeUsrp()
    configure_usrp(usrp, 2.45e9, 30, "RX2", lo_offset=2e6, bandwidth=5e6, clock_source="external",
                   subdev="A:B", now=lambda: 1000.25)
    names = [name for name, _ in usrp.calls]
    assert names == ["set_subdev_spec", "set_clock_source", "set_center_freq", "set_gain", "set_antenna",
                     "set_bandwidth", "set_time_now"]
    tune = usrp.calls[2][1][0]
    assert isinstance(tune, uhd.tune_request) and tune.target_freq == 2.45e9 and tune.rf_freq == 2.45e9 + 2e6
    assert usrp.calls[-1][1][0].get_real_secs() == pytest.approx(1000.25)

    usrp, waited = PpsUsrp(edge_after_polls=3), []
    configure_usrp(usrp, 915e6, 10, time_source="gpsdo", wait=waited.append, now=lambda: 41.02)
    (_, (edge,)), = [call for call in usrp.calls if call[0] == "set_time_next_pps"]
    assert edge.get_real_secs() == 42.0  # the second that starts at the next edge
    assert waited[:3] == [0.01] * 3 and waited[3] > 1.0  # set just after an edge, then left to latch
    assert ("set_center_freq", (915e6, 0)) in usrp.calls  # no LO offset: a plain frequency
    with pytest.raises(SystemExit, match="unknown clock source 'ext'"):
        configure_usrp(FakeUsrp(), 915e6, 10, clock_source="ext")


def test_burst_stream_sends_every_burst_once_with_its_tags_and_drops_what_is_not_a_burst():
    from gnuradio import blocks, gr

    from semjscc.gr import burst_stream
    from semjscc.gr.pdus import make_pdu, with_tx_time

    tb = gr.top_block()
    stream = burst_stream()
    sink = blocks.vector_sink_c()
    tb.connect(stream, sink)
    rng = np.random.default_rng(1)
    bursts = [rng.standard_normal(n).astype(np.complex64) for n in (5000, 1, 70_000, 300)]
    tb.start()
    for index, samples in enumerate(bursts):
        pdu = make_pdu({"image_id": index}, samples)
        stream.to_basic_block()._post(pmt.intern("pdus"), with_tx_time(pdu, 12.5) if index == 2 else pdu)
    stream.to_basic_block()._post(pmt.intern("pdus"), make_pdu({}, np.zeros(4, np.uint8)))  # bytes, not samples
    total = sum(len(b) for b in bursts)
    deadline = time.time() + 10
    while time.time() < deadline and len(sink.data()) < total:
        time.sleep(0.01)
    tb.stop()
    tb.wait()
    assert np.array_equal(np.asarray(sink.data(), np.complex64), np.concatenate(bursts))
    tags = {name: [t.offset for t in sink.tags() if pmt.symbol_to_string(t.key) == name]
            for name in ("tx_sob", "tx_eob", "tx_time")}
    starts = np.cumsum([0] + [len(b) for b in bursts])
    assert tags["tx_sob"] == list(starts[:-1]) and tags["tx_eob"] == list(starts[1:] - 1)
    assert tags["tx_time"] == [starts[2]]
    assert stream.dropped.as_dict() == {"not_a_c64_burst": 1}
