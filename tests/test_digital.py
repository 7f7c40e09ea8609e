"""The digital link: image codecs fitted to a budget, CRC + 5G LDPC + QAM, and the link carrying it."""

import numpy as np
import pytest
import torch

from semjscc.data import load_dataset
from semjscc.digital.channel_code import CRC_BITS, LENGTH_BITS, decode_files, encode_files, plan_block
from semjscc.digital.codec import DIGITAL_FLAG, DigitalCodec
from semjscc.digital.mcs import MCS_TABLE, choose_mcs, parse_mcs
from semjscc.digital.source import CODECS, QUALITY_RANGE, decode_image, encode_image, fit_to_budget, payload_bytes
from semjscc.link import load_link_codec
from semjscc.link.loopback import simulate_link
from semjscc.link.meta import FrameMeta
from semjscc.link.receiver import Receiver
from semjscc.phy.header import Header


@pytest.fixture
def images(sample_root):
    return load_dataset("sample:cifar10:test:6", sample_root)


def noisy(symbols, snr_db, seed=0):
    rng = np.random.default_rng(seed)
    n0 = 10 ** (-snr_db / 10)
    noise = (rng.standard_normal(symbols.shape) + 1j * rng.standard_normal(symbols.shape)) * np.sqrt(n0 / 2)
    return (symbols + noise).astype(np.complex64), np.full(symbols.shape, n0, np.float32)


def random_files(plan, count, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 256, int(rng.integers(0, plan.capacity_bytes + 1)), dtype=np.uint8).tobytes()
            for _ in range(count)]


@pytest.mark.parametrize("name, symbols", [("qpsk-1/5", 512), ("16qam-2/3", 512), ("256qam-5/6", 256),
                                           ("64qam-3/4", 6000)])
def test_ldpc_blocks_round_trip_at_high_snr(name, symbols):
    plan = plan_block(symbols, parse_mcs(name))
    files = random_files(plan, 4)
    coded = encode_files(files, plan)
    assert coded.shape == (4, symbols)
    assert np.mean(np.abs(coded[:, :plan.codewords * plan.symbols_per_codeword]) ** 2) == pytest.approx(1, abs=0.1)
    assert decode_files(*noisy(coded, 30.0), plan) == files


def test_failed_codewords_are_detected_not_delivered_wrong():
    plan = plan_block(512, parse_mcs("64qam-5/6"))  # needs about 17 dB
    files = random_files(plan, 8, seed=1)
    decoded = decode_files(*noisy(encode_files(files, plan), 5.0), plan)
    assert decoded == [None] * 8


def test_block_plan_keeps_codewords_within_ldpc_limits():
    for mcs in MCS_TABLE:
        for symbols in (256, 512, 73728):
            plan = plan_block(symbols, mcs)
            assert plan.info_bits <= (3840 if mcs.rate <= 0.25 else 8448)  # base graph 2 below rate 1/4
            assert plan.codewords * plan.symbols_per_codeword <= symbols
            assert plan.capacity_bytes * 8 + LENGTH_BITS <= plan.codewords * (plan.info_bits - CRC_BITS)
            assert plan.info_bits / plan.coded_bits == pytest.approx(float(mcs.rate), abs=0.01)


def test_a_photographs_block_at_the_lowest_rate_encodes():
    plan = plan_block(73728, parse_mcs("qpsk-1/5"))  # a Kodak image at k/n = 1/16
    assert plan.codewords > 1
    assert encode_files([b"photograph"], plan).shape == (1, 73728)


