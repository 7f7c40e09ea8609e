"""The shipped flowgraphs: each .grc compiles with grcc, and each runs headless."""

import gc
import importlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("gnuradio.gr")

from gr_helpers import read_rows  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
FLOWGRAPHS = sorted((REPO / "gr-semjscc").glob("*.grc"))
SHIPPED_BASELINE = REPO / "models" / "baseline_awgn_kn1-6_snr10.pt"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("grcc") is None, reason="grcc not installed")
@pytest.mark.parametrize("grc", FLOWGRAPHS, ids=[p.stem for p in FLOWGRAPHS])
def test_grc_compiles_and_matches_the_shipped_python(grc, tmp_path, python_env):
    env = dict(python_env, GRC_BLOCKS_PATH=str(REPO / "grc"))
    result = subprocess.run([sys.executable, shutil.which("grcc"), "-o", str(tmp_path), str(grc)], env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    generated = (tmp_path / f"{grc.stem}.py").read_text().splitlines()
    shipped = grc.with_suffix(".py").read_text().splitlines()
    # grcc emits message connections in no fixed order; everything else must match line for line
    assert sorted(generated) == sorted(shipped), "regenerate with `make flowgraphs`"


@pytest.mark.slow
def test_loopback_flowgraph_decodes_above_a_psnr_floor(tmp_path, sample_root, monkeypatch):
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:6", 15.0, cfo=0.001, epsilon=1.00001,
                          taps="1,0.2j,0.05", out=str(tmp_path / "rx"), device="cpu", timeout_s=120)
    assert report["images_decoded"] == report["images_sent"] == 6
    assert report["frames_detected"] == report["frames_sent"]
    assert report["psnr"] > 20.0
    assert report["impl_loss_db"] < 1.0
    assert len(list((tmp_path / "rx").glob("*.png"))) == 6
    assert (tmp_path / "rx" / "metrics.json").is_file()


def test_demo_writes_images_metrics_plots_and_the_receivers_accuracy(tmp_path, sample_root, monkeypatch):
    import json

    from semjscc.run.demo import run_demo

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    run_demo(str(tmp_path), snrs=(15.0,), data="sample:cifar10:test:4", kodak="", device="cpu")
    (report,) = json.loads((tmp_path / "summary.json").read_text())
    assert report["images_decoded"] == 4 and report["psnr"] > 20.0
    rows = read_rows(tmp_path / "sample_cifar10_test_4_snr15")
    assert len(rows) == 4 and all("predicted_class" in row for row in rows)  # the shipped classifier ran
    assert report["accuracy"] == sum(row["predicted_class"] == row["label"] for row in rows) / 4
    assert (tmp_path / "psnr_vs_snr.png").is_file() and (tmp_path / "gallery.png").is_file()
    assert len(list((tmp_path / "sample_cifar10_test_4_snr15").glob("*.png"))) == 4


@pytest.mark.slow
def test_demo_sends_a_photograph_with_the_photo_scale_codec(tmp_path, sample_root, monkeypatch):
    import json

    from semjscc.run.demo import run_demo

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    run_demo(str(tmp_path), snrs=(15.0,), data="sample:cifar10:test:2", kodak="sample:kodak:1", device="cpu",
             task_model="", photo_snrs=(10.0,))
    _, photo = json.loads((tmp_path / "summary.json").read_text())
    assert photo["model"] == "adaptive_hr_awgn_kn1-12" and photo["images_decoded"] == 1
    assert photo["psnr"] > 28.0 and abs(photo["psnr"] - photo["sim_psnr"]) < 0.5
    assert (tmp_path / "photo_gallery.png").is_file()


class StandIn:
    """Replaces a UHD block: records the calls the flowgraph makes and wraps a plain stream block."""

    def __init__(self, block):
        self.block = block
        self.calls = []

    def __getattr__(self, name):
        if name.startswith(("set_", "get_")):
            return lambda *args, **kwargs: self.calls.append((name, args))
        return getattr(self.block, name)

    def to_basic_block(self):
        return self.block.to_basic_block()


def load(name):
    from semjscc.run.flowgraphs import load_flowgraph

    return load_flowgraph(name)


