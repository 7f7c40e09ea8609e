"""Image quality metrics over 8-bit pixels: PSNR, SSIM, MS-SSIM (pytorch-msssim)."""

import torch
from pytorch_msssim import ms_ssim, ssim

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] images to the 8-bit grid, as a receiver saving a PNG would."""
    return torch.round(images.clamp(0, 1) * 255) / 255


def psnr_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    mse = (reference - decoded).pow(2).flatten(1).mean(dim=1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


def ssim_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    window = 11 if min(reference.shape[-2:]) >= 11 else 3
    return ssim(reference, decoded, data_range=1.0, size_average=False, win_size=window)


def ms_ssim_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    """MS-SSIM with as many of the standard 5 scales as the image size allows.

    pytorch-msssim needs the short side > (win - 1) * 2^(scales - 1); 32x32
    CIFAR images get 3x3 windows and 4 scales (weights renormalised).
    """
    side = min(reference.shape[-2:])
    window = 11 if side > 160 else 3
    scales = 5
    while scales > 1 and side <= (window - 1) * 2 ** (scales - 1):
        scales -= 1
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], device=reference.device)
    return ms_ssim(reference, decoded, data_range=1.0, size_average=False, win_size=window,
                   weights=(weights / weights.sum()).tolist())


def image_metrics(reference: torch.Tensor, decoded: torch.Tensor) -> dict:
    """Per-image PSNR (dB), SSIM and MS-SSIM of quantised ``decoded`` against ``reference``."""
    decoded = quantize(decoded)
    return {
        "psnr": psnr_per_image(reference, decoded),
        "ssim": ssim_per_image(reference, decoded),
        "ms_ssim": ms_ssim_per_image(reference, decoded),
    }
