"""qa tests of each GNU Radio block, in the style of GNU Radio's own (message sources and sinks)."""

import json

import numpy as np
import pmt
import pytest

gr = pytest.importorskip("gnuradio.gr")
from gnuradio import blocks, pdu  # noqa: E402

from gr_helpers import image_pdu, post, read_rows, tiny_checkpoint, wait_for, zmq_image_source  # noqa: E402
from semjscc.gr import (equalizer, frame_sync, framer, image_sink, image_source, jscc_decoder,  # noqa: E402
                        jscc_encoder, modulator)
from semjscc.gr.pdus import make_pdu, parse_pdu  # noqa: E402
from semjscc.link import LinkProfile, load_link_codec  # noqa: E402
from semjscc.phy import FrameConfig  # noqa: E402
from semjscc.phy.pulse import matched_filter  # noqa: E402

PROFILE = LinkProfile()


@pytest.fixture
def model(tmp_path):
    return tiny_checkpoint(tmp_path / "tiny.pt")


def messages(debug):
    return [parse_pdu(debug.get_message(i)) for i in range(debug.num_messages())]


def test_image_source_emits_every_image_with_metadata(sample_root):
    tb = gr.top_block()
    source = image_source("sample:cifar10:test:5", 0, False, 0.0, str(sample_root))
    debug = blocks.message_debug()
    tb.msg_connect(source, "pdus", debug, "store")
    tb.start()
    assert wait_for(lambda: debug.num_messages() == 5)
    tb.stop()
    tb.wait()
    metas = [meta for meta, _ in messages(debug)]
    assert [m["image_id"] for m in metas] == list(range(5))
    assert all(m["height"] == 32 and 0 <= m["label"] < 10 for m in metas)


def test_encoder_framer_modulator_chain_produces_tagged_bursts(model):
    tb = gr.top_block()
    encoder, framer_block, mod = jscc_encoder(model, "cpu", 10.0), framer(PROFILE), modulator(PROFILE, 0.3)
    to_stream = pdu.pdu_to_stream_c(pdu.EARLY_BURST_APPEND, 64)
    frames, sink = blocks.message_debug(), blocks.vector_sink_c()
    tb.msg_connect(encoder, "pdus", framer_block, "pdus")
    tb.msg_connect(framer_block, "pdus", mod, "pdus")
    tb.msg_connect(framer_block, "pdus", frames, "store")
    tb.msg_connect(mod, "pdus", to_stream, "pdus")
    tb.connect(to_stream, sink)
    tb.start()
    msg, _ = image_pdu(3)
    post(encoder, "pdus", msg)
    post(encoder, "pdus", pmt.intern("not a pdu"))  # dropped and counted, no crash
    assert wait_for(lambda: mod.bursts == 1 and len(sink.data()) == mod.samples)
    tb.stop()
    tb.wait()
    (meta, symbols), = messages(frames)
    assert meta["image_id"] == 3 and meta["chunk_count"] == 1 and meta["payload_length"] == 512
    assert meta["model_id"] == encoder.model.wire_id
    assert len(symbols) == FrameConfig().frame_symbols(512)
    keys = [(t.offset, pmt.symbol_to_string(t.key)) for t in sink.tags()]
    assert keys == [(0, "tx_sob"), (mod.samples - 1, "tx_eob")]
    active = np.asarray(sink.data())[64:-64]
    assert np.sqrt(np.mean(np.abs(active) ** 2)) == pytest.approx(0.3, rel=0.1)
    assert encoder.dropped.as_dict() == {"malformed_pdu": 1}


def test_encoder_sends_a_tiled_photograph_tile_by_tile_and_the_framer_frames_it_as_it_comes(model, monkeypatch):
    from semjscc.codec import tiling
    from semjscc.link import Encoder
    from semjscc.link.transmitter import frames

    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 4)  # a 64x48 image: 12 tiles of 128 symbols
    profile = LinkProfile(max_payload=100)
    encoder, framer_block = jscc_encoder(model, "cpu", 10.0), framer(profile)
    pieces, framed = blocks.message_debug(), blocks.message_debug()
    tb = gr.top_block()
    tb.msg_connect(encoder, "pdus", framer_block, "pdus")
    tb.msg_connect(encoder, "pdus", pieces, "store")
    tb.msg_connect(framer_block, "pdus", framed, "store")
    tb.start()
    msg, image = image_pdu(4, size=(64, 48))
    post(encoder, "pdus", msg)
    assert wait_for(lambda: framer_block.batches == 12 and encoder.idle())
    tb.stop()
    tb.wait()
    assert [meta["offset"] for meta, _ in messages(pieces)] == [128 * i for i in range(12)]
    whole = frames(*Encoder(encoder.model, 10.0).encode([({"image_id": 4}, image)]), profile)
    assert [meta for meta, _ in messages(framed)] == [meta.to_pdu() for meta, _ in whole]
    assert all(np.allclose(a, b, atol=1e-6) for (_, a), (_, b) in zip(messages(framed), whole))
    assert encoder.batches == 12 and encoder.encoded == 1 and not framer_block.dropped.as_dict()