def run_usrp_tx(monkeypatch, spec, images, model=str(SHIPPED_BASELINE), **options):
    """The shipped usrp_tx flowgraph, its USRP sink replaced by a stand-in: (flowgraph, stand-in)."""
    from gnuradio import blocks, uhd

    captured = StandIn(blocks.vector_sink_c())
    monkeypatch.setattr(uhd, "find", lambda args: [args])  # a radio answers
    monkeypatch.setattr(uhd, "usrp_sink", lambda *args, **kwargs: captured)
    module = load("usrp_tx")
    tb = module.usrp_tx(args="type=b200", freq=915e6, gain=50, samp_rate=1e6, model=model,
                        data=spec, rate=0, repeat=0, device="cpu", **options)
    tb.start()
    deadline = time.time() + 30
    while time.time() < deadline and (tb.tx.counters()["images_encoded"] < images or not tb.tx.idle(images)
                                      or len(captured.block.data()) < tb.tx.counters()["samples_sent"]):
        time.sleep(0.05)
    time.sleep(0.2)
    tb.stop()
    tb.wait()
    return tb, captured


@pytest.mark.slow
def test_usrp_tx_runs_with_a_stand_in_sink(monkeypatch, sample_root):
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    tb, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:2", 2)
    assert ("set_center_freq", (915e6, 0)) in captured.calls and ("set_gain", (50, 0)) in captured.calls
    tags = [t.key for t in captured.block.tags()]
    counters = tb.tx.counters()
    assert counters["bursts"] >= 1 and len(tags) == 2 * counters["bursts"]
    assert len(captured.block.data()) == counters["samples_sent"]


@pytest.mark.slow
def test_usrp_tx_times_its_bursts_when_asked(monkeypatch, sample_root):
    import pmt

    before = time.time()
    tb, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:2", 2, tx_time_lead=0.2)
    stamps = [(t.offset, pmt.to_uint64(pmt.tuple_ref(t.value, 0)) + pmt.to_double(pmt.tuple_ref(t.value, 1)))
              for t in captured.block.tags() if pmt.symbol_to_string(t.key) == "tx_time"]
    starts = [t.offset for t in captured.block.tags() if pmt.symbol_to_string(t.key) == "tx_sob"]
    assert len(stamps) == tb.tx.counters()["bursts"] and [offset for offset, _ in stamps] == starts
    times = [seconds for _, seconds in stamps]
    assert before + 0.2 <= times[0] <= time.time() + 0.2
    gaps = np.diff(times) - np.diff(starts + [len(captured.block.data())])[:-1] / 1e6
    assert (gaps >= -1e-6).all()  # a burst never starts before the previous one has ended


def received_signal(captured, snr_db=20.0):
    """What a receiver would record of the stand-in sink's bursts: a quiet lead-in, CFO, noise, a quiet tail."""
    from semjscc.phy.channel_sim import simulate_channel
    from semjscc.phy.levels import noise_voltage

    signal = np.concatenate([np.zeros(3000, np.complex64), np.asarray(captured.block.data(), np.complex64)])
    noisy = simulate_channel(signal, noise_voltage(snr_db, 0.3, 4), 0.0005, seed=1)
    return np.concatenate([noisy, np.zeros(20000, np.complex64)]).astype(np.complex64)


