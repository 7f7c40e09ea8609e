"""Golden vectors: a burst frozen by ``scripts/make_golden_vectors.py`` must still decode, bit for bit.

Every other PHY test round-trips through the code under test; this one holds
the receiver (and the transmitter) to what was on the air when the vectors
were frozen.  A deliberate change of the frame format regenerates them.
"""

import collections
import json
from pathlib import Path

import numpy as np
import pytest

from semjscc.data.images import read_image
from semjscc.link import Demodulator, Encoder, FrameMeta, LinkProfile, Receiver, Transmitter, load_link_codec
from semjscc.link.receiver import take_same_size
from semjscc.phy.pulse import matched_filter

DATA = Path(__file__).resolve().parent / "data"
GOLDEN = json.loads((DATA / "golden.json").read_text())
PROFILE = LinkProfile.from_dict(GOLDEN["profile"])


@pytest.fixture(scope="module")
def model():
    return load_link_codec(DATA / "golden_codec.pt", "cpu")


def frozen(name: str) -> np.ndarray:
    return np.fromfile(DATA / name, dtype=np.complex64)


def received_stream() -> np.ndarray:
    """The frozen burst as a receiver's matched filter sees it: silence around it, a weak noise floor."""
    burst = frozen("golden_burst.c64")
    signal = np.concatenate([np.zeros(2000, np.complex64), burst, np.zeros(2000, np.complex64)])
    noise = np.random.default_rng(0).standard_normal((len(signal), 2)) @ [1, 1j] * 1e-4
    return matched_filter((signal + noise).astype(np.complex64), PROFILE.frame.taps)


def test_the_frozen_burst_decodes_to_the_frozen_header_symbols_and_images(model):
    assert model.uid == GOLDEN["model_uid"]
    demodulator = Demodulator(PROFILE)
    frames = demodulator.push(received_stream())
    assert len(frames) == 1
    meta, data = frames[0]
    assert meta == FrameMeta.from_pdu(GOLDEN["header"])
    symbols = frozen("golden_symbols.c64")
    assert 10 * np.log10(np.mean(np.abs(symbols) ** 2) / np.mean(np.abs(data - symbols) ** 2)) > 35
    receiver = Receiver(model)
    ready = receiver.accept(meta, data)
    decoded = receiver.decode(take_same_size(collections.deque(ready), 16))
    assert [image["image_id"] for image, _ in decoded] == [0, 1]
    for image, pixels in decoded:
        expected = read_image(DATA / f"golden_decoded_{image['image_id']}.png")
        assert np.abs(pixels.astype(int) - expected).max() <= 1


def test_the_transmitter_still_sends_the_frozen_burst(model):
    from semjscc.data import load_dataset
    from semjscc.data.specs import SAMPLE_ROOT

    images = load_dataset("sample:cifar10:test:2", SAMPLE_ROOT).images
    ((meta, samples),) = Transmitter(Encoder(model, GOLDEN["tx_snr_db"]), PROFILE, GOLDEN["amplitude"]).transmit(
        list(images))
    assert meta.to_pdu() == GOLDEN["header"]
    assert np.allclose(samples, frozen("golden_burst.c64"), atol=1e-5)


def test_the_gnu_radio_receiver_decodes_the_frozen_burst(tmp_path):
    gr = pytest.importorskip("gnuradio.gr")
    from gnuradio import blocks

    from gr_helpers import wait_for
    from semjscc.gr import jscc_rx
    from semjscc.gr.pdus import parse_pdu

    burst = frozen("golden_burst.c64")
    stream = np.concatenate([np.zeros(3000, np.complex64), burst, np.zeros(70000, np.complex64)])
    tb = gr.top_block()
    source = blocks.vector_source_c(stream.tolist(), True)  # a radio streams until stopped
    rx = jscc_rx(str(DATA / "golden_codec.pt"), "cpu", PROFILE)
    images = blocks.message_debug()
    tb.connect(source, rx)
    tb.msg_connect(rx, "pdus", images, "store")
    tb.start()
    assert wait_for(lambda: images.num_messages() >= 2)
    tb.stop()
    tb.wait()
    for index in range(2):
        meta, pixels = parse_pdu(images.get_message(index))
        expected = read_image(DATA / f"golden_decoded_{meta['image_id']}.png")
        assert np.abs(pixels.reshape(32, 32, 3).astype(int) - expected).max() <= 1
