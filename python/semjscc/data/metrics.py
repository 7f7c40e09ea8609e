"""Image quality metrics over 8-bit pixels: PSNR, SSIM, MS-SSIM (pytorch-msssim)."""

import torch
import torch.nn.functional as F
from pytorch_msssim import ssim
from pytorch_msssim.ssim import _fspecial_gauss_1d, _ssim

MS_SSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
MIN_SIDE = 3  # the smallest SSIM window; smaller images have no SSIM (NaN)
SSIM_STRIP_VALUES = 1 << 20  # pytorch-msssim holds about 15 float copies of its input: larger images go in strips


def _undefined(reference: torch.Tensor) -> torch.Tensor:
    return torch.full((reference.shape[0],), float("nan"), device=reference.device)


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Round [0, 1] images to the 8-bit grid, as a receiver saving a PNG would."""
    return torch.round(images.clamp(0, 1) * 255) / 255


def psnr_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    mse = (reference - decoded).pow(2).flatten(1).mean(dim=1).clamp_min(1e-10)
    return 10 * torch.log10(1.0 / mse)


def ssim_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    if min(reference.shape[-2:]) < MIN_SIDE:
        return _undefined(reference)
    return ssim_in_strips(lambda start, stop: (reference[..., start:stop, :], decoded[..., start:stop, :]),
                          reference.shape)


def ssim_in_strips(rows, shape) -> torch.Tensor:
    """Mean SSIM per image of (batch, channels, height, width) pairs, in strips of rows so that the memory is
    bounded by ``SSIM_STRIP_VALUES`` rather than by the image: the SSIM map of a strip of input rows
    start..stop is the map's rows start..stop-window+1 (the Gaussian window filters without padding), so the
    strips' means weighted by their map rows give the whole image's mean.  ``rows(start, stop)``: that strip
    of the two images, float in [0, 1]."""
    height, width = shape[-2:]
    window = 11 if min(height, width) >= 11 else 3
    map_rows = height - window + 1
    per_strip = max(1, SSIM_STRIP_VALUES // (shape[0] * shape[1] * width))
    total = 0.0
    for start in range(0, map_rows, per_strip):
        stop = min(start + per_strip, map_rows)
        reference, decoded = rows(start, stop + window - 1)
        total = total + ssim(reference, decoded, data_range=1.0, size_average=False, win_size=window) * (stop - start)
    return total / map_rows


def ms_ssim_per_image(reference: torch.Tensor, decoded: torch.Tensor) -> torch.Tensor:
    """MS-SSIM with as many of the standard 5 scales as the image size allows.

    pytorch-msssim's ``ms_ssim`` refuses images under 161 pixels, so the scales
    are combined here from its per-scale ``_ssim`` (contrast-structure at each
    scale, SSIM at the last).  With 11x11 windows and 5 scales this equals
    ``ms_ssim`` (a test checks it); 32x32 CIFAR images get 3x3 windows and
    4 scales, the weights renormalised.
    """
    side = min(reference.shape[-2:])
    if side < MIN_SIDE:
        return _undefined(reference)
    window = 11 if side > 160 else 3
    scales = 5
    while scales > 1 and side < window * 2 ** (scales - 1):
        scales -= 1
    weights = torch.tensor(MS_SSIM_WEIGHTS[:scales], device=reference.device)
    weights = weights / weights.sum()
    win = _fspecial_gauss_1d(window, 1.5).repeat(reference.shape[1], 1, 1, 1).to(reference.device)
    x, y, factors = reference, decoded, []
    for level in range(scales):
        ssim_map, cs = _ssim(x, y, data_range=1.0, win=win, size_average=False)
        if level < scales - 1:
            factors.append(torch.relu(cs))
            padding = [s % 2 for s in x.shape[2:]]
            x, y = F.avg_pool2d(x, 2, padding=padding), F.avg_pool2d(y, 2, padding=padding)
    factors.append(torch.relu(ssim_map))
    stacked = torch.stack(factors, dim=0)
    return torch.prod(stacked ** weights.view(-1, 1, 1), dim=0).mean(dim=1)


def image_metrics(reference: torch.Tensor, decoded: torch.Tensor) -> dict:
    """Per-image PSNR (dB), SSIM and MS-SSIM of quantised ``decoded`` against ``reference``."""
    decoded = quantize(decoded)
    return {
        "psnr": psnr_per_image(reference, decoded),
        "ssim": ssim_per_image(reference, decoded),
        "ms_ssim": ms_ssim_per_image(reference, decoded),
    }