@pytest.mark.slow
def test_a_recorded_burst_file_replays_through_file_rx_and_ends(monkeypatch, tmp_path, sample_root, python_env):
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    _, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:3", 3)
    recording = tmp_path / "capture.cfile"  # the format uhd_rx_cfile writes: raw complex64
    received_signal(captured).tofile(recording)
    script = str(REPO / "gr-semjscc" / "file_rx.py")
    argv = [sys.executable, script, "--file", str(recording), "--model", str(SHIPPED_BASELINE), "--device", "cpu",
            "--reference", "sample:cifar10:test:3", "--out", str(tmp_path / "rx"), "--count", "3"]
    done = subprocess.run(argv, env=python_env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "semjscc: 3 images decoded from" in done.stdout, done.stdout + done.stderr
    assert json.loads((tmp_path / "rx" / "metrics.json").read_text())["psnr"] > 20
    short = tmp_path / "short.cfile"
    received_signal(captured)[:4000].tofile(short)  # the recording stops before the first frame ends
    argv[argv.index(str(recording))] = str(short)
    assert subprocess.run(argv, env=python_env, capture_output=True, text=True, timeout=120).returncode == 1


@pytest.mark.slow
def test_full_duplex_flowgraph_drives_both_ends_of_one_radio(monkeypatch, tmp_path, sample_root):
    from gnuradio import blocks, uhd

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    _, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:3", 3)
    sent = StandIn(blocks.vector_sink_c())
    heard = StandIn(blocks.vector_source_c(received_signal(captured).tolist(), True))  # as if looped back
    monkeypatch.setattr(uhd, "usrp_sink", lambda *args, **kwargs: sent)
    monkeypatch.setattr(uhd, "usrp_source", lambda *args, **kwargs: heard)
    module = load("usrp_trx")
    tb = module.usrp_trx(args="type=b200", freq=915e6, tx_gain=50, rx_gain=20, model=str(SHIPPED_BASELINE),
                         data="sample:cifar10:test:3", rate=0, out=str(tmp_path), device="cpu", lo_offset=1e6)
    module.snippets_main_after_init(tb)  # what its main does before starting: both ends configured
    tb.start()
    deadline = time.time() + 60
    while time.time() < deadline and (tb.sink.received < 3 or not tb.tx.idle(3)
                                      or len(sent.block.data()) < tb.tx.counters()["samples_sent"]):
        time.sleep(0.05)
    tb.stop()
    tb.wait()
    assert tb.sink.summary()["psnr"] > 20 and len(sent.block.data()) == tb.tx.counters()["samples_sent"]
    for radio, gain, antenna in ((sent, 50, "TX/RX"), (heard, 20, "RX2")):
        calls = dict(radio.calls)
        assert calls["set_gain"] == (gain, 0) and calls["set_antenna"] == (antenna, 0)
        assert calls["set_center_freq"][0].rf_freq == 916e6 and "set_time_now" in calls


def run_usrp_rx_on(monkeypatch, tmp_path, captured, model, count, started=None):
    """The shipped usrp_rx flowgraph on what a stand-in sink captured, sent through a 20 dB channel by a
    stand-in source (tagged as UHD does when ``started`` is the radio's clock): (summary, rows by image id,
    samples captured)."""
    from gnuradio import blocks, uhd

    from semjscc.phy.channel_sim import simulate_channel
    from semjscc.phy.levels import noise_voltage

    signal = np.concatenate([np.zeros(3000, np.complex64), np.asarray(captured.block.data(), np.complex64)])
    noisy = simulate_channel(signal, noise_voltage(20.0, 0.3, 4), 0.0005, seed=1)
    padded = np.concatenate([noisy, np.zeros(20000, np.complex64)])
    tags = time_tags(started, 1e6) if started is not None else []
    source = StandIn(blocks.vector_source_c(padded.tolist(), True, 1, tags))  # streams on
    monkeypatch.setattr(uhd, "find", lambda args: [args])  # a radio answers
    monkeypatch.setattr(uhd, "usrp_source", lambda *args, **kwargs: source)
    module = load("usrp_rx")
    tb = module.usrp_rx(args="", freq=915e6, gain=30, samp_rate=1e6, model=model, out=str(tmp_path),
                        reference=f"sample:cifar10:test:{count}", device="cpu")
    tb.start()
    deadline = time.time() + 60
    while time.time() < deadline and tb.sink.received < count:
        time.sleep(0.05)
    tb.stop()
    tb.wait()
    return tb.sink.summary(), sorted(read_rows(tmp_path), key=lambda row: row["image_id"]), len(signal)


@pytest.mark.slow
def test_usrp_rx_decodes_what_usrp_tx_sent_through_a_stand_in_source(monkeypatch, tmp_path, sample_root):
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    _, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:3", 3)
    started = 1_700_000_000.5  # the radio's clock when it started streaming, as UHD tags it
    summary, rows, length = run_usrp_rx_on(monkeypatch, tmp_path, captured, str(SHIPPED_BASELINE), 3, started)
    assert [row["image_id"] for row in rows] == [0, 1, 2]
    assert summary["psnr"] > 20
    arrivals = [row["rx_time"] - started for row in rows]  # each image's frame, on the radio's clock
    assert 3000 / 1e6 <= arrivals[0] <= arrivals[-1] <= length / 1e6


@pytest.mark.slow
def test_a_gan_decoder_receives_what_a_transmitter_of_its_encoder_sent(monkeypatch, tmp_path, sample_root):
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    _, captured = run_usrp_tx(monkeypatch, "sample:cifar10:test:3", 3, model="adaptive_awgn_kn1-12")
    summary, rows, _ = run_usrp_rx_on(monkeypatch, tmp_path, captured, "gan_awgn_kn1-12", 3)
    assert [row["image_id"] for row in rows] == [0, 1, 2]
    assert summary["psnr"] > 22


def time_tags(seconds: float, rate: float) -> list:
    """The rx_time and rx_rate tags UHD puts on the first sample of a stream."""
    import pmt
    from gnuradio import gr

    from semjscc.link.timing import split_seconds

    whole, fraction = split_seconds(seconds)
    tags = []
    for key, value in (("rx_time", pmt.make_tuple(pmt.from_uint64(whole), pmt.from_double(fraction))),
                       ("rx_rate", pmt.from_double(rate))):
        tag = gr.tag_t()
        tag.offset, tag.key, tag.value = 0, pmt.intern(key), value
        tags.append(tag)
    return tags


@pytest.mark.slow
def test_qt_gui_loopback_shows_decoded_images_offscreen(monkeypatch, tmp_path, sample_root):
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    from PyQt5 import Qt

    app = Qt.QApplication.instance() or Qt.QApplication([])
    module = load("loopback_sim_gui")
    tb = module.loopback_sim_gui(model=str(SHIPPED_BASELINE), data="sample:cifar10:test:2", device="cpu",
                                 out=str(tmp_path))
    tb.start()
    deadline = time.time() + 30
    while time.time() < deadline and tb.display.shown < 2:
        app.processEvents()
        time.sleep(0.05)
    noise_before, snr_before = tb.channel.noise_voltage(), tb.snr
    tb.set_snr(5.0)  # the slider's callback reaches the channel and the encoder
    noise_after = tb.channel.noise_voltage()
    encoder_snr = tb.tx.encoder.encoder.snr_db
    tb.stop()
    tb.wait()
    app.processEvents()
    shown, width = tb.display.shown, tb.display.widget.picture.pixmap().width()
    caption = tb.display.widget.caption.text()
    # Tear down as GRC's generated main does: widgets go while the QApplication still exists.
    tb.close()
    del tb
    gc.collect()
    app.processEvents()
    assert shown >= 2
    assert width == 32 * 6
    assert "SNR est" in caption and " PSNR " in caption and "mean PSNR" in caption  # readouts under the image
    assert SHIPPED_BASELINE.stem in caption  # and which decoder made it
    assert encoder_snr == 5.0 and noise_after == pytest.approx(noise_before * 10 ** ((snr_before - 5) / 20))


@pytest.mark.slow
def test_offline_link_gives_the_flowgraphs_figures(tmp_path, sample_root, monkeypatch):
    from semjscc.data import load_dataset
    from semjscc.link import load_link_codec
    from semjscc.link.loopback import simulate_link
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    impairments = {"cfo": 0.001, "seed": 4}
    flowgraph = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:24", 20.0, out=str(tmp_path / "rx"), device="cpu",
                             timeout_s=120, **impairments)
    offline = simulate_link(load_link_codec(SHIPPED_BASELINE, "cpu"), load_dataset("sample:cifar10:test:24"), 20.0,
                            **impairments)
    for report in (offline, flowgraph):  # the flowgraph's batches (and so frames) depend on timing
        assert report["frames_sent"] == report["frames_detected"] == report["frames_decoded"]
    assert offline["images_sent"] == offline["images_decoded"] == flowgraph["images_decoded"] == 24
    assert offline["psnr"] == pytest.approx(flowgraph["psnr"], abs=0.15)
    # Both estimate the same Es/N0 from different noise over 3-5 frames (a spread of about 0.2 dB each).
    for report in (offline, flowgraph):
        assert report["snr_est_db"] == pytest.approx(20.0, abs=0.5)