def test_qpsk_soft_demapping_matches_the_closed_form():
    """Unit-energy QPSK: a noiseless point's bit LLRs are +-4a^2/N0 = +-2/N0, signs giving its bits."""
    from sionna.phy.mapping import Demapper, Mapper

    bits = torch.tensor([[0., 0., 0., 1., 1., 0., 1., 1.]])
    points = Mapper("qam", 2)(bits)
    assert torch.allclose(points.abs(), torch.full((1, 4), 1.0), atol=1e-6)
    assert len(set(np.round(points.numpy().ravel(), 4))) == 4
    n0 = 0.25
    llr = Demapper("app", "qam", 2)(points, torch.tensor(n0))
    assert torch.allclose(llr.abs(), torch.full_like(llr, 2 / n0), rtol=1e-4)
    assert torch.equal((llr > 0).float(), bits)  # LLR = ln P(b=1) / P(b=0)


@pytest.mark.parametrize("codec", CODECS)
def test_codec_fits_the_best_quality_into_a_budget(codec, images):
    image = images.images[0]
    low, high = QUALITY_RANGE[codec]
    smallest = len(encode_image(image, codec, low))
    budget = smallest + 120
    coded = fit_to_budget(image, codec, budget)
    assert coded is not None and len(coded.data) == coded.counted <= budget
    if coded.quality < high:  # the next level up does not fit (bisection found the edge)
        assert len(encode_image(image, codec, coded.quality + 1)) > budget
    assert decode_image(coded.data, codec, image.shape[:2]).shape == image.shape
    assert fit_to_budget(image, codec, smallest - 1) is None


@pytest.mark.parametrize("codec", CODECS)
def test_headers_known_counts_only_the_coded_image_data(codec, images):
    data = encode_image(images.images[1], codec, 50)
    assert 0 < payload_bytes(data, codec) < len(data)
    known = fit_to_budget(images.images[1], codec, payload_bytes(data, codec), headers_known=True)
    assert known.quality >= 50 and known.counted == payload_bytes(known.data, codec) < len(known.data)


def test_mcs_names_and_choice_from_a_bler_table():
    assert parse_mcs("16qam-1/2") == parse_mcs(4) and parse_mcs("4").bits_per_symbol == 4
    with pytest.raises(ValueError, match="unknown MCS"):
        parse_mcs("8psk-1/2")
    table = {"qpsk-1/2": {"0": 1.0, "2": 0.05}, "16qam-1/2": {"5": 0.5, "7": 0.01}}
    assert choose_mcs(8.0, table).name == "16qam-1/2"
    assert choose_mcs(3.0, table).name == "qpsk-1/2"
    assert choose_mcs(-10.0, table) == MCS_TABLE[0]  # nothing works: the most robust


def test_header_says_digital_codec_and_mcs():
    codec = DigitalCodec.from_spec("digital:hevc:64qam-3/4:1/12")
    assert codec.k_over_n == pytest.approx(1 / 12) and codec.spec == "digital:hevc:64qam-3/4:1/12"
    meta = FrameMeta(model_id=codec.wire_id, image_id=7, height=32, width=32, payload_length=256,
                     flags=codec.flags)
    back = FrameMeta.from_header(Header.from_bits(meta.to_header().to_bits()))
    assert back.flags == DIGITAL_FLAG and back.model_id >> 8 == 0 and back.model_id & 0xFF == codec.mcs.index
    with pytest.raises(ValueError, match="digital:<codec>:<mcs>"):
        DigitalCodec.from_spec("digital:hevc")


def test_receiver_refuses_frames_of_another_mcs_or_kind():
    receiver = Receiver(load_link_codec("digital:webp:16qam-1/2:1/6", "cpu"))
    other = load_link_codec("digital:webp:16qam-2/3:1/6", "cpu")
    symbols = np.zeros(512, np.complex64)
    for wire_id, flags in ((other.wire_id, DIGITAL_FLAG), (receiver.model.wire_id, 0)):
        frame = FrameMeta(model_id=wire_id, image_id=0, height=32, width=32, payload_length=512, flags=flags)
        assert receiver.accept(frame, symbols) == []
    assert receiver.dropped["model_mismatch"] == 2


