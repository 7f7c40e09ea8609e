"""The image-level link without GNU Radio: metadata, profile, transmitter, receiver, offline loopback."""

import collections

import numpy as np
import pytest
import torch

from gr_helpers import tiny_checkpoint
from semjscc.codec import tiling
from semjscc.data import ImageSet
from semjscc.link import Encoder, FrameMeta, LinkProfile, Receiver, SymbolBatch, Transmitter, load_link_codec
from semjscc.link.loopback import simulate_link
from semjscc.link.meta import IMAGE_ID_BITS, wrap_id
from semjscc.link.receiver import take_same_size
from semjscc.link.transmitter import StreamFramer, frames
from semjscc.phy import Header
from semjscc.phy.frame import plan_frames


@pytest.fixture
def model(tmp_path):
    return load_link_codec(tiny_checkpoint(tmp_path / "tiny.pt"), "cpu")


def random_images(count, size, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, *size, 3), dtype=np.uint8)


def test_frame_meta_round_trips_through_header_and_pdu():
    last = (1 << IMAGE_ID_BITS) - 1
    meta = FrameMeta(model_id=7, image_id=last, height=30, width=41, payload_length=3 * 200, image_count=3)
    assert FrameMeta.from_header(Header.from_bytes(meta.to_header().to_bytes())) == meta
    received = meta.with_reception(snr_est_db=12.5, cfo=1e-4)
    values = received.to_pdu()
    assert values["snr_est_db"] == 12.5 and values["image_id"] == last
    back = FrameMeta.from_pdu(values)
    assert back == meta and back.reception == {"snr_est_db": 12.5, "cfo": 1e-4}
    assert meta.image_ids() == [last, 0, 1]  # ids wrap on air


@pytest.mark.parametrize("values, problem", [
    ({"model_id": 1, "image_id": 0, "height": 32, "width": 32}, "payload_length"),
    ({"model_id": 1, "image_id": 0, "height": 32, "width": 32, "payload_length": 10, "chunk_index": 2,
      "chunk_count": 2}, "impossible"),
    ({"model_id": 1, "image_id": 0, "height": 32, "width": 32, "payload_length": 10, "image_count": 3},
     "equal size"),
])
def test_a_malformed_frame_pdu_names_its_problem(values, problem):
    with pytest.raises((KeyError, ValueError), match=problem):
        FrameMeta.from_pdu(values)


def test_ids_wrap_in_one_place():
    assert wrap_id((1 << IMAGE_ID_BITS) + 5) == 5
    batch = SymbolBatch(model_id=1, first_id=(1 << IMAGE_ID_BITS) - 1, count=2, height=32, width=32,
                        symbols_per_image=512, tx_snr_db=10.0)
    metas = [meta for meta, _ in frames(batch, np.zeros(1024, np.complex64), LinkProfile())]
    assert [(m.image_id, m.image_count) for m in metas] == [((1 << IMAGE_ID_BITS) - 1, 2)]
    assert metas[0].image_ids() == [(1 << IMAGE_ID_BITS) - 1, 0]


def test_profile_validates_and_round_trips():
    profile = LinkProfile(sps=8, max_payload=2048)
    assert LinkProfile.from_dict(profile.to_dict()) == profile
    assert profile.frame.sps == 8 and profile.frame.max_payload == 2048
    for bad in ({"mode": "ofdm-x"}, {"sps": 3}, {"equalizer": "fse"}, {"rolloff": 0}, {"fft_size": 100,
                                                                                          "mode": "ofdm"}):
        with pytest.raises(ValueError):
            LinkProfile(**bad).air
    assert LinkProfile(mode="ofdm").equalizer == "ofdm-mmse" and LinkProfile().equalizer == "pilot-ls"
    with pytest.raises(ValueError, match="does not work in ofdm mode"):
        LinkProfile(mode="ofdm", equalizer="pilot-ls")
    with pytest.raises(ValueError, match="unknown link profile fields: colour"):
        LinkProfile.from_dict({"colour": "blue"})


