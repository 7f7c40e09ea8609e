import pytest
import torch

from semjscc.channel import AWGNChannel
from semjscc.codec.models import build_model


@pytest.mark.parametrize("config", [
    {"arch": "baseline", "k_over_n": 1 / 6},
    {"arch": "adaptive", "k_over_n": 1 / 12, "width": 16, "blocks": 1},
])
@pytest.mark.parametrize("size", [(32, 32), (64, 96), (96, 64)])
def test_encode_decode_shapes_and_power(config, size):
    model = build_model(config).eval()
    images = torch.rand(2, 3, *size)
    with torch.no_grad():
        symbols = model.encode(images, 10.0)
        assert symbols.dtype == torch.complex64
        assert symbols.shape == (2, int(size[0] * size[1] * 3 * config["k_over_n"]))
        assert torch.allclose(symbols.abs().pow(2).mean(dim=1), torch.ones(2), atol=1e-4)
        decoded = model.decode(symbols, size, 10.0)
    assert decoded.shape == images.shape
    assert decoded.min() >= 0 and decoded.max() <= 1


def test_kodak_sized_image_runs_through_the_adaptive_model():
    model = build_model({"arch": "adaptive", "k_over_n": 1 / 6, "width": 8, "blocks": 1}).eval()
    with torch.no_grad():
        out = model(torch.rand(1, 3, 512, 768), AWGNChannel(), 10.0)
    assert out.shape == (1, 3, 512, 768)


def test_adaptive_model_output_depends_on_the_snr_it_is_told():
    model = build_model({"arch": "adaptive", "k_over_n": 1 / 6, "width": 16, "blocks": 1}).eval()
    images = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        low, high = model.encode(images, 0.0), model.encode(images, 20.0)
    assert not torch.allclose(low, high)


def test_unknown_architecture_is_named():
    with pytest.raises(ValueError, match="unknown model architecture 'resnet'"):
        build_model({"arch": "resnet", "k_over_n": 1 / 6})
