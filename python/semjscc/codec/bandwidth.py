"""Bandwidth ratio k/n: complex channel uses per real source value.

The encoders downsample by 4 in each dimension and emit ``c`` real feature
maps; two real values make one complex symbol.  For an HxWx3 image:
n = 3HW real values, k = (H/4)(W/4)c/2 complex symbols, so k/n = c/96.
"""

from fractions import Fraction

DOWNSAMPLE = 4
REAL_PER_COMPLEX = 2


def latent_channels(k_over_n: float) -> int:
    """Number of latent feature maps that realise the bandwidth ratio ``k_over_n``."""
    c = k_over_n * 3 * DOWNSAMPLE * DOWNSAMPLE * REAL_PER_COMPLEX
    if c < 1 or abs(c - round(c)) > 1e-6:
        raise ValueError(
            f"k/n = {k_over_n} needs {c:.3f} latent channels; choose k/n = c/96 for an integer c "
            f"(e.g. 1/6 -> 16, 1/12 -> 8)"
        )
    return int(round(c))


def symbol_count(height: int, width: int, k_over_n: float) -> int:
    """Complex channel symbols for an image of ``height`` x ``width`` x 3."""
    check_image_size(height, width)
    c = latent_channels(k_over_n)
    return (height // DOWNSAMPLE) * (width // DOWNSAMPLE) * c // REAL_PER_COMPLEX


def padded_size(size: int) -> int:
    """An image side padded up to the codec's downsampling multiple (the link pads, codes, then crops)."""
    return size + (-size) % DOWNSAMPLE


def check_image_size(height: int, width: int) -> None:
    if height % DOWNSAMPLE or width % DOWNSAMPLE:
        raise ValueError(f"image size {height}x{width} must be a multiple of {DOWNSAMPLE} in both dimensions")


def ratio_label(k_over_n: float) -> str:
    """'1/6' for 0.1666..., used in model names and cards."""
    return str(Fraction(k_over_n).limit_denominator(1000))