def test_digital_link_delivers_at_high_snr_and_counts_losses_at_low(images):
    codec = load_link_codec("digital:webp:16qam-1/2:1/6", "cpu")
    good = simulate_link(codec, images, 14.0, cfo=0.001, seed=2)
    assert good["images_decoded"] == 6 and good["images_lost"] == {} and good["accounted"]
    assert good["psnr"] > 20
    bad = simulate_link(codec, images, 3.0, seed=2)
    assert bad["images_decoded"] == 6 and bad["images_lost"].get("codeword", 0) >= 5
    assert all(row.get("lost") == "codeword" for row in bad["images"] if "lost" in row)
    assert bad["psnr"] < good["psnr"]


def test_an_image_no_file_fits_is_lost_and_counted(images):
    """HEVC's container alone outgrows a QPSK-1/5 block of a CIFAR image: every image is lost as 'budget'."""
    report = simulate_link(load_link_codec("digital:hevc:qpsk-1/5:1/6", "cpu"), images, 20.0, seed=1)
    assert report["images_decoded"] == 6 and report["images_lost"] == {"budget": 6}


def test_corrupt_file_is_lost_as_source_not_a_crash(images):
    codec = DigitalCodec.from_spec("digital:webp:256qam-5/6:1/6")
    tensor = torch.from_numpy(images.images[:2]).permute(0, 3, 1, 2).float() / 255
    plan = codec.plan(32, 32)
    files = [b"RIFF not a webp", encode_image(images.images[1], "webp", 30)]
    symbols = torch.from_numpy(encode_files(files, plan))
    decoded, reasons = codec.decode_images(symbols, (32, 32), torch.tensor([30.0, 30.0]))
    assert reasons == ["source", None]
    assert decoded.shape == tensor.shape and decoded[0].flatten(1).std(dim=1).max() < 1e-6  # the mean image


def test_auto_mcs_is_the_most_efficient_within_the_shipped_bler_target():
    from semjscc.digital.codec import link_spec
    from semjscc.digital.mcs import TARGET_BLER, shipped_bler_table

    table = shipped_bler_table(512)
    chosen = DigitalCodec.from_spec(link_spec("webp", "auto", "1/6", 10.0)).mcs
    at_10 = {name: curve.get("10") for name, curve in table.items()}
    assert at_10[chosen.name] is not None and at_10[chosen.name] <= TARGET_BLER
    better = [m for m in MCS_TABLE if m.efficiency > chosen.efficiency]
    assert all(at_10.get(m.name) is None or at_10[m.name] > TARGET_BLER for m in better)
    assert DigitalCodec.from_spec(link_spec("webp", "auto", "1/6", 25.0)).mcs.efficiency > chosen.efficiency


def test_a_photographs_blocks_are_lost_with_any_of_their_codewords(images):
    from semjscc.bench.cliff import SourceScores, block_loss, digital_curves

    mcs = parse_mcs("16qam-1/2")
    symbols = 10000  # three codewords
    assert plan_block(symbols, mcs).codewords == 3
    rng = np.random.default_rng(0)
    assert block_loss(symbols, mcs, 12.0, 4, rng) == (0.0, 0.0)
    assert block_loss(symbols, mcs, 0.0, 4, rng) == (1.0, 1.0)
    scores = SourceScores(np.asarray(images.images[:3]), images.labels[:3], task=None)
    table = {m.name: {"0": 1.0, "30": 1.0} for m in MCS_TABLE}
    table[mcs.name] = {"0": 0.1, "10": 0.25, "30": 0.0}  # chosen for a 0 dB design, lost a quarter of the time at 10
    curve = digital_curves(scores, symbols, ("webp",), [10.0], table, [0.0], seed=0)[0]
    assert curve["mcs"] == mcs.name and curve["outcomes"] == "expected" and curve["codewords"] == 3
    quality, fits = scores.at_budget("webp", plan_block(symbols, mcs).capacity_bytes, False)
    assert fits.all()
    row = curve["results"][0]
    assert row["delivered"] == pytest.approx(0.75) and row["bler"] == pytest.approx(0.25)
    assert row["psnr"] == pytest.approx(float((0.75 * quality + 0.25 * scores.lost)[:, 0].mean()), abs=1e-4)