def test_model_identity_follows_the_weights_not_the_file_name(tmp_path, model):
    import shutil

    renamed = tmp_path / "another_name.pt"
    shutil.copy(tmp_path / "tiny.pt", renamed)
    assert load_link_codec(renamed, "cpu").uid == model.uid
    other = load_link_codec(tiny_checkpoint(tmp_path / "tiny.pt"), "cpu")  # freshly initialised weights
    assert other.uid != model.uid


def test_a_multi_frame_image_of_odd_size_is_reassembled_and_cropped(model):
    profile = LinkProfile(max_payload=100)
    images = random_images(2, (30, 41))  # padded to 32x44: 88 * 16 / 2 = 704 symbols, 8 frames each
    transmitter = Transmitter(Encoder(model, 10.0), profile)
    receiver = Receiver(model, profile=profile)
    bursts = transmitter.transmit(list(images))
    assert len(bursts) == 16 and {meta.chunk_count for meta, _ in bursts} == {8}
    batch, symbols = Encoder(model, 10.0).encode([({"image_id": i}, image) for i, image in enumerate(images)])
    metas = [meta for meta, _ in frames(batch, symbols, profile)]
    payloads = np.split(symbols.reshape(-1), np.cumsum([m.payload_length for m in metas])[:-1])
    ready = []
    for meta, payload in reversed(list(zip(metas, payloads))):  # chunks may arrive in any order
        ready += receiver.accept(meta.with_reception(snr_est_db=30.0), payload)
    assert sorted(image["image_id"] for image, _, _ in ready) == [0, 1]
    decoded = receiver.decode(take_same_size(collections.deque(ready), 16))
    assert all(pixels.shape == (30, 41, 3) and pixels.dtype == np.uint8 for _, pixels in decoded)
    assert receiver.counters() == {"images_in": 2, "images_decoded": 2, "images_pending": 0,
                                   "dropped": {"missing_chunks": 0}, "lost": {}, "early_tile_rows": 0}


def test_a_tiled_image_is_decoded_band_by_band_while_its_frames_arrive(model, monkeypatch):
    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 4)  # a 64x48 image: latent 16x12, 4 rows of 3 tiles
    monkeypatch.setattr(tiling, "HALO", 2)
    profile = LinkProfile(max_payload=64)  # 1,536 symbols: 24 frames
    image = random_images(1, (64, 48))[0]
    batch, symbols = Encoder(model, 10.0).encode([({"image_id": 0}, image)])
    metas = [meta for meta, _ in frames(batch, symbols, profile)]
    payloads = np.split(symbols.reshape(-1), np.cumsum([m.payload_length for m in metas])[:-1])
    receiver, decoded, bands_before_last = Receiver(model, profile=profile), [], 0
    shown = []
    receiver.on_band = lambda meta, pixels: shown.append((meta["band_top"], pixels))
    for index, (meta, payload) in enumerate(zip(metas, payloads)):
        for item in receiver.accept(meta.with_reception(snr_est_db=15.0), payload):
            decoded += receiver.decode([item])
            bands_before_last += index < len(metas) - 1 and "tile_rows" in item[0]
    assert bands_before_last == 2 and receiver.early_tile_rows == 2  # row 2 needs row 3, the last frame
    (meta, pixels), = decoded
    with torch.inference_mode():
        whole = model.codec.decode(torch.from_numpy(symbols), (64, 48), 15.0)
    expected = (whole.clamp(0, 1) * 255).round().byte()[0].permute(1, 2, 0).numpy()
    assert np.abs(pixels.astype(int) - expected.astype(int)).max() <= 1
    assert receiver.counters()["images_decoded"] == 1 and not receiver.bands
    assert [(top, pixels.shape) for top, pixels in shown] == [(0, (16, 48, 3)), (16, (16, 48, 3))]
    assert all((pixels == decoded[0][1][top:top + 16]).all() for top, pixels in shown)  # shown early, kept as shown