def test_loopback_takes_its_images_and_references_from_the_data_root_it_is_given(tmp_path, sample_root, monkeypatch):
    from semjscc.data import load_dataset
    from semjscc.run.loopback import run_loopback

    sample = load_dataset("sample:cifar10:test:4", sample_root)
    root = tmp_path / "data"
    (root / "cifar10").mkdir(parents=True)
    np.savez(root / "cifar10" / "cifar10_test_lossless_first1000.npz", images=255 - sample.images[::-1],
             labels=sample.labels[::-1])
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))  # the default root holds other images
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:4", 20.0, out=str(tmp_path / "rx"), device="cpu",
                          timeout_s=60, data_root=str(root))
    assert report["images_decoded"] == 4 and not report["timed_out"]
    assert abs(report["impl_loss_db"]) < 0.5  # flowgraph and ideal reference scored the same images


def test_a_loopback_waits_for_an_image_still_on_its_way_to_a_slow_encoder(tmp_path, sample_root, monkeypatch):
    from semjscc.run.loopback import run_loopback

    jscc_encoder = importlib.import_module("semjscc.gr.jscc_encoder")
    unpack = jscc_encoder.image_from_pdu

    def slow_unpack(meta, pixels):  # a large image: nothing queued, nothing sent for longer than the quiet time
        time.sleep(1.5)
        return unpack(meta, pixels)
    monkeypatch.setattr(jscc_encoder, "image_from_pdu", slow_unpack)
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:2", 20.0, out=str(tmp_path / "rx"), device="cpu",
                          timeout_s=60)
    assert report["images_decoded"] == 2 and not report["timed_out"]


