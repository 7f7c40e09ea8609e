"""The OFDM air interface: numerology, frame, synchroniser, channel estimation, MMSE, training channel."""

import numpy as np
import pytest
import torch

from semjscc.channel.ofdm import OfdmFadingChannel
from semjscc.link import LinkProfile
from semjscc.link.meta import FrameMeta
from semjscc.link.receiver import synced_frame
from semjscc.phy.channel_sim import simulate_channel
from semjscc.phy.equalizers import OfdmMmseEqualizer
from semjscc.phy.header import Header
from semjscc.phy.ofdm import OfdmConfig
from semjscc.phy.ofdm.estimation import smoothed_estimate, window_fraction
from semjscc.phy.ofdm.frame import header_interleaver, known_resources, resource_grid

PROFILE = LinkProfile(mode="ofdm")
CONFIG = PROFILE.air.config


def random_symbols(rng, n):
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)


def one_frame(length=1000, seed=0, image_id=7):
    data = random_symbols(np.random.default_rng(seed), length)
    meta = FrameMeta(model_id=5, image_id=image_id, height=32, width=32, payload_length=length)
    return meta, data, PROFILE.air.burst(PROFILE.air.frame(meta.to_header(), data))


def receive(samples, profile=PROFILE):
    """(frames as (meta, data), synchroniser stats) of a stream."""
    sync = profile.air.synchronizer(0.3)
    frames = [profile.air.equalize(*synced_frame(frame), 31) for frame in sync.push(samples)]
    sync.flush()
    return frames, sync.stats


def test_numerology_follows_80211a_and_scales_with_the_fft():
    assert (len(CONFIG.used), CONFIG.data_carriers, len(CONFIG.pilot_index)) == (52, 48, 4)
    assert list(CONFIG.used[CONFIG.pilot_index]) == [-24, -8, 8, 24]
    assert 0 not in CONFIG.used
    wide = OfdmConfig(fft_size=256, cp_length=64)
    assert len(wide.used) == 208 and wide.samples_per_symbol == pytest.approx(256 / 208)
    with pytest.raises(ValueError, match="power of two"):
        OfdmConfig(fft_size=100)


def test_preamble_halves_repeat_and_symbols_carry_unit_power_per_subcarrier():
    period = CONFIG.fft_size // 4
    stf = CONFIG.preamble[:CONFIG.stf_repeats * period]
    assert np.allclose(stf[:period], stf[period:2 * period], atol=1e-6)
    grid = random_symbols(np.random.default_rng(1), 200 * 52).reshape(200, 52)
    assert np.mean(np.abs(CONFIG.to_time(grid)) ** 2) == pytest.approx(52 / 64, rel=0.02)
    assert np.allclose(CONFIG.to_frequency(CONFIG.to_time(grid)), grid, atol=1e-5)


def test_modulate_and_demodulate_round_trip_exactly_without_noise():
    meta, data, burst = one_frame()
    stream = np.concatenate([np.zeros(300, np.complex64), burst, np.zeros(300, np.complex64)])
    frames, stats = receive(stream)
    assert stats.decoded == 1 and len(frames) == 1
    received_meta, received = frames[0]
    assert received_meta.image_id == meta.image_id and received_meta.payload_length == len(data)
    assert np.allclose(received, data, atol=1e-3)


def test_sync_finds_a_frame_at_a_fractional_offset_with_cfo():
    meta, data, burst = one_frame()
    offset, cfo = 1234, 0.01  # cycles per sample: within the STF's range of two subcarrier spacings
    stream = np.concatenate([np.zeros(offset, np.complex64), burst, np.zeros(500, np.complex64)]) * 0.3
    received = simulate_channel(stream, 0.3 * 10 ** (-25 / 20), cfo, delay=0.37, seed=2)
    sync = PROFILE.air.synchronizer(0.3)
    frames = sync.push(received)
    assert len(frames) == 1
    true_ltf = offset + CONFIG.guard_samples + CONFIG.ltf_start
    assert abs(frames[0].start - true_ltf) <= 2
    assert frames[0].cfo == pytest.approx(cfo, abs=2e-5)


def test_ls_estimate_of_a_known_multipath_channel_and_its_smoothing_gain():
    rng = np.random.default_rng(3)
    taps = np.array([0.8, 0.4j, 0.3 - 0.2j, 0.1])
    response = np.exp(-2j * np.pi * np.outer(CONFIG.used, np.arange(len(taps))) / CONFIG.fft_size) @ taps
    ltf = np.tile(CONFIG.ltf, (2, 1)) * response
    assert np.allclose(smoothed_estimate(ltf, CONFIG.ltf, CONFIG), response, atol=1e-6)
    noise_var = 0.01
    errors = []
    for _ in range(200):
        noisy = ltf + random_symbols(rng, ltf.size).reshape(ltf.shape) * np.sqrt(noise_var)
        errors.append(np.mean(np.abs(smoothed_estimate(noisy, CONFIG.ltf, CONFIG) - response) ** 2))
    # LS over two rows leaves noise_var / 2; the delay window keeps (cp + 1) / used of it
    assert np.mean(errors) == pytest.approx(noise_var / 2 * 17 / 52, rel=0.1)