def test_a_tiled_image_leaves_the_encoder_tile_by_tile_in_the_frames_of_the_whole(model, monkeypatch):
    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 4)  # a 64x48 image: latent 16x12, 4 rows of 3 tiles of 128 symbols
    profile = LinkProfile(max_payload=100)  # 1,536 symbols: 16 frames of 96
    images = random_images(2, (64, 48))
    encoder = Encoder(model, 10.0)
    pieces = list(encoder.encode_pieces([({"image_id": 7 + i}, image) for i, image in enumerate(images)]))
    assert len(pieces) == 24 and [batch.offset for batch, _ in pieces[:3]] == [0, 128, 256]
    assert {(batch.first_id, batch.count, batch.symbols_per_image) for batch, _ in pieces} == {(7, 1, 1536),
                                                                                               (8, 1, 1536)}
    framer = StreamFramer(profile)
    made = [framer.add(batch, symbols) for batch, symbols in pieces]
    assert [len(frames) for frames in made[:4]] == [1, 1, 2, 1]  # a frame leaves once its 96 symbols are in
    streamed = [frame for frames in made for frame in frames]
    whole = []
    for image_id, image in enumerate(images, start=7):
        whole += frames(*encoder.encode([({"image_id": image_id}, image)]), profile)
    assert [meta for meta, _ in streamed] == [meta for meta, _ in whole] and len(whole) == 32
    assert all(np.allclose(a, b, atol=1e-6) for (_, a), (_, b) in zip(streamed, whole))
    assert len(framer._held) == 0 and framer.incomplete == 0
    bursts = Transmitter(encoder, profile).transmit(list(images), first_id=7)
    assert [meta for meta, _ in bursts] == [meta for meta, _ in whole]


def test_a_photographs_pieces_out_of_order_are_refused_and_an_abandoned_one_counted(model, monkeypatch):
    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 4)
    framer = StreamFramer(LinkProfile(max_payload=100))
    pieces = list(Encoder(model, 10.0).encode_pieces([({"image_id": 0}, random_images(1, (64, 48))[0])]))
    framer.add(*pieces[0])
    with pytest.raises(ValueError, match="does not follow"):
        framer.add(*pieces[2])  # the second piece was lost
    framer.add(*pieces[1])
    framer.add(*pieces[0])  # the image starts again: the one open is given up
    assert framer.incomplete == 1
    batch, symbols = pieces[3]
    with pytest.raises(ValueError, match="no piece"):
        framer.add(batch, np.zeros(batch.symbols_per_image, np.complex64))  # runs past the image's end
    values = {**batch.to_pdu(), "offset": 1536}
    with pytest.raises(ValueError, match="piece at symbol 1536"):
        SymbolBatch.from_pdu(values)
    with pytest.raises(ValueError, match="exceed"):
        SymbolBatch.from_pdu({**values, "offset": 0, "symbols_per_image": 1 << 40})