def test_a_loopback_that_times_out_says_so(tmp_path, sample_root, monkeypatch):
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:4", 20.0, out=str(tmp_path / "rx"), device="cpu",
                          timeout_s=0.01)
    assert report["timed_out"] and report["rtf"] is None


@pytest.mark.slow
def test_tiny_and_large_images_with_a_classifier_are_decoded_and_accounted(tmp_path, sample_root, monkeypatch):
    from PIL import Image

    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    folder = tmp_path / "odd"
    folder.mkdir()
    for name, size in (("dot", (1, 1)), ("strip", (40, 1)), ("thumb", (32, 32))):
        Image.new("RGB", size, (90, 140, 200)).save(folder / f"{name}.png")
    for data in (str(folder), "sample:kodak:1"):
        report = run_loopback(str(SHIPPED_BASELINE), data, 20.0, out=str(tmp_path / "rx"), device="cpu",
                              timeout_s=120, task_model="task_vgg_unseen")
        assert report["images_decoded"] == report["images_sent"] and report["accounted"]
        assert not report["timed_out"]


def test_usrp_rx_run_to_completion_on_a_finite_capture_records_every_image(monkeypatch, tmp_path, sample_root):
    from gnuradio import blocks, uhd

    from semjscc.data import load_dataset
    from semjscc.link import Encoder, Transmitter, load_link_codec
    from semjscc.phy.channel_sim import simulate_channel
    from semjscc.phy.levels import noise_voltage

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    model = load_link_codec(SHIPPED_BASELINE, "cpu")
    bursts = Transmitter(Encoder(model, 10.0)).transmit(list(load_dataset("sample:cifar10:test:8").images))  # one frame
    capture = np.concatenate([np.zeros(3000, np.complex64)] + [samples for _, samples in bursts]
                             + [np.zeros(5000, np.complex64)])
    capture = simulate_channel(capture, noise_voltage(20.0, 0.3, 4), 0.0005, seed=1)
    source = StandIn(blocks.vector_source_c(capture.tolist(), False))  # a replay: the stream ends
    monkeypatch.setattr(uhd, "find", lambda args: [args])  # a radio answers
    monkeypatch.setattr(uhd, "usrp_source", lambda *args, **kwargs: source)
    tb = load("usrp_rx").usrp_rx(args="", model=str(SHIPPED_BASELINE), out=str(tmp_path),
                                 reference="sample:cifar10:test:8", device="cpu")
    tb.run()  # the decoder drains after the sink was told to finish; the sink must still record them all
    assert sorted(row["image_id"] for row in read_rows(tmp_path)) == list(range(8))
    assert len(list(tmp_path.glob("*.png"))) == 8
    counters = json.loads((tmp_path / "metrics.json").read_text())["counters"]
    assert counters["jscc_decoder"]["images_decoded"] == 8


