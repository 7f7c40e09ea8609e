import numpy as np
import pytest

from semjscc.phy import FrameConfig, Header, HeaderError
from semjscc.phy.channel_sim import resample, simulate_channel
from semjscc.phy.equalizers import PilotEqualizer, equalize_pilots
from semjscc.phy.fec import conv_encode, viterbi_decode
from semjscc.phy.frame import burst, frame_symbols, plan_frames
from semjscc.phy.levels import noise_voltage
from semjscc.phy.pilots import insert_pilots, pilot_layout
from semjscc.phy.pulse import matched_filter, rrc_taps, shape
from semjscc.phy.sync import FrameSynchronizer

CONFIG = FrameConfig()


def random_symbols(rng, n):
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)


def make_header(image_id=7, length=512, chunk=0, count=1):
    return Header(model_id=42, image_id=image_id, chunk_index=chunk, chunk_count=count, payload_length=length,
                  height=32, width=32)


def test_header_round_trip_and_crc_rejection():
    header = make_header()
    assert Header.from_bits(header.to_bits()) == header
    bits = header.to_bits()
    for position in (0, 40, len(bits) - 1):
        corrupted = bits.copy()
        corrupted[position] ^= 1
        with pytest.raises(HeaderError):
            Header.from_bits(corrupted)
    with pytest.raises(ValueError, match="impossible"):
        make_header(chunk=2, count=2).to_bytes()


def test_header_of_a_frame_shared_by_several_images():
    shared = Header(model_id=1, image_id=65534, chunk_index=0, chunk_count=1, payload_length=3 * 512, height=32,
                    width=32, image_count=3)
    assert Header.from_bits(shared.to_bits()) == shared
    for impossible in (dict(chunk_count=2), dict(payload_length=1000), dict(image_count=0)):
        fields = {**shared.__dict__, **impossible}
        with pytest.raises(ValueError):
            Header(**fields).to_bytes()


def test_convolutional_code_corrects_scattered_errors():
    rng = np.random.default_rng(0)
    bits = rng.integers(0, 2, 152)
    soft = 1.0 - 2.0 * conv_encode(bits)
    soft[[5, 60, 140, 250]] *= -1  # four hard errors, far apart
    assert np.array_equal(viterbi_decode(soft), bits)


def test_pilot_layout_puts_a_pilot_on_both_sides_of_every_data_symbol():
    total, pilots, data = pilot_layout(100, 16)
    assert total == 100 + len(pilots) and pilots[0] == 0 and pilots[-1] == total - 1
    assert np.diff(pilots).max() <= 16
    values = np.arange(100).astype(np.complex64)
    assert np.array_equal(insert_pilots(values, 16)[data], values)


def test_rrc_taps_match_gnu_radio_firdes_up_to_scale():
    firdes = pytest.importorskip("gnuradio.filter").firdes
    ours = rrc_taps(4, 0.35, 11)
    theirs = np.array(firdes.root_raised_cosine(1.0, 4, 1, 0.35, len(ours)))
    assert np.sum(ours ** 2) == pytest.approx(1.0, abs=1e-5)
    assert np.allclose(ours / ours.max(), theirs / theirs.max(), atol=1e-4)


def test_polyphase_shaping_equals_upsampling_then_filtering():
    taps = rrc_taps(4, 0.35, 8)
    symbols = random_symbols(np.random.default_rng(3), 257)
    upsampled = np.zeros(len(symbols) * 4, np.complex64)
    upsampled[::4] = symbols
    assert np.allclose(shape(symbols, 4, taps), np.convolve(upsampled, taps), atol=1e-6)
    assert len(shape(symbols[:0], 4, taps)) == len(taps) - 1


def test_frame_length():
    data = np.zeros(512, np.complex64)
    frame = frame_symbols(make_header(length=512), data, CONFIG)
    assert len(frame) == CONFIG.frame_symbols(512)
    with pytest.raises(ValueError, match="announces"):
        frame_symbols(make_header(length=100), data, CONFIG)


def test_frame_plan_packs_small_images_and_splits_large_ones():
    packed = plan_frames(10, 512, 4096)
    assert [(s.first_image, s.image_count, s.start, s.stop) for s in packed] == [(0, 8, 0, 4096), (8, 2, 4096, 5120)]
    large = plan_frames(2, 10000, 4096)
    assert [s.stop - s.start for s in large] == [3334, 3333, 3333] * 2
    assert [(s.first_image, s.chunk_index, s.chunk_count) for s in large[2:4]] == [(0, 2, 3), (1, 0, 3)]
    assert all(a.stop == b.start for a, b in zip(large, large[1:])) and large[-1].stop == 20000
    assert plan_frames(3, 4096, 4096)[2].image_count == 1


def test_noise_voltage_gives_the_requested_es_n0_after_the_matched_filter():
    rng = np.random.default_rng(1)
    symbols = random_symbols(rng, 20000)
    amplitude, snr = 0.3, 7.0
    samples = burst(symbols, CONFIG) * amplitude * np.sqrt(CONFIG.sps)
    noisy = simulate_channel(samples, noise_voltage(snr, amplitude, CONFIG.sps), seed=2)
    mf = matched_filter(noisy, CONFIG.taps) / (amplitude * np.sqrt(CONFIG.sps))
    first = CONFIG.guard_symbols * CONFIG.sps + len(CONFIG.taps) - 1
    received = mf[first:first + len(symbols) * CONFIG.sps:CONFIG.sps]
    measured = 10 * np.log10(1 / np.mean(np.abs(received - symbols) ** 2))
    assert measured == pytest.approx(snr, abs=0.15)


