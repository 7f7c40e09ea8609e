"""The equaliser interface: every registered equaliser removes a known channel and estimates the SNR.

A new equaliser registered in ``semjscc.phy.equalizers.EQUALIZERS`` is tested
here without a line of test code; its own file adds what is special to it.
"""

import numpy as np
import pytest

from semjscc.phy.equalizers import (EQUALIZERS, FractionallySpacedEqualizer, PilotEqualizer, equalize_pilots,
                                    make_equalizer)
from semjscc.phy.ofdm import OfdmConfig
from semjscc.phy.pilots import insert_pilots, pilot_layout
from semjscc.phy.sequences import pilot_symbols


def random_symbols(rng, n):
    return ((rng.standard_normal(n) + 1j * rng.standard_normal(n)) / np.sqrt(2)).astype(np.complex64)


def received_block(equalizer, symbols, gain, snr_db, rng):
    """``symbols`` through a flat channel ``gain`` plus noise, at the equaliser's input rate and margin."""
    rate, margin = equalizer.samples_per_symbol, equalizer.margin
    upsampled = np.zeros(equalizer.input_length(len(symbols)), dtype=np.complex128)
    upsampled[margin:margin + rate * len(symbols):rate] = symbols  # nothing but noise between symbols
    noise = random_symbols(rng, len(upsampled)) * np.sqrt(10 ** (-snr_db / 10)) * abs(gain)
    return gain * upsampled + noise


def single_carrier_block(equalizer, gain, snr_db, rng):
    """(received, known index, known values, data index, data) of a pilot block through a flat channel."""
    data = random_symbols(rng, 2000)
    block = insert_pilots(data, 16)
    _, pilot_index, data_index = pilot_layout(len(data), 16)
    return received_block(equalizer, block, gain, snr_db, rng), pilot_index, pilot_symbols(len(pilot_index)), \
        data_index, data


def ofdm_grid(gain, snr_db, rng, config=OfdmConfig()):
    """The same for an OFDM grid: two training rows, then rows of data with pilot subcarriers."""
    width, rows = len(config.used), 40
    grid = random_symbols(rng, rows * width).reshape(rows, width).astype(np.complex128)
    grid[:2] = config.ltf
    for row in range(2, rows):
        grid[row, config.pilot_index] = config.pilot_grid[row]
    known = np.zeros(grid.shape, dtype=bool)
    known[:2] = True
    known[2:, config.pilot_index] = True
    noise = random_symbols(rng, grid.size).reshape(grid.shape) * np.sqrt(10 ** (-snr_db / 10)) * abs(gain)
    received = (gain * grid + noise).reshape(-1)
    index = np.flatnonzero(known.reshape(-1))
    return received, index, grid.reshape(-1)[index], np.flatnonzero(~known.reshape(-1)), grid.reshape(-1)[~known.reshape(-1)]


@pytest.mark.parametrize("name", sorted(name for name, cls in EQUALIZERS.items() if cls.modes))
def test_every_payload_equalizer_removes_a_flat_channel_and_estimates_the_snr(name):
    rng = np.random.default_rng(4)
    equalizer = make_equalizer(name)
    gain = 0.5 * np.exp(1j * 2.0)
    build = ofdm_grid if "ofdm" in equalizer.modes else lambda g, s, r: single_carrier_block(equalizer, g, s, r)
    received, known_index, known, data_index, data = build(gain, 20.0, rng)
    result = equalizer.equalize(received, known_index, known)
    assert len(result.data) == len(received)  # payload equalisers take one value per symbol
    estimate = result.data[data_index]
    estimate = estimate * np.vdot(data, data) / np.vdot(data, estimate)  # an MMSE output is shrunk: unbias it
    error = estimate - data
    assert 10 * np.log10(1 / np.mean(np.abs(error) ** 2)) > 19.0
    assert result.snr_db == pytest.approx(20.0, abs=1.0)


def test_the_synchronisers_equalizer_too():
    rng = np.random.default_rng(4)
    equalizer = make_equalizer("fse")
    data = random_symbols(rng, 2000)
    block = insert_pilots(data, 16)
    _, pilot_index, data_index = pilot_layout(len(data), 16)
    gain = 0.5 * np.exp(1j * 2.0)
    received = received_block(equalizer, block, gain, 20.0, rng)
    result = equalizer.equalize(received, pilot_index, pilot_symbols(len(pilot_index)), len(block))
    assert len(result.data) == len(block)
    assert 10 * np.log10(1 / np.mean(np.abs(result.data[data_index] - data) ** 2)) > 19.0
    assert result.snr_db == pytest.approx(20.0, abs=1.0)


def test_unknown_equalizer_is_named():
    with pytest.raises(ValueError, match="unknown equaliser 'nope'.*fse.*pilot-ls"):
        make_equalizer("nope")


def test_pilot_stage_pools_the_synchronisers_estimate_and_returns_the_data_only():
    rng = np.random.default_rng(5)
    data = random_symbols(rng, 500)
    block = insert_pilots(data, 16)
    noise = random_symbols(rng, len(block)) * np.sqrt(10 ** (-15 / 10))
    alone = equalize_pilots(block + noise, len(data), 16, PilotEqualizer())
    pooled = equalize_pilots(block + noise, len(data), 16, PilotEqualizer(), prior_snr_db=15.0, prior_count=10_000)
    assert len(alone.data) == len(data)
    assert abs(pooled.snr_db - 15.0) < 0.1 < abs(alone.snr_db - 15.0) + 0.1
    with pytest.raises(ValueError, match="layout needs"):
        equalize_pilots(block[:100], len(data), 16, PilotEqualizer())


def test_drifting_taps_follow_a_channel_that_changes_over_the_block():
    rng = np.random.default_rng(6)
    symbols = random_symbols(rng, 4000)
    known_index = np.arange(0, 4000, 8)
    fixed, drifting = FractionallySpacedEqualizer(2), FractionallySpacedEqualizer(2, drift=True)
    received = received_block(fixed, symbols, 1.0, 40.0, rng)
    ramp = np.linspace(1.0, 1.3, len(received))  # the gain drifts by 30 % over the block
    errors = [np.mean(np.abs(eq.equalize(received * ramp, known_index, symbols[known_index]).data - symbols) ** 2)
              for eq in (fixed, drifting)]
    assert errors[1] < errors[0] / 10