def test_receiver_drops_and_counts_what_it_cannot_use(model):
    receiver = Receiver(model, profile=LinkProfile(max_payload=256), max_pixels=64 * 64)
    good = FrameMeta(model_id=model.wire_id, image_id=1, height=32, width=32, payload_length=256, chunk_count=2)

    def frame(**changes):
        return FrameMeta(**{**good.__dict__, "reception": {}, **changes})

    zeros = np.zeros(256, np.complex64)
    assert receiver.accept(good, zeros) == [] and len(receiver.accept(frame(chunk_index=1), zeros)) == 1
    assert receiver.accept(frame(chunk_index=1), zeros) == []  # the same chunk again
    assert receiver.accept(frame(model_id=(model.wire_id + 1) % 256), zeros) == []
    assert receiver.accept(frame(image_id=2, height=64), zeros) == []  # 64x32 needs 1,024 symbols: 4 chunks
    assert receiver.accept(frame(image_id=3, height=128, width=128, chunk_count=32), zeros) == []
    assert receiver.accept(frame(image_id=4, payload_length=200), zeros[:200]) == []
    assert receiver.accept(frame(image_id=7), zeros[:100]) == []  # fewer symbols than the header says
    assert receiver.accept(frame(image_id=5, reception={"snr_est_db": float("nan")}), zeros) == []
    assert receiver.accept(frame(image_id=6), zeros) == []  # its second chunk never comes
    assert receiver.flush() == 1
    counters = receiver.counters()
    assert counters["dropped"] == {"duplicate": 1, "model_mismatch": 1, "size_mismatch": 3, "image_too_large": 1,
                                   "bad_snr_estimate": 1, "missing_chunks": 1}
    # the books balance: every image that came in was made ready for the decoder or dropped (a duplicate and a
    # frame of another model bring no image in)
    image_drops = {k: v for k, v in counters["dropped"].items() if k not in ("duplicate", "model_mismatch")}
    assert counters["images_in"] == 1 + sum(image_drops.values()) == 7


def test_the_decoder_is_told_an_snr_inside_the_models_training_range(model):
    model.snr_range_db = (0.0, 20.0)
    receiver = Receiver(model)
    meta = FrameMeta(model_id=model.wire_id, image_id=1, height=32, width=32, payload_length=1024, image_count=2)
    ready = receiver.accept(meta.with_reception(snr_est_db=40.0), np.zeros(1024, np.complex64))
    decoded = receiver.decode(take_same_size(collections.deque(ready), 16))
    assert [image["decoder_snr_db"] for image, _ in decoded] == [20.0, 20.0]
    assert [image["snr_est_db"] for image, _ in decoded] == [40.0, 40.0]
    assert {image["decoder"] for image, _ in decoded} == {model.name}  # the sink's rows and the display say it


def test_frames_pack_small_images_as_the_frame_plan_says(model):
    profile = LinkProfile()
    batch, symbols = Encoder(model, 10.0).encode([({"image_id": i}, image) for i, image in
                                                  enumerate(random_images(10, (32, 32)))])
    framed = frames(batch, symbols, profile)
    plan = plan_frames(10, 512, profile.max_payload)
    assert [(m.image_id, m.image_count, m.payload_length) for m, _ in framed] == \
        [(s.first_image, s.image_count, s.stop - s.start) for s in plan]
    assert all(len(f) == profile.frame.frame_symbols(m.payload_length) for m, f in framed)


def test_offline_link_decodes_everything_it_sends(model):
    images = ImageSet("random", random_images(10, (32, 32)))
    report = simulate_link(model, images, 20.0, cfo=0.001, taps=(0.98, 0.2j), seed=2)
    assert report["frames_sent"] == report["frames_detected"] == report["frames_decoded"] == 2
    assert report["images_sent"] == report["images_decoded"] == 10
    assert report["images_dropped"] == {"missing_chunks": 0} and report["frames_missed"] == 0
    assert abs(report["snr_est_db"] - 20.0) < 1.5
    assert [row["image_id"] for row in report["images"]] == list(range(10))


@pytest.mark.parametrize("fading", [False, True])
def test_offline_ofdm_link_decodes_everything_and_hands_the_gains_on(model, fading):
    from semjscc.link.loopback import exponential_fading

    images = ImageSet("random", random_images(20, (32, 32)))
    report = simulate_link(model, images, 20.0, cfo=0.002, epsilon=1.00002, profile=LinkProfile(mode="ofdm"),
                           fading=exponential_fading() if fading else None, seed=3)
    assert report["frames_sent"] == report["frames_decoded"] and report["accounted"]
    assert report["images_sent"] == report["images_decoded"] == 20
    assert abs(report["snr_est_db"] - 20.0) < (3.0 if fading else 0.7)


