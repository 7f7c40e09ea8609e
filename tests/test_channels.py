import pytest
import torch

from semjscc.channel import AWGNChannel, BlockFadingChannel, IdentityChannel, build_channel
from semjscc.codec.power import normalize_power


@pytest.mark.parametrize("snr_db", [0.0, 10.0, 20.0])
def test_awgn_complex_noise_variance_splits_equally_over_i_and_q(snr_db):
    """Es/N0 per complex symbol: total variance 10^(-SNR/10), half on I, half on Q (the 3 dB trap)."""
    x = torch.zeros(64, 8192, dtype=torch.complex64)
    noise = AWGNChannel()(x, snr_db)
    n0 = 10 ** (-snr_db / 10)
    assert noise.abs().pow(2).mean().item() == pytest.approx(n0, rel=0.02)
    assert noise.real.var().item() == pytest.approx(n0 / 2, rel=0.02)
    assert noise.imag.var().item() == pytest.approx(n0 / 2, rel=0.02)


def test_awgn_measured_snr_matches_requested_per_row():
    x = normalize_power(torch.randn(3, 100000, dtype=torch.complex64))
    snr = torch.tensor([0.0, 10.0, 20.0])
    y = AWGNChannel()(x, snr)
    measured = 10 * torch.log10(1 / (y - x).abs().pow(2).mean(dim=1))
    assert torch.allclose(measured, snr, atol=0.1)


def test_fading_with_many_pilots_at_high_snr_recovers_the_symbols():
    x = normalize_power(torch.randn(16, 1024, dtype=torch.complex64))
    y = BlockFadingChannel(pilots=4096, equalizer="zf")(x, 40.0)
    error = (y - x).abs().pow(2).mean(dim=1)
    assert (error < 0.05).sum() >= 14  # a deep fade may still leave one or two blocks noisy


def test_fading_estimation_error_shrinks_with_more_pilots():
    x = normalize_power(torch.randn(2000, 64, dtype=torch.complex64))
    few = (BlockFadingChannel(pilots=1, equalizer="mmse")(x, 5.0) - x).abs().pow(2).mean()
    many = (BlockFadingChannel(pilots=64, equalizer="mmse")(x, 5.0) - x).abs().pow(2).mean()
    assert many < few


def test_identity_and_factory():
    x = torch.randn(2, 8, dtype=torch.complex64)
    assert torch.equal(IdentityChannel()(x, 3.0), x)
    assert isinstance(build_channel("fading", pilots=8), BlockFadingChannel)
    with pytest.raises(ValueError, match="unknown channel"):
        build_channel("rician")
    with pytest.raises(ValueError, match="pilot"):
        BlockFadingChannel(pilots=0)