def test_frame_sync_and_equalizer_recover_a_frame_from_a_stream(model):
    from semjscc.phy.frame import burst, frame_symbols
    from semjscc.phy.header import Header

    config = FrameConfig()
    rng = np.random.default_rng(0)
    data = ((rng.standard_normal(512) + 1j * rng.standard_normal(512)) / np.sqrt(2)).astype(np.complex64)
    header = Header(model_id=9, image_id=5, chunk_index=0, chunk_count=1, payload_length=512, height=32, width=32)
    samples = np.concatenate([np.zeros(1000, np.complex64), burst(frame_symbols(header, data, config), config),
                              np.zeros(1000, np.complex64)])
    noisy = samples + 0.02 * (rng.standard_normal(len(samples)) + 1j * rng.standard_normal(len(samples)))
    tb = gr.top_block()
    source = blocks.vector_source_c(matched_filter(noisy.astype(np.complex64), config.taps).tolist())
    sync, eq, debug = frame_sync(PROFILE, 0.3), equalizer(PROFILE, 31), blocks.message_debug()
    tb.connect(source, sync)
    tb.msg_connect(sync, "pdus", eq, "pdus")
    tb.msg_connect(eq, "pdus", debug, "store")
    tb.start()
    assert wait_for(lambda: debug.num_messages() == 1)
    tb.stop()
    tb.wait()
    (meta, symbols), = messages(debug)
    assert meta["image_id"] == 5 and meta["model_id"] == 9
    assert 10 * np.log10(1 / np.mean(np.abs(symbols - data) ** 2)) > 20
    assert meta["snr_est_db"] > 20
    assert sync.counters()["frames_synced"] == 1


def equalized_pdu(model, image_id, snr_db=30.0, model_id=None, chunk=(0, 1)):
    """An equalised frame PDU carrying one 32x32 image coded by ``model`` (a LinkCodec)."""
    import torch

    image = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        symbols = model.codec.encode(image, snr_db)[0].numpy().astype(np.complex64)
    symbols = np.array_split(symbols, chunk[1])[chunk[0]]
    meta = {"image_id": image_id, "chunk_index": chunk[0], "chunk_count": chunk[1], "height": 32, "width": 32,
            "model_id": model.wire_id if model_id is None else model_id, "snr_est_db": snr_db,
            "payload_length": len(symbols)}
    return make_pdu(meta, symbols)


def test_decoder_decodes_drops_and_counts(model, tmp_path):
    codec = load_link_codec(model, "cpu")
    tb = gr.top_block()
    decoder = jscc_decoder(model, "cpu", 8, "oldest", profile=LinkProfile(max_payload=256))  # 2 frames an image
    sink = image_sink(str(tmp_path / "rx"), "", "metrics.json", "", True, "")
    tb.msg_connect(decoder, "pdus", sink, "pdus")
    tb.msg_connect(decoder, "stats", sink, "stats")
    tb.start()
    post(decoder, "pdus", equalized_pdu(codec, 1, chunk=(0, 2)))
    post(decoder, "pdus", equalized_pdu(codec, 1, chunk=(1, 2)))
    post(decoder, "pdus", equalized_pdu(codec, 2, model_id=(decoder.model.wire_id + 1) % 256))
    post(decoder, "pdus", equalized_pdu(codec, 3, chunk=(0, 2)))  # its second chunk never comes
    # all four PDUs handled, the one complete image decoded and delivered
    assert wait_for(lambda: decoder.counters()["frames_received"] == 4 and sink.received == 1 and decoder.idle())
    assert decoder.counters()["dropped"]["missing_chunks"] == 0  # image 3 may still be completed
    tb.stop()
    tb.wait()
    assert (tmp_path / "rx" / "00001.png").is_file()
    report = json.loads((tmp_path / "rx" / "metrics.json").read_text())
    assert report["images_received"] == 1
    assert report["counters"]["jscc_decoder"]["dropped"]["model_mismatch"] == 1
    assert decoder.counters()["dropped"]["missing_chunks"] == 1  # counted when the flowgraph stopped