@pytest.mark.slow
def test_implementation_loss_on_multipath_is_measured_at_the_snr_the_receiver_sees(tmp_path, sample_root,
                                                                                  monkeypatch):
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:48", 10.0, taps="0.9,0.3+0.2j,0.1j",
                          out=str(tmp_path / "rx"), device="cpu", timeout_s=120)
    assert report["taps_in_band_gain_db"] == pytest.approx(1.67, abs=0.05)
    assert abs(report["snr_est_db"] - 10.0) < 0.4  # it read 11.5 when the taps were applied as given
    assert report["impl_loss_db"] > -0.25  # and the flowgraph "beat" the ideal channel by 0.74 dB


@pytest.mark.slow
def test_ofdm_loopback_flowgraph_decodes_through_multipath_and_drift(tmp_path, sample_root, monkeypatch):
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:16", 15.0, mode="ofdm", cfo=0.002, epsilon=1.00002,
                          taps="0.8,0.4j,0.3-0.2j,0.1,0,0.1j", out=str(tmp_path / "rx"), device="cpu", timeout_s=120)
    assert report["mode"] == "ofdm" and report["accounted"]
    assert report["images_decoded"] == report["images_sent"] == 16
    assert report["frames_decoded"] == report["frames_sent"]
    assert abs(report["snr_est_db"] - 15.0) < 0.6  # taps scaled to unit gain over the used subcarriers
    assert report["psnr"] > 24.0


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["ofdm", "single-carrier"])
def test_gnuradios_dynamic_channel_model_runs_between_our_transmitter_and_receiver(mode, tmp_path, sample_root,
                                                                                   monkeypatch):
    from semjscc.run.channels import DynamicChannel
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback(str(SHIPPED_BASELINE), "sample:cifar10:test:48", 15.0, mode=mode, dynamic=DynamicChannel(),
                          out=str(tmp_path / "rx"), device="cpu", timeout_s=180, save_images=False)
    assert report["accounted"] and not report["timed_out"]
    assert report["dynamic"]["doppler"] == 1e-4
    if mode == "ofdm":  # the mode built for it decodes (nearly) every frame
        assert report["frames_decoded"] >= report["frames_sent"] - 1
        assert report["psnr"] > 22.0
    else:  # single carrier detects them; long frames in fast fading may be dropped, but counted
        assert report["frames_detected"] >= report["frames_sent"] - 1


@pytest.mark.slow
def test_digital_loopback_delivers_at_high_snr_and_counts_lost_codewords_at_low(tmp_path, sample_root, monkeypatch):
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    spec = "digital:webp:16qam-1/2:1/6"
    good = run_loopback(spec, "sample:cifar10:test:8", 16.0, cfo=0.001, epsilon=1.00001, out=str(tmp_path / "good"),
                        device="cpu", timeout_s=120)
    assert good["images_decoded"] == 8 and good["images_lost"] == {} and good["accounted"]
    assert good["psnr"] == pytest.approx(good["sim_psnr"], abs=0.01)  # error-free: the same files
    bad = run_loopback(spec, "sample:cifar10:test:8", 3.0, out=str(tmp_path / "bad"), device="cpu", timeout_s=120)
    assert not bad["timed_out"] and bad["accounted"] and bad["images_decoded"] == 8
    assert bad["images_lost"].get("codeword", 0) >= 6