def run_link(rng, snr_db, n_frames=6, length=512, **impairments):
    datas, bursts = [], []
    for i in range(n_frames):
        data = random_symbols(rng, length)
        datas.append(data)
        bursts.append(burst(frame_symbols(make_header(image_id=i, length=length), data, CONFIG), CONFIG))
    signal = np.concatenate([np.zeros(777, np.complex64), *bursts, np.zeros(500, np.complex64)])
    # bursts of unit-energy pulses: RMS amplitude 1/sqrt(sps)
    received = simulate_channel(signal, noise_voltage(snr_db, 1 / np.sqrt(CONFIG.sps), CONFIG.sps),
                                seed=int(rng.integers(1 << 30)), **impairments)
    sync = FrameSynchronizer(CONFIG)
    frames = []
    for piece in np.array_split(matched_filter(received, CONFIG.taps), 23):  # frames split across buffers
        frames += sync.push(piece)
    return datas, frames, sync


@pytest.mark.parametrize("impairments", [
    {},
    {"frequency_offset": 0.0025, "delay": 0.37},
    {"frequency_offset": -0.002, "delay": 1.5, "taps": (1.0, 0.3j, 0.1)},
])
def test_sync_finds_every_frame_and_recovers_the_payload(impairments):
    rng = np.random.default_rng(3)
    datas, frames, sync = run_link(rng, 15.0, **impairments)
    assert [f.header.image_id for f in frames] == list(range(len(datas)))
    for frame in frames:
        eq = equalize_pilots(frame.payload, 512, CONFIG.pilot_spacing, PilotEqualizer(),
                             prior_snr_db=frame.training_snr_db, prior_count=frame.training_count)
        error_db = 10 * np.log10(1 / np.mean(np.abs(eq.data - datas[frame.header.image_id]) ** 2))
        assert error_db > 13.5
        assert abs(eq.snr_db - error_db) < 1.0


def test_sync_tracks_the_timing_drift_of_a_sample_clock_offset_over_a_long_frame():
    # 50 ppm: the timing drifts by a quarter symbol over a 4,096-symbol frame
    datas, frames, _ = run_link(np.random.default_rng(8), 25.0, n_frames=3, length=4096, epsilon=1.00005,
                                frequency_offset=0.001)
    assert len(frames) == 3
    for frame in frames:
        eq = equalize_pilots(frame.payload, 4096, CONFIG.pilot_spacing, PilotEqualizer(),
                             prior_snr_db=frame.training_snr_db, prior_count=frame.training_count)
        assert 10 * np.log10(1 / np.mean(np.abs(eq.data - datas[frame.header.image_id]) ** 2)) > 23.5


def test_no_frame_is_detected_in_noise():
    rng = np.random.default_rng(5)
    sync = FrameSynchronizer(CONFIG)
    for _ in range(10):
        noise = random_symbols(rng, 200_000)
        assert sync.push(matched_filter(noise, CONFIG.taps)) == []
    assert sync.stats.detected == 0
    assert len(sync.buffer) < 10_000  # the buffer does not grow without bound


def test_a_header_of_another_version_is_refused_by_name():
    import binascii
    import struct

    body = bytearray(make_header().to_bytes()[:-2])
    body[0] = (2 << 4) | (body[0] & 0xF)  # version 2 (8-bit model, 16-bit image ids), with a valid CRC
    data = bytes(body) + struct.pack(">H", binascii.crc_hqx(bytes(body), 0xFFFF))
    with pytest.raises(HeaderError, match="version 2, this receiver speaks 3"):
        Header.from_bytes(data)


@pytest.mark.parametrize("taps", [[1.0], [0.9, 0.3 + 0.2j, 0.1j], [1, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0.5j]])
def test_channel_taps_are_scaled_to_unit_in_band_power_gain(taps):
    from semjscc.phy.taps import channel_taps, in_band_gain

    samples = burst(random_symbols(np.random.default_rng(9), 100_000), CONFIG)
    measured = np.mean(np.abs(np.convolve(samples, taps)) ** 2) / np.mean(np.abs(samples) ** 2)
    assert in_band_gain(taps) == pytest.approx(measured, rel=0.01)  # the energy sum is not: [1, 1] gains 3.8
    scaled = np.convolve(samples, channel_taps(taps))
    assert np.mean(np.abs(scaled) ** 2) / np.mean(np.abs(samples) ** 2) == pytest.approx(1.0, abs=0.01)


@pytest.mark.parametrize("epsilon", [1.00002, 0.9999])
def test_the_simulated_sample_clock_keeps_the_power_of_a_wideband_signal(epsilon):
    rng = np.random.default_rng(0)
    spectrum = np.fft.fft(rng.standard_normal(1 << 16) + 1j * rng.standard_normal(1 << 16))
    spectrum[np.abs(np.fft.fftfreq(len(spectrum))) > 0.34] = 0  # as wide as the shaped stream at 2 samples a symbol
    signal = np.fft.ifft(spectrum)
    resampled = resample(signal, epsilon)
    assert len(resampled) == int(len(signal) / epsilon)
    middle = slice(500, -500)
    loss_db = 10 * np.log10(np.mean(np.abs(signal[middle]) ** 2) / np.mean(np.abs(resampled[middle]) ** 2))
    assert abs(loss_db) < 0.01