@pytest.mark.slow
def test_cli_digital_loopback_with_auto_mcs(tmp_path, sample_root, monkeypatch):
    import json

    from semjscc.cli import main

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = tmp_path / "report.json"
    assert main(["loopback", "--mode", "digital", "--codec", "webp", "--mcs", "auto", "--snr", "14",
                 "--data", "sample:cifar10:test:4", "--out", str(tmp_path / "rx"), "--json", str(report)]) == 0
    result = json.loads(report.read_text())
    assert result["model"].startswith("digital:webp:") and result["images_decoded"] == 4
    assert result["images_lost"] == {}


def test_cliff_envelope_takes_the_best_expected_configuration(images):
    from semjscc.bench.cliff import SourceScores, envelope

    scores = SourceScores(np.asarray(images.images[:3]), images.labels[:3], task=None)
    small, small_fits = scores.at_budget("webp", 60, False)
    large, large_fits = scores.at_budget("webp", 400, False)
    assert large_fits.all() and large_fits.sum() >= small_fits.sum()
    assert (large[:, 0] >= small[:, 0] - 1e-6).all() and (small[~small_fits, :2] == scores.lost[~small_fits, :2]).all()
    table = {mcs.name: {"0": 1.0, "30": 1.0} for mcs in MCS_TABLE}
    table["qpsk-1/2"] = {"0": 0.5, "30": 0.5}  # the only scheme that ever gets through
    best = envelope(scores, 512, ("webp", "jpeg"), [10.0], table)
    row = best["known"][0]
    assert row["mcs"] == "qpsk-1/2" and row["bler"] == pytest.approx(0.5)
    budget = plan_block(512, parse_mcs("qpsk-1/2")).capacity_bytes
    for codec in ("webp", "jpeg"):
        quality, _ = scores.at_budget(codec, budget, True)
        assert row["psnr"] >= float((0.5 * quality + 0.5 * scores.lost)[:, 0].mean()) - 1e-6


@pytest.mark.slow
def test_cli_loopback_fails_when_images_are_lost_unless_allowed(tmp_path, sample_root, monkeypatch, capsys):
    from semjscc.cli import main

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    argv = ["loopback", "--mode", "digital", "--mcs", "64qam-5/6", "--snr", "5", "--data", "sample:cifar10:test:4",
            "--out", str(tmp_path / "rx")]
    assert main(argv) == 1
    assert "images lost" in capsys.readouterr().err
    assert main(argv + ["--allow-loss", "4"]) == 0


@pytest.mark.slow
def test_the_cliff_through_the_flowgraph_scores_every_image_sent(sample_root, monkeypatch):
    from semjscc.bench.cliff import first_images, flowgraph_curves

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    assert first_images("cifar10:test:200", 100) == "cifar10:test:100"
    assert first_images("sample:kodak", 3) == "sample:kodak:3"
    table = {mcs.name: {"0": 1.0, "30": 1.0} for mcs in MCS_TABLE}
    table["16qam-1/2"] = {"0": 1.0, "10": 0.0, "30": 0.0}
    curves = flowgraph_curves("sample:cifar10:test", "1/6", table, snrs=(20.0, -15.0), images=3, design_snrs=(15.0,))
    assert [curve["spec"] for curve in curves] == ["adaptive_awgn_kn1-6", "digital:webp:16qam-1/2:1/6"]
    for curve in curves:
        high, low = curve["results"]
        assert high["delivered"] == 1.0 and high["accounted"] and high["psnr"] > low["psnr"] + 8
        assert low["delivered"] == 0.0 and low["psnr"] < 16  # nothing arrives: every image scores as the mean image