def test_decoder_shows_the_top_of_a_tiled_photograph_before_its_last_frame(model, monkeypatch):
    from semjscc.codec import tiling
    from semjscc.link import Encoder
    from semjscc.link.transmitter import frames

    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 4)  # a 64x48 image: 4 rows of tiles, the first two decodable early
    monkeypatch.setattr(tiling, "HALO", 2)
    profile = LinkProfile(max_payload=64)
    codec = load_link_codec(model, "cpu")
    image = np.random.default_rng(1).integers(0, 256, (64, 48, 3), dtype=np.uint8)
    batch, symbols = Encoder(codec, 10.0).encode([({"image_id": 5}, image)])
    sent = frames(batch, symbols, profile)
    payloads = np.split(symbols.reshape(-1), np.cumsum([meta.payload_length for meta, _ in sent])[:-1])
    decoder = jscc_decoder(model, "cpu", 8, "oldest", profile=profile)
    images, bands = blocks.message_debug(), blocks.message_debug()
    tb = gr.top_block()
    tb.msg_connect(decoder, "pdus", images, "store")
    tb.msg_connect(decoder, "bands", bands, "store")
    tb.start()
    for meta, payload in list(zip([meta for meta, _ in sent], payloads))[:-1]:
        post(decoder, "pdus", make_pdu(meta.with_reception(snr_est_db=15.0).to_pdu(), payload))
    assert wait_for(lambda: bands.num_messages() == 2 and decoder.idle())  # before the last frame
    assert images.num_messages() == 0
    last, payload = sent[-1][0], payloads[-1]
    post(decoder, "pdus", make_pdu(last.with_reception(snr_est_db=15.0).to_pdu(), payload))
    assert wait_for(lambda: images.num_messages() == 1)
    tb.stop()
    tb.wait()
    (meta, pixels), = messages(images)
    whole = pixels.reshape(64, 48, 3)
    for band_meta, band in messages(bands):
        top = band_meta["band_top"]
        assert band_meta["image_id"] == 5 and (band.reshape(-1, 48, 3) == whole[top:top + 16]).all()
    assert decoder.counters()["early_tile_rows"] == 2


def test_encoder_batches_queued_images_of_one_size_with_consecutive_ids():
    import collections

    from semjscc.link.transmitter import take_batch

    small, large = np.zeros((32, 32, 3)), np.zeros((64, 32, 3))
    queue = collections.deque([({"image_id": i}, image) for i, image in
                               [(0, small), (1, small), (2, small), (3, large), (4, large), (6, large)]])
    batches = []
    while queue:
        batches.append([int(meta["image_id"]) for meta, _ in take_batch(queue, 2)])
    assert batches == [[0, 1], [2], [3, 4], [6]]


def test_decoder_splits_a_frame_shared_by_several_images(model, tmp_path):
    codec = load_link_codec(model, "cpu")
    parts = [parse_pdu(equalized_pdu(codec, 9)) for _ in range(3)]
    meta = dict(parts[0][0], image_id=(1 << 32) - 1, image_count=3, payload_length=3 * 512)
    tb = gr.top_block()
    decoder = jscc_decoder(model, "cpu", 8, "oldest")
    images = blocks.message_debug()
    tb.msg_connect(decoder, "pdus", images, "store")
    tb.start()
    post(decoder, "pdus", make_pdu(meta, np.concatenate([symbols for _, symbols in parts])))
    assert wait_for(lambda: images.num_messages() == 3 and decoder.idle())
    tb.stop()
    tb.wait()
    decoded = messages(images)
    assert sorted(meta["image_id"] for meta, _ in decoded) == [0, 1, (1 << 32) - 1]
    assert all(len(pixels) == 32 * 32 * 3 for _, pixels in decoded)
    assert decoder.counters()["frames_received"] == 1 and decoder.counters()["images_decoded"] == 3


