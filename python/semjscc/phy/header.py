"""The frame header: what the receiver needs to place a frame's payload in an image.

21 bytes of fields + CRC-16/CCITT, big-endian.  Fields: version (4 bits) and
flags (4 bits; bit 0: a digital payload, whose model id is image codec << 8 | MCS), model id (16 bits), image id (32 bits: a run at 400 images/s
takes four months to reuse one), chunk index and count (large images span
frames), payload length in data symbols, image height and width, the length
in bytes of the allocation map that leads the payload (0 = none; rate-adaptive codecs) and the image
count: small images share a frame (``image_count`` consecutive image ids from
``image_id``, equal sizes, the payload split evenly), which amortises the
preamble and header over several images.  Version 3 widened the model and
image ids (version 2: 8 and 16 bits).
"""

import binascii
import struct
from dataclasses import dataclass

import numpy as np

VERSION = 3
_LAYOUT = struct.Struct(">BHIHHIHHBB")  # ver|flags, model, image, chunk, count, length, h, w, map, images
HEADER_BYTES = _LAYOUT.size + 2
HEADER_BITS = HEADER_BYTES * 8
MAX_MAP_LENGTH = 255  # bytes of allocation map a frame's payload can lead with (``phy.side_info``)


class HeaderError(ValueError):
    """A header that fails its CRC or carries impossible values: the frame is dropped."""


@dataclass(frozen=True)
class Header:
    model_id: int
    image_id: int
    chunk_index: int
    chunk_count: int
    payload_length: int
    height: int
    width: int
    flags: int = 0
    map_length: int = 0
    image_count: int = 1

    def problem(self):
        """What makes this header impossible, or None."""
        if not 0 <= self.chunk_index < self.chunk_count:
            return f"chunk {self.chunk_index} of {self.chunk_count} is impossible"
        if self.image_count < 1:
            return "a frame carries at least one image"
        if self.image_count > 1 and self.chunk_count != 1:
            return f"{self.image_count} images share a frame only whole ({self.chunk_count} chunks)"
        if self.image_count > 1 and not self.map_length and self.payload_length % self.image_count:
            return (f"{self.image_count} images without an allocation map share a frame only at equal size "
                    f"({self.payload_length} symbols)")
        return None

    def to_bytes(self) -> bytes:
        if self.problem():
            raise ValueError(self.problem())
        body = _LAYOUT.pack((VERSION << 4) | (self.flags & 0xF), self.model_id & 0xFFFF, self.image_id & 0xFFFFFFFF,
                            self.chunk_index, self.chunk_count, self.payload_length, self.height, self.width,
                            self.map_length, self.image_count)
        return body + struct.pack(">H", binascii.crc_hqx(body, 0xFFFF))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Header":
        if len(data) != HEADER_BYTES:
            raise HeaderError(f"header needs {HEADER_BYTES} bytes, got {len(data)}")
        body, (crc,) = data[:-2], struct.unpack(">H", data[-2:])
        if binascii.crc_hqx(body, 0xFFFF) != crc:
            raise HeaderError("header CRC mismatch")
        ver_flags, model, image, chunk, count, length, height, width, map_length, images = _LAYOUT.unpack(body)
        if ver_flags >> 4 != VERSION:
            raise HeaderError(f"header version {ver_flags >> 4}, this receiver speaks {VERSION}")
        header = cls(model, image, chunk, count, length, height, width, ver_flags & 0xF, map_length, images)
        if header.problem():
            raise HeaderError(header.problem())
        return header

    def to_bits(self) -> np.ndarray:
        return np.unpackbits(np.frombuffer(self.to_bytes(), dtype=np.uint8))

    @classmethod
    def from_bits(cls, bits: np.ndarray) -> "Header":
        return cls.from_bytes(np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes())