def test_a_frame_whose_gains_do_not_fit_its_symbols_is_refused_and_counted(model):
    receiver = Receiver(model)
    meta = FrameMeta(model_id=model.wire_id, image_id=1, height=32, width=32,
                     payload_length=receiver.expected_symbols(32, 32))
    symbols = np.zeros(meta.payload_length, dtype=np.complex64)
    assert receiver.accept(meta.with_reception(reliability=np.ones(3, np.float32)), symbols) == []
    assert receiver.dropped["bad_reliability"] == 1 and receiver.counters()["images_in"] == 1
    ready = receiver.accept(meta.with_reception(reliability=np.full(len(symbols), 0.5, np.float32)), symbols)
    assert len(ready) == 1 and np.allclose(ready[0][1][:, 1].real, 0.5)  # each symbol with its gain


def test_the_card_and_the_index_record_the_identity_the_receiver_checks(tmp_path, model):
    from semjscc.codec.card import write_card, write_index

    assert write_card(tmp_path / "tiny.pt")["uid"] == model.uid
    assert [entry["uid"] for entry in write_index(tmp_path)] == [model.uid]


def test_interleaved_multi_frame_images_are_all_reassembled(model):
    profile = LinkProfile(max_payload=256)  # a 32x32 image at 1/6: two frames
    receiver = Receiver(model, profile=profile)
    images = random_images(5, (32, 32))
    batch, symbols = Encoder(model, 10.0).encode([({"image_id": i}, image) for i, image in enumerate(images)])
    metas = [meta for meta, _ in frames(batch, symbols, profile)]
    payloads = dict(zip(((m.image_id, m.chunk_index) for m in metas), np.split(symbols.reshape(-1), 10)))
    ready = []
    for chunk in (0, 1):  # first halves of all five, then the second halves
        for image_id in range(5):
            meta = next(m for m in metas if (m.image_id, m.chunk_index) == (image_id, chunk))
            ready += receiver.accept(meta, payloads[(image_id, chunk)])
    assert sorted(image["image_id"] for image, _, _ in ready) == [0, 1, 2, 3, 4]
    assert receiver.counters()["dropped"] == {"missing_chunks": 0} and receiver.reassembler.held == 0


def test_a_frame_received_twice_is_decoded_once(model):
    receiver = Receiver(model)
    meta = FrameMeta(model_id=model.wire_id, image_id=1, height=32, width=32, payload_length=1024, image_count=2)
    second = FrameMeta(model_id=model.wire_id, image_id=3, height=32, width=32, payload_length=512)
    ready = [image["image_id"] for frame in (meta, meta, second)
             for image, _, _ in receiver.accept(frame, np.zeros(frame.payload_length, np.complex64))]
    assert ready == [1, 2, 3] and receiver.counters()["dropped"]["duplicate"] == 2


def test_multipath_taps_as_given_leave_the_receiver_at_the_nominal_snr(model):
    images = ImageSet("random", random_images(16, (32, 32)))
    report = simulate_link(model, images, 10.0, taps=(0.9, 0.3 + 0.2j, 0.1j), seed=3)  # +1.67 dB in band unscaled
    assert report["images_decoded"] == 16
    assert abs(report["snr_est_db"] - 10.0) < 0.4


def test_a_transmitter_that_restarts_its_ids_is_heard_again(model):
    receiver = Receiver(model)

    def frame(image_id):
        meta = FrameMeta(model_id=model.wire_id, image_id=image_id, height=32, width=32, payload_length=512)
        return [image["image_id"] for image, _, _ in receiver.accept(meta, np.zeros(512, np.complex64))]

    first = [frame(i) for i in range(40)]
    restarted = [frame(i) for i in range(3)]  # the same ids, 40 frames later: new images
    assert first == [[i] for i in range(40)] and restarted == [[0], [1], [2]]
    assert frame(2) == [] and receiver.counters()["dropped"]["duplicate"] == 1  # right after itself: an echo