def test_decoder_with_a_task_network_reports_class_and_the_sink_accuracy(model, tmp_path):
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.semantic.task_models import build_task_model

    save_checkpoint(tmp_path / "task.pt", build_task_model({"arch": "vgg", "width": 4}), {"family": "task"})
    codec = load_link_codec(model, "cpu")
    decoder = jscc_decoder(model, "cpu", 8, "oldest", task_model=str(tmp_path / "task.pt"))
    sink = image_sink(str(tmp_path / "rx"), "sample:cifar10:test:4", "m.json", "", False, "")
    tb = gr.top_block()
    tb.msg_connect(decoder, "pdus", sink, "pdus")
    tb.start()
    post(decoder, "pdus", equalized_pdu(codec, 0))
    assert wait_for(lambda: sink.received == 1)
    tb.stop()
    tb.wait()
    summary = sink.summary()
    (row,) = read_rows(tmp_path / "rx")
    assert 0 <= row["predicted_class"] < 10 and 0 < row["confidence"] <= 1
    assert row["label"] == 3  # the sink knows the reference's label: cifar10 test image 0 is a cat
    assert summary["accuracy"] == float(row["predicted_class"] == 3)


def test_decoder_queue_drops_by_policy_when_full(model):
    codec = load_link_codec(model, "cpu")
    decoder = jscc_decoder(model, "cpu", 2, "newest")  # not started: nothing drains the queue
    for image_id in range(5):
        decoder._handle(equalized_pdu(codec, image_id))
    assert [meta["image_id"] for meta, _, _ in decoder.worker.queue] == [0, 1]
    assert decoder.counters()["dropped"]["decoder_backlog"] == 3


def test_decoder_queue_drops_the_oldest_when_so_configured(model):
    codec = load_link_codec(model, "cpu")
    decoder = jscc_decoder(model, "cpu", 2, "oldest")
    for image_id in range(5):
        decoder._handle(equalized_pdu(codec, image_id))
    assert [meta["image_id"] for meta, _, _ in decoder.worker.queue] == [3, 4]
    assert decoder.counters()["dropped"]["decoder_backlog"] == 3


def test_image_sink_scores_against_the_reference(tmp_path, sample_root):
    from semjscc.data import load_dataset

    reference = load_dataset("sample:cifar10:test:4", sample_root)
    sink = image_sink(str(tmp_path), "sample:cifar10:test:4", "m.json", "", False, str(sample_root))
    decoded = reference.images[2].copy()
    decoded[0, 0, 0] ^= 8
    sink._handle_image(make_pdu({"image_id": 2, "height": 32, "width": 32, "snr_est_db": 12.0}, decoded.reshape(-1)))
    sink.write_metrics()
    report = json.loads((tmp_path / "m.json").read_text())
    assert read_rows(tmp_path)[0]["psnr"] > 50 and report["snr_est_db"] == 12.0


def test_image_sink_keeps_its_metrics_file_current_during_a_run_and_says_each_image_in_a_line(tmp_path,
                                                                                                 monkeypatch):
    import importlib

    sink_module = importlib.import_module("semjscc.gr.image_sink")  # the module, not the block it exports
    monkeypatch.setattr(sink_module, "METRICS_PERIOD_S", 0.0)
    sink = image_sink(str(tmp_path), "", "m.json", "", False, "", True)
    for image_id in range(2):
        meta = {"image_id": image_id, "height": 4, "width": 4, "snr_est_db": 9.0 + image_id}
        sink._handle_image(make_pdu(meta, np.zeros(48, np.uint8)))
        assert json.loads((tmp_path / "m.json").read_text())["images_received"] == image_id + 1  # before any stop
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file and a rename
    line = sink_module.image_line({"image_id": 7, "psnr": 31.234, "ssim": 0.9123, "snr_est_db": 10.04,
                                   "predicted_class": 3, "label": 5})
    assert line == "image 7, PSNR 31.23 dB, SSIM 0.912, SNR est 10.0 dB, class 3 (wrong)"


def test_image_source_receives_images_over_zeromq_and_drops_garbage():
    import io

    from PIL import Image

    tb, source, debug, push = zmq_image_source()
    tb.start()
    png = io.BytesIO()
    Image.fromarray(np.full((8, 12, 3), 200, np.uint8)).save(png, format="PNG")
    push.send(b"not an image")
    push.send(png.getvalue())
    assert wait_for(lambda: debug.num_messages() == 1)
    tb.stop()
    tb.wait()
    push.close(linger=0)
    (meta, pixels), = messages(debug)
    assert (meta["height"], meta["width"]) == (8, 12) and pixels.max() == 200