def test_pilots_track_a_residual_frequency_offset():
    rng = np.random.default_rng(4)
    meta, data, _ = one_frame(2000)
    header = meta.to_header()
    grid = np.concatenate([np.tile(CONFIG.ltf, (2, 1)), resource_grid(header, data, CONFIG)])
    drift = np.exp(1j * 0.05 * np.arange(len(grid)))[:, None]  # a residual CFO: 0.05 rad per OFDM symbol
    noise_var = 10 ** (-30 / 10)
    received = grid * drift + random_symbols(rng, grid.size).reshape(grid.shape) * np.sqrt(noise_var)
    index, values = known_resources(header, CONFIG)
    result = OfdmMmseEqualizer(CONFIG).equalize(received.reshape(-1), index, values)
    estimate = PROFILE.air.equalize(meta, received.reshape(-1).astype(np.complex64), 31)[1]
    assert 10 * np.log10(1 / np.mean(np.abs(estimate - data) ** 2)) > 27
    assert result.snr_db == pytest.approx(30, abs=1.0)


def test_multipath_taps_are_scaled_to_unit_power_over_the_used_subcarriers():
    taps = [2.0, 1j, 0.5]
    scaled = PROFILE.channel_taps(taps)
    response = np.exp(-2j * np.pi * np.outer(CONFIG.used, np.arange(3)) / CONFIG.fft_size) @ np.array(scaled)
    assert np.mean(np.abs(response) ** 2) == pytest.approx(1.0, abs=1e-9)
    meta, data, burst = one_frame(3000)
    amplitude, snr = 0.3, 10.0
    stream = np.concatenate([np.zeros(300, np.complex64), burst * amplitude, np.zeros(300, np.complex64)])
    received = simulate_channel(stream, PROFILE.noise_voltage(snr, amplitude), 0.0, scaled, seed=5)
    frames, _ = receive(received)
    assert frames[0][0].reception["snr_est_db"] == pytest.approx(snr, abs=0.5)  # the receiver sees the nominal SNR


def test_a_frame_cut_short_is_dropped_as_truncated_and_the_next_one_decodes():
    _, _, first = one_frame(3000, seed=1, image_id=1)
    meta, data, second = one_frame(1000, seed=2, image_id=2)
    cut = first[:len(first) * 2 // 3]
    stream = np.concatenate([np.zeros(300, np.complex64), cut, second, np.zeros(300, np.complex64)]) * 0.3
    received = simulate_channel(stream, PROFILE.noise_voltage(15.0, 0.3), seed=6)
    frames, stats = receive(received)
    assert stats.dropped == {"truncated": 1}
    assert [m.image_id for m, _ in frames] == [2]


def test_window_fraction_tells_a_channel_from_noise():
    rng = np.random.default_rng(7)
    channel = np.exp(-2j * np.pi * np.outer(CONFIG.used, [0, 3]) / CONFIG.fft_size) @ np.array([1.0, 0.5j])
    assert window_fraction(channel * CONFIG.ltf, CONFIG) > 0.99
    noise = [window_fraction(random_symbols(rng, 52), CONFIG) for _ in range(200)]
    assert np.mean(noise) == pytest.approx(17 / 52, abs=0.03)


def test_header_interleaver_is_a_permutation_that_spreads_neighbours():
    order = header_interleaver(760)
    assert sorted(order) == list(range(760))
    assert np.min(np.abs(np.diff(order))) > 48  # neighbours never share an OFDM symbol's subcarriers


def test_training_channel_has_unit_frame_power_and_vanishes_at_high_snr():
    torch.manual_seed(0)
    channel = OfdmFadingChannel()
    response = channel.draw_response(100, torch.zeros(1, dtype=torch.complex64))
    assert torch.allclose(response.abs().pow(2).mean(dim=1), torch.ones(100), atol=1e-5)
    assert float(response.abs().pow(2).std()) > 0.3  # the subcarriers' gains still spread
    symbols = torch.randn(64, 512, dtype=torch.complex64)
    out, reliability = channel(symbols, 40.0)
    assert out.shape == symbols.shape == reliability.shape
    assert float((out - symbols).abs().pow(2).mean()) < 0.02
    assert float(reliability.mean()) == pytest.approx(1.0, abs=0.1) and float(reliability.min()) >= 0
    with pytest.raises(ValueError, match="taps"):
        OfdmFadingChannel(taps=40)