@pytest.mark.slow
def test_usrp_flowgraph_without_a_radio_says_so_in_one_line(monkeypatch):
    from gnuradio import uhd

    monkeypatch.setattr(uhd, "find", lambda args: [])  # no radio: the real search could find one on the LAN
    module = load("usrp_rx")
    with pytest.raises(SystemExit, match="no UHD device answers to --args 'serial=nonexistent'.*uhd_find_devices"):
        module.usrp_rx(args="serial=nonexistent")


@pytest.mark.slow
def test_headless_loopback_script_ends_with_a_summary_and_a_status(tmp_path, sample_root, python_env):
    env = {**python_env, "SEMJSCC_DATA": str(sample_root)}
    script = str(REPO / "gr-semjscc" / "loopback_sim.py")
    good = subprocess.run([sys.executable, script, "--data", "sample:cifar10:test:4", "--out", str(tmp_path / "good")],
                          env=env, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "semjscc: 4 of 4 images decoded, PSNR" in good.stdout
    output = good.stdout + good.stderr
    assert all(f"image {i}, PSNR" in output for i in range(4)), output  # a line per image, from the sink's logger
    assert json.loads((tmp_path / "good" / "metrics.json").read_text())["images_received"] == 4
    bad = subprocess.run([sys.executable, script, "--data", "sample:cifar10:test:4", "--snr", "-15",
                          "--out", str(tmp_path / "bad")], env=env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and "of 4 images decoded" in bad.stdout


@pytest.mark.slow
def test_digital_loopback_flowgraph_decodes_and_counts_lost_images(tmp_path, python_env):
    script = str(REPO / "gr-semjscc" / "loopback_digital.py")
    good = subprocess.run([sys.executable, script, "--data", "sample:cifar10:test:4", "--snr", "16", "--codec", "webp",
                           "--mcs", "16qam-1/2", "--out", str(tmp_path / "good")],  # far from its cliff: no loss
                          env=python_env, capture_output=True, text=True, timeout=120)
    assert good.returncode == 0 and "semjscc: 4 of 4 images decoded, PSNR" in good.stdout, good.stdout + good.stderr
    bad = subprocess.run([sys.executable, script, "--data", "sample:cifar10:test:4", "--snr", "3", "--mcs", "64qam-5/6",
                          "--out", str(tmp_path / "bad")], env=python_env, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and " lost" in bad.stdout and "LOST (codeword)" in bad.stdout + bad.stderr


def free_tcp_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.slow
def test_transmitter_and_receiver_in_two_processes_joined_by_zeromq_decode_every_image(tmp_path, sample_root,
                                                                                      python_env):
    env = dict(python_env, SEMJSCC_DATA=str(sample_root))
    address = f"tcp://127.0.0.1:{free_tcp_port()}"
    common = ["--model", str(SHIPPED_BASELINE), "--device", "cpu", "--address", address]
    receiver = subprocess.Popen([sys.executable, str(REPO / "gr-semjscc" / "zmq_rx.py"), *common, "--out",
                                 str(tmp_path), "--reference", "sample:cifar10:test:5", "--count", "5", "--duration", "60"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    transmitter = subprocess.run([sys.executable, str(REPO / "gr-semjscc" / "zmq_tx.py"), *common, "--data",
                                  "sample:cifar10:test:5", "--snr", "20"], env=env, capture_output=True, text=True,
                                 timeout=90)
    output = receiver.communicate(timeout=90)[0]
    assert transmitter.returncode == 0 and "5 of 5 images sent" in transmitter.stdout, transmitter.stderr
    assert receiver.returncode == 0 and "5 images decoded" in output, output
    assert {row["image_id"] for row in read_rows(tmp_path)} == set(range(5))
    assert json.loads((tmp_path / "metrics.json").read_text())["psnr"] > 20


def test_flowgraphs_load_where_only_the_python_package_is_installed(monkeypatch):
    import gnuradio

    import semjscc.gr
    from semjscc.run.flowgraphs import load_flowgraph

    monkeypatch.setitem(sys.modules, "gnuradio.semjscc", None)  # no CMake shim: `import gnuradio.semjscc` fails
    monkeypatch.delattr(gnuradio, "semjscc", raising=False)
    module = load_flowgraph("loopback_sim")
    assert module.semjscc is semjscc.gr