def test_image_sink_publishes_on_zeromq(tmp_path):
    import socket

    import zmq

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = image_sink(str(tmp_path), "", "m.json", f"tcp://127.0.0.1:{port}", False, "")
    sub = zmq.Context.instance().socket(zmq.SUB)
    sub.connect(f"tcp://127.0.0.1:{port}")
    sub.setsockopt(zmq.SUBSCRIBE, b"")
    sub.setsockopt(zmq.RCVTIMEO, 200)
    image = np.arange(32 * 32 * 3, dtype=np.uint8)
    received = None
    for _ in range(25):  # PUB drops messages until the subscription has propagated
        sink._handle_image(make_pdu({"image_id": 4, "height": 32, "width": 32}, image))
        try:
            received = sub.recv_multipart()
            break
        except zmq.Again:
            continue
    sink.stop()
    sub.close(linger=0)
    assert received is not None
    assert json.loads(received[0])["image_id"] == 4 and received[1] == image.tobytes()


@pytest.mark.parametrize("dtype, maker", [(np.complex64, pmt.init_c32vector), (np.float32, pmt.init_f32vector),
                                          (np.uint8, pmt.init_u8vector)])
def test_pdu_vectors_match_pmts_own_constructors(dtype, maker):
    values = (np.arange(1000) % 251).astype(dtype) * (1 - 1j if dtype == np.complex64 else 1)
    fast = make_pdu({"image_id": 3}, values)
    assert pmt.equal(pmt.cdr(fast), maker(len(values), values.tolist()))
    meta, parsed = parse_pdu(pmt.cons(pmt.car(fast), maker(len(values), values.tolist())))
    assert meta == {"image_id": 3} and parsed.dtype == dtype and np.array_equal(parsed, values)
    with pytest.raises(TypeError, match="no PDU vector type"):
        make_pdu({}, np.arange(3, dtype=np.int64))


@pytest.mark.parametrize("drain", [True, False])
def test_batch_worker_stop_drains_only_when_asked(drain):
    import threading

    from semjscc.gr.batch_worker import BatchWorker

    release, processed = threading.Event(), []

    def process(batch):
        release.wait(5)
        processed.extend(batch)

    worker = BatchWorker("test-worker", lambda queue: [queue.popleft()], process, drain=drain,
                         on_error=lambda item, err: None)
    worker.start()
    with worker.lock:
        worker.queue.extend([1, 2, 3])
        worker.notify()
    assert wait_for(lambda: not worker.idle() and len(worker.queue) == 2)  # 1 is being processed
    stopper = threading.Thread(target=worker.stop)
    stopper.start()
    assert wait_for(lambda: not worker._running)  # stop has begun before 1 finishes
    release.set()
    stopper.join(10)
    assert processed == ([1, 2, 3] if drain else [1])
    assert worker.idle() == drain


@pytest.mark.parametrize("make", [
    lambda model: framer(PROFILE),
    lambda model: modulator(PROFILE, 0.3),
    lambda model: equalizer(PROFILE, 31),
    lambda model: jscc_encoder(model, "cpu"),
    lambda model: jscc_decoder(model, "cpu"),
    lambda model: image_sink("", "", "", "", False, ""),
], ids=["framer", "modulator", "equalizer", "jscc_encoder", "jscc_decoder", "image_sink"])
def test_every_block_counts_the_malformed_pdus_it_drops(model, make):
    block = make(model)
    handle = block._handle_image if isinstance(block, image_sink) else block._handle
    handle(pmt.intern("not a pdu"))
    handle(make_pdu({"image_id": 1}, np.zeros(4, np.complex64)))  # a PDU without the fields it needs
    assert sum(block.dropped.as_dict().values()) == (2 if not isinstance(block, modulator) else 1)


