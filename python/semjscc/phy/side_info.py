"""Side information at the head of a payload: a few bytes the receiver must get exactly right (the
allocation map of a rate-adaptive codec), coded as the header is: CRC-16, convolutional code, BPSK,
whitened, repeated.  It is as robust as the header, so an image is never lost to its map alone
while its frame gets through.
"""

import binascii
import struct

import numpy as np

from semjscc.phy import fec
from semjscc.phy.sequences import pn_bits

REPETITION = 2
WHITENING_SEED = 0x1B3  # not the header's: the map must not look like a header to anyone
CRC_BYTES = 2


class SideInfoError(ValueError):
    """Side information that fails its CRC: the frame is dropped."""


def side_info_length(n_bytes: int) -> int:
    """Channel symbols that carry ``n_bytes`` of side information (0 for none)."""
    if n_bytes == 0:
        return 0
    return 2 * ((n_bytes + CRC_BYTES) * 8 + fec.CONSTRAINT - 1) * REPETITION


def _whitening(length: int) -> np.ndarray:
    return 1 - 2 * pn_bits(length, WHITENING_SEED).astype(np.float32)


def side_info_symbols(data: bytes) -> np.ndarray:
    """BPSK symbols of ``data`` with its CRC (empty for no data)."""
    if not data:
        return np.zeros(0, dtype=np.complex64)
    framed = bytes(data) + struct.pack(">H", binascii.crc_hqx(bytes(data), 0xFFFF))
    coded = fec.conv_encode(np.unpackbits(np.frombuffer(framed, dtype=np.uint8)))
    bpsk = (1 - 2 * coded) * _whitening(len(coded))
    return fec.repeat(bpsk, REPETITION).astype(np.complex64)


def read_side_info(symbols: np.ndarray, n_bytes: int) -> bytes:
    """The ``n_bytes`` the equalised ``symbols`` (exactly :func:`side_info_length` of them) carry."""
    if len(symbols) != side_info_length(n_bytes):
        raise SideInfoError(f"{n_bytes} bytes of side information take {side_info_length(n_bytes)} symbols, "
                            f"got {len(symbols)}")
    if n_bytes == 0:
        return b""
    soft = fec.combine_repeats(np.asarray(symbols).real, REPETITION)
    bits = fec.viterbi_decode(soft * _whitening(len(soft)))
    framed = np.packbits(bits).tobytes()
    data, (crc,) = framed[:-CRC_BYTES], struct.unpack(">H", framed[-CRC_BYTES:])
    if binascii.crc_hqx(data, 0xFFFF) != crc:
        raise SideInfoError("allocation map CRC mismatch")
    return data
