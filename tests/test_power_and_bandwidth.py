import pytest
import torch

from semjscc.codec.bandwidth import latent_channels, symbol_count
from semjscc.codec.power import clip_amplitude, normalize_power, papr_db


def test_normalize_power_gives_unit_average_power_per_row():
    symbols = torch.randn(4, 512, dtype=torch.complex64) * torch.tensor([[0.1], [1.0], [5.0], [30.0]])
    power = normalize_power(symbols).abs().pow(2).mean(dim=1)
    assert torch.allclose(power, torch.ones(4), atol=1e-5)


def test_papr_of_constant_envelope_is_zero_db_and_clipping_lowers_it():
    phases = torch.rand(1, 256) * 6.28
    constant = torch.polar(torch.ones(1, 256), phases)
    assert papr_db(constant).item() == pytest.approx(0.0, abs=1e-4)
    gaussian = normalize_power(torch.randn(8, 4096, dtype=torch.complex64))
    clipped = clip_amplitude(gaussian, 1.5)
    assert (papr_db(clipped) < papr_db(gaussian)).all()
    assert clipped.abs().pow(2).mean(dim=1).allclose(torch.ones(8), atol=1e-4)


@pytest.mark.parametrize("ratio, channels, symbols", [(1 / 6, 16, 512), (1 / 12, 8, 256), (1 / 24, 4, 128)])
def test_bandwidth_ratio_to_symbol_count_on_cifar(ratio, channels, symbols):
    assert latent_channels(ratio) == channels
    assert symbol_count(32, 32, ratio) == symbols
    assert symbols / (32 * 32 * 3) == pytest.approx(ratio)


def test_kodak_symbol_count_and_bad_inputs():
    assert symbol_count(512, 768, 1 / 6) == 512 * 768 * 3 // 6
    with pytest.raises(ValueError, match="latent channels"):
        latent_channels(1 / 7)
    with pytest.raises(ValueError, match="multiple of 4"):
        symbol_count(30, 32, 1 / 6)
