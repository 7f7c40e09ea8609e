"""The separate source/channel coding reference: an image codec at the channel's capacity.

An ideal capacity-achieving channel code delivers 3 * (k/n) * log2(1 + SNR)
bits per pixel error-free; the image is compressed with WebP or JPEG 2000
(Pillow) to the best quality that fits that budget.  WebP is the default: at
CIFAR-10's 32x32 and a few hundred bytes, JPEG 2000's headers cost it
3-6 dB (measured on the first 20 test images at 110-426 bytes).  An image the budget
cannot carry even at the lowest quality is lost: it counts as misclassified
and is left out of the PSNR average (its share is reported).
"""

import io
import math

import numpy as np
from PIL import Image

from semjscc.digital.source import decode_image, encode_image

CODECS = ("webp", "jpeg2000")


def capacity_bytes(height: int, width: int, k_over_n: float, snr_db: float) -> int:
    bits_per_pixel = 3 * k_over_n * math.log2(1 + 10 ** (snr_db / 10))
    return int(bits_per_pixel * height * width // 8)


def _jpeg2000(image: Image.Image, ratio: float) -> bytes:
    """A raw J2K codestream (no JP2 box overhead) at compression ``ratio``."""
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG2000", quality_mode="rates", quality_layers=[ratio], irreversible=True,
               no_jp2=True, num_resolutions=3)
    return buffer.getvalue()


def compress_to_budget(image: np.ndarray, budget: int, codec: str = "webp"):
    """Decoded image at the highest quality within ``budget`` bytes, or None when nothing fits."""
    return compress_to_budgets(image, [budget], codec)[0]


def compress_to_budgets(image: np.ndarray, budgets: list, codec: str = "webp") -> list:
    """``compress_to_budget`` for several budgets (one per SNR), sharing WebP's quality ladder between them."""
    if codec not in CODECS:
        raise ValueError(f"codec must be one of {CODECS}, not {codec!r}")
    decoded = [None] * len(budgets)
    if codec == "webp":  # the digital link's WebP coder, on a coarser quality ladder shared by the budgets
        smallest = len(encode_image(image, codec, 0))  # WebP's files shrink with the quality: none fits below this
        open_budgets = {i for i, budget in enumerate(budgets) if budget >= smallest}
        for level in range(100, -1, -5):
            if not open_budgets:
                break
            data = encode_image(image, codec, level)
            fitting = {i for i in open_budgets if len(data) <= budgets[i]}
            if fitting:
                image_out = decode_image(data, codec, image.shape[:2])
                for i in fitting:
                    decoded[i] = image_out
                open_budgets -= fitting
        return decoded
    picture = Image.fromarray(image)
    for i, budget in enumerate(budgets):  # compression ratios from the budget's upwards
        if budget <= 0:
            continue
        for level in np.geomspace(image.size / budget, image.size / budget * 30, 40):
            data = _jpeg2000(picture, level)
            if len(data) <= budget:
                decoded[i] = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))
                break
    return decoded
