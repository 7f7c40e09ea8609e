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


def test_ssim_of_a_large_image_in_strips_equals_the_whole_image(monkeypatch):
    from pytorch_msssim import ssim

    from semjscc.data import metrics

    reference = torch.rand(2, 3, 150, 70)
    decoded = (reference + 0.1 * torch.randn_like(reference)).clamp(0, 1)
    whole = ssim(reference, decoded, data_range=1.0, size_average=False)
    monkeypatch.setattr(metrics, "SSIM_STRIP_VALUES", 2 * 3 * 70 * 17)  # strips of 17 rows, the last one short
    assert torch.allclose(metrics.ssim_per_image(reference, decoded), whole, atol=1e-5)


def test_the_sinks_scores_of_a_large_image_go_a_strip_at_a_time(monkeypatch):
    import numpy as np

    from semjscc.data import ImageSet, metrics
    from semjscc.link import scoring

    rng = np.random.default_rng(1)
    reference = rng.integers(0, 256, (300, 41, 3), dtype=np.uint8)
    decoded = np.clip(reference.astype(int) + rng.integers(-9, 10, reference.shape), 0, 255).astype(np.uint8)
    expected_psnr = 10 * np.log10(255 ** 2 / np.mean((reference.astype(float) - decoded) ** 2))
    (expected_ssim,) = scoring.ssim_batch([(reference, decoded)])  # one strip: the whole image
    for module, name in ((scoring, "STRIP_VALUES"), (metrics, "SSIM_STRIP_VALUES")):
        monkeypatch.setattr(module, name, 41 * 3 * 7)
    assert scoring.psnr(reference, decoded) == pytest.approx(expected_psnr, abs=1e-9)
    assert scoring.ssim_batch([(reference, decoded)]) == [pytest.approx(expected_ssim, abs=1e-5)]
    scorer = scoring.ImageScorer(ImageSet("one", [reference]))
    row = scorer.add({"image_id": 0}, decoded)
    assert row["ssim"] == pytest.approx(expected_ssim, abs=1e-5) and not scorer.unscored  # not held for a batch
