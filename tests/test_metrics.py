import pytest
import torch
from pytorch_msssim import ms_ssim

from semjscc.data.metrics import image_metrics, ms_ssim_per_image, psnr_per_image, quantize


def test_own_ms_ssim_equals_the_library_where_the_library_applies():
    x = torch.rand(2, 3, 192, 192)
    y = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)
    expected = ms_ssim(x, y, data_range=1.0, size_average=False)
    assert torch.allclose(ms_ssim_per_image(x, y), expected, atol=1e-5)


def test_cifar_sized_ms_ssim_is_one_for_identical_and_drops_with_noise():
    x = torch.rand(4, 3, 32, 32)
    assert torch.allclose(ms_ssim_per_image(x, x), torch.ones(4), atol=1e-5)
    noisy = (x + 0.2 * torch.randn_like(x)).clamp(0, 1)
    assert (ms_ssim_per_image(x, noisy) < 0.95).all()


def test_psnr_of_known_error_over_8_bit_pixels():
    x = torch.full((1, 3, 8, 8), 100 / 255)
    y = torch.full((1, 3, 8, 8), 110 / 255)
    assert psnr_per_image(x, y).item() == pytest.approx(10 * torch.log10(torch.tensor(255.0 ** 2 / 100)).item(), abs=1e-3)
    assert torch.equal(quantize(torch.tensor([0.5004, 1.2, -0.1])), torch.tensor([128 / 255, 1.0, 0.0]))
    assert set(image_metrics(x, y)) == {"psnr", "ssim", "ms_ssim"}
