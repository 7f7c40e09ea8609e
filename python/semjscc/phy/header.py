"""The frame header: what the receiver needs to place a frame's payload in an image.

16 bytes of fields + CRC-16/CCITT, big-endian.  Fields: version (4 bits) and
flags (4 bits), model id, image id, chunk index and count (large images span
frames), payload length in data symbols, image height and width, and the
length of an allocation map (0 = none; room for adaptive-rate schemes).
"""

import binascii
import struct
from dataclasses import dataclass

import numpy as np

VERSION = 1
_LAYOUT = struct.Struct(">BBHHHIHHB")  # ver|flags, model, image, chunk, count, length, h, w, map
HEADER_BYTES = _LAYOUT.size + 2
HEADER_BITS = HEADER_BYTES * 8


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

    def to_bytes(self) -> bytes:
        if not 0 <= self.chunk_index < self.chunk_count:
            raise ValueError(f"chunk index {self.chunk_index} outside 0..{self.chunk_count - 1}")
        body = _LAYOUT.pack((VERSION << 4) | (self.flags & 0xF), self.model_id & 0xFF, self.image_id & 0xFFFF,
                            self.chunk_index, self.chunk_count, self.payload_length, self.height, self.width,
                            self.map_length)
        return body + struct.pack(">H", binascii.crc_hqx(body, 0xFFFF))

    @classmethod
    def from_bytes(cls, data: bytes) -> "Header":
        if len(data) != HEADER_BYTES:
            raise HeaderError(f"header needs {HEADER_BYTES} bytes, got {len(data)}")
        body, (crc,) = data[:-2], struct.unpack(">H", data[-2:])
        if binascii.crc_hqx(body, 0xFFFF) != crc:
            raise HeaderError("header CRC mismatch")
        ver_flags, model, image, chunk, count, length, height, width, map_length = _LAYOUT.unpack(body)
        if ver_flags >> 4 != VERSION:
            raise HeaderError(f"header version {ver_flags >> 4}, this receiver speaks {VERSION}")
        if count == 0 or chunk >= count:
            raise HeaderError(f"chunk {chunk} of {count} is impossible")
        return cls(model, image, chunk, count, length, height, width, ver_flags & 0xF, map_length)

    def to_bits(self) -> np.ndarray:
        return np.unpackbits(np.frombuffer(self.to_bytes(), dtype=np.uint8))

    @classmethod
    def from_bits(cls, bits: np.ndarray) -> "Header":
        return cls.from_bytes(np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes())