@pytest.mark.slow
def test_importing_the_blocks_loads_no_qt_and_leaves_blas_alone(python_env):
    import subprocess
    import sys

    probe = ("import sys, numpy, torch; from threadpoolctl import threadpool_info; "
             "threads = lambda: {lib['filepath']: lib['num_threads'] for lib in threadpool_info()}; before = threads(); "
             "from gnuradio import semjscc; after = threads(); "
             "print('PyQt5' in sys.modules, all(after[lib] == n for lib, n in before.items())); "
             "semjscc.image_display; print('PyQt5' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], env=python_env, capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]  # Qt only once the display is asked for


def test_the_display_shows_a_photograph_band_by_band_and_refuses_a_band_that_does_not_fit():
    pytest.importorskip("PyQt5")
    from semjscc.gr.qt_display import paste_band

    meta = {"image_id": 3, "height": 40, "width": 6}
    band = np.full((16, 6, 3), 200, np.uint8)
    canvas, caption = paste_band(None, {**meta, "band_top": 0}, band.reshape(-1))
    assert (canvas[1][:16] == 200).all() and (canvas[1][16:] == 128).all() and "rows 0-15 of 40" in caption
    canvas, _ = paste_band(canvas, {**meta, "band_top": 32}, np.zeros(16 * 6 * 3, np.uint8))  # cut at the bottom
    assert (canvas[1][:16] == 200).all() and (canvas[1][16:32] == 128).all() and (canvas[1][32:] == 0).all()
    assert paste_band(canvas, {**meta, "image_id": 4, "band_top": 0}, band.reshape(-1))[0][1][20, 0, 0] == 128
    for bad in ({**meta, "band_top": 40}, {**meta, "band_top": 0, "width": 7},
                {**meta, "band_top": 0, "height": 1 << 30}):
        with pytest.raises(ValueError):
            paste_band(canvas, bad, band.reshape(-1))


def test_batch_worker_survives_a_bad_item_and_reports_it():
    from semjscc.gr.batch_worker import BatchWorker

    processed, failed = [], []

    def process(batch):
        if any(item == "bad" for item in batch):
            raise RuntimeError("Output size is too small")
        processed.extend(batch)

    worker = BatchWorker("test-worker", lambda queue: [queue.popleft() for _ in range(len(queue))], process,
                         drain=True, on_error=lambda item, err: failed.append((item, str(err))))
    worker.start()
    with worker.lock:
        worker.queue.extend([1, "bad", 2])
        worker.notify()
    assert wait_for(lambda: worker.idle() and len(processed) == 2)
    with worker.lock:
        worker.queue.append(3)  # the thread is still alive
        worker.notify()
    assert wait_for(lambda: processed == [1, 2, 3])
    worker.stop()
    assert failed == [("bad", "Output size is too small")]


def test_a_bare_port_publishes_on_localhost_only():
    from semjscc.gr.image_sink import publish_address

    assert publish_address("5557") == "tcp://127.0.0.1:5557"
    assert publish_address("tcp://127.0.0.2:5557") == "tcp://127.0.0.2:5557"  # an explicit address is taken as is


def test_image_source_refuses_images_that_decode_to_too_many_pixels_and_goes_on():
    import io

    from PIL import Image

    tb, source, debug, push = zmq_image_source()
    tb.start()
    bomb, small = io.BytesIO(), io.BytesIO()
    Image.new("1", (5000, 5000)).save(bomb, format="PNG")  # 25 Mpx in a few kB
    Image.fromarray(np.full((8, 8, 3), 7, np.uint8)).save(small, format="PNG")
    push.send(bomb.getvalue())
    push.send(small.getvalue())
    assert wait_for(lambda: debug.num_messages() == 1)
    tb.stop()
    tb.wait()
    push.close(linger=0)
    assert source.dropped.as_dict() == {"zmq_rejected": 1}


def test_the_decoder_queue_takes_a_whole_frame_even_when_configured_smaller(model):
    codec = load_link_codec(model, "cpu")
    decoder = jscc_decoder(model, "cpu", 2, "newest")  # not started: nothing drains the queue
    parts = [parse_pdu(equalized_pdu(codec, 0)) for _ in range(5)]
    meta = dict(parts[0][0], image_id=10, image_count=5, payload_length=5 * 512)
    decoder._handle(make_pdu(meta, np.concatenate([symbols for _, symbols in parts])))
    assert len(decoder.worker.queue) == 5 and "decoder_backlog" not in decoder.counters()["dropped"]


def test_the_sink_streams_rows_to_disk_and_keeps_none_in_memory(tmp_path):
    sink = image_sink(str(tmp_path), "", "m.json", "", False, "")
    for image_id in range(3):
        sink._handle_image(make_pdu({"image_id": image_id, "height": 4, "width": 4}, np.zeros(48, np.uint8)))
    sink.summary()
    assert sink.scorer.rows is None
    assert [row["image_id"] for row in read_rows(tmp_path)] == [0, 1, 2]


def test_a_sink_that_cannot_write_counts_it_and_goes_on(tmp_path):
    blocked = tmp_path / "a_file"
    blocked.write_text("not a folder")
    sink = image_sink(str(blocked), "", "m.json", "", True, "")
    sink._handle_image(make_pdu({"image_id": 1, "height": 4, "width": 4}, np.zeros(48, np.uint8)))
    assert sink.received == 1
    assert sink.dropped.as_dict() == {"png_write_error": 1, "row_write_error": 1}
