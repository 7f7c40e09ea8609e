"""Image codecs of the digital link, each rate-matched to a bit budget by searching its quality.

HEVC intra (x265 through ``pillow-heif``: the engine of BPG), AVIF, WebP and
JPEG (Pillow).  A file is counted whole (``headers_known=False``: container,
parameter sets, tables) or with its fixed part assumed known at the receiver
(``headers_known=True``: only the coded image data counts, as most papers do;
what counts as fixed per codec is in :func:`payload_bytes`).  Quality levels
are searched by bisection over each codec's range; the file size is close to
monotonic in quality, and the search keeps the best level that fits.
"""

import io
import struct
from dataclasses import dataclass

import numpy as np
from PIL import Image

CODECS = ("hevc", "avif", "webp", "jpeg")
QUALITY_RANGE = {"hevc": (0, 100), "avif": (0, 100), "webp": (0, 100), "jpeg": (1, 95)}
_FORMATS = {"hevc": "HEIF", "avif": "AVIF", "webp": "WEBP", "jpeg": "JPEG"}


class SourceDecodeError(ValueError):
    """Bytes that do not decode as an image of the expected size."""


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def check_codec(codec: str) -> str:
    if codec not in CODECS:
        raise ValueError(f"unknown image codec {codec!r}: choose one of {', '.join(CODECS)}")
    return codec


def encode_image(image: np.ndarray, codec: str, quality: int) -> bytes:
    """HxWx3 uint8 pixels -> the codec's file at ``quality`` (4:2:0 chroma where the codec allows)."""
    check_codec(codec)
    if codec == "hevc":
        _register_heif()
    buffer = io.BytesIO()
    options = {"quality": int(quality)}
    if codec == "webp":
        options["method"] = 6
    if codec == "hevc":
        options["enc_params"] = {"tune": "psnr"}  # +0.6 dB on CIFAR-10 at the same size
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(buffer, format=_FORMATS[codec], **options)
    return buffer.getvalue()


def decode_image(data: bytes, codec: str, size: tuple) -> np.ndarray:
    """The pixels of a file; SourceDecodeError when it is corrupt or not ``size`` (height, width)."""
    check_codec(codec)
    if codec == "hevc":
        _register_heif()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            pixels = np.asarray(opened.convert("RGB"))
    except Exception as error:  # every library raises its own kind for a corrupt file
        raise SourceDecodeError(f"{codec} file of {len(data)} bytes does not decode: {error}") from None
    if pixels.shape[:2] != tuple(size):
        raise SourceDecodeError(f"{codec} file decodes to {pixels.shape[:2]}, expected {tuple(size)}")
    return pixels


def _iso_boxes(data: bytes):
    """(type, header size, total size) of the top-level ISO-BMFF boxes of a HEIF/AVIF file."""
    offset = 0
    while offset + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[offset:offset + 8])
        header = 8
        if size == 1:
            size, header = struct.unpack(">Q", data[offset + 8:offset + 16])[0], 16
        elif size == 0:
            size = len(data) - offset
        if size < header:
            return
        yield kind.decode("latin-1"), header, size
        offset += size


def payload_bytes(data: bytes, codec: str) -> int:
    """The bytes that carry this image's coded data, without what a receiver could know in advance.

    HEIF/AVIF: the ``mdat`` contents (the ``meta`` box with parameter sets and item
    locations is fixed); WebP: all but the RIFF and chunk headers; JPEG: the
    entropy-coded scan (markers, quantisation and Huffman tables are fixed).
    """
    if codec in ("hevc", "avif"):
        return sum(size - header for kind, header, size in _iso_boxes(data) if kind == "mdat")
    if codec == "webp":
        return max(len(data) - 20, 0)
    start = data.find(b"\xff\xda")
    if start < 0:
        return len(data)
    scan_header = struct.unpack(">H", data[start + 2:start + 4])[0]
    return max(len(data) - (start + 2 + scan_header) - 2, 0)


def counted_bytes(data: bytes, codec: str, headers_known: bool) -> int:
    return payload_bytes(data, codec) if headers_known else len(data)


@dataclass(frozen=True)
class Coded:
    """An image coded to fit a budget: the file, its quality level and the bytes counted against the budget."""

    data: bytes
    quality: int
    counted: int


def fit_to_budget(image: np.ndarray, codec: str, budget_bytes: int, headers_known: bool = False, cache=None):
    """The highest-quality file whose counted bytes fit ``budget_bytes``, or None when even the lowest does not.

    ``cache`` (a dict, quality -> file) keeps the files tried, for the next budget of the same image.
    """
    low, high = QUALITY_RANGE[check_codec(codec)]
    cache = {} if cache is None else cache

    def coded(quality):
        if quality not in cache:
            cache[quality] = encode_image(image, codec, quality)
        return Coded(cache[quality], quality, counted_bytes(cache[quality], codec, headers_known))

    if coded(low).counted > budget_bytes:
        return None
    best = coded(low)
    while low < high:
        middle = (low + high + 1) // 2
        if coded(middle).counted <= budget_bytes:
            best, low = coded(middle), middle
        else:
            high = middle - 1
    return best
