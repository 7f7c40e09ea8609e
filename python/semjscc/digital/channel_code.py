"""Bytes <-> QAM symbols through CRC, 5G NR LDPC and soft demapping (Sionna's PyTorch FEC and mapping).

One image's file fills a transport block of exactly the symbols the image is
given (equal channel uses with the analog codec): a 32-bit length, the file,
zero padding.  The block is split into ``C`` equal codewords (``C`` the fewest
that keep each within its base graph's largest code block: 8448 information bits
for graph 1, 3840 for graph 2, which 38.212 takes at rates up to 1/4), each with its
own CRC-24A, rate-matched to its share of the symbols with the QAM bit
interleaving of 38.212, and scrambled by a fixed pseudo-random sequence (the
zero padding would otherwise send one constellation point over and over).  The receiver demaps with each symbol's noise variance
(the frame's N0 over the symbol's channel gain), runs belief propagation, and
keeps the block only if every codeword's CRC holds.
"""

import functools
import math
import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import torch

from semjscc.digital.mcs import Mcs

CRC_BITS = 24
LENGTH_BITS = 32
MAX_INFO_BITS = 8448  # LDPC base graph 1
MAX_INFO_BITS_LOW_RATE = 3840  # base graph 2, the one for code rates up to 1/4
LDPC_ITERATIONS = 20
SCRAMBLER_SEED = 0x5E3  # both ends derive the same sequence from it


@dataclass(frozen=True)
class BlockPlan:
    """How ``symbols`` channel uses carry one transport block at ``mcs``."""

    symbols: int
    mcs: Mcs
    codewords: int
    symbols_per_codeword: int
    info_bits: int  # per codeword, CRC included

    @property
    def coded_bits(self) -> int:
        return self.symbols_per_codeword * self.mcs.bits_per_symbol

    @property
    def capacity_bytes(self) -> int:
        """The longest file the block carries."""
        return (self.codewords * (self.info_bits - CRC_BITS) - LENGTH_BITS) // 8


def plan_block(symbols: int, mcs: Mcs) -> BlockPlan:
    """The codeword layout for ``symbols`` channel uses; ValueError when they cannot hold a codeword."""
    total_info = symbols * mcs.efficiency
    largest = MAX_INFO_BITS_LOW_RATE if mcs.rate <= Fraction(1, 4) else MAX_INFO_BITS
    codewords = max(1, math.ceil(total_info / largest))
    per_codeword = symbols // codewords
    info_bits = math.ceil(per_codeword * mcs.bits_per_symbol * mcs.rate)
    if info_bits <= CRC_BITS + LENGTH_BITS:
        raise ValueError(f"{symbols} symbols at {mcs.name} carry no data")
    return BlockPlan(symbols, mcs, codewords, per_codeword, info_bits)


@functools.lru_cache(maxsize=64)
def _coders(info_bits: int, coded_bits: int, bits_per_symbol: int):
    from sionna.phy.fec.crc import CRCDecoder, CRCEncoder
    from sionna.phy.fec.ldpc import LDPC5GDecoder, LDPC5GEncoder
    from sionna.phy.fec.scrambling import Descrambler, Scrambler
    from sionna.phy.mapping import Demapper, Mapper

    crc = CRCEncoder("CRC24A")
    encoder = LDPC5GEncoder(info_bits, coded_bits, num_bits_per_symbol=bits_per_symbol)
    scrambler = Scrambler(seed=SCRAMBLER_SEED, keep_batch_constant=True, keep_state=True, binary=True)
    return {"crc": crc, "crc_check": CRCDecoder(crc), "ldpc": encoder, "scrambler": scrambler,
            "descrambler": Descrambler(scrambler, binary=False),
            "ldpc_decoder": LDPC5GDecoder(encoder, num_iter=LDPC_ITERATIONS, hard_out=True, return_infobits=True),
            "mapper": Mapper("qam", bits_per_symbol), "demapper": Demapper("app", "qam", bits_per_symbol)}


def _block_bits(files: list, plan: BlockPlan) -> np.ndarray:
    """(images, codewords, info bits - CRC) of length-prefixed, zero-padded files."""
    data_bits = plan.codewords * (plan.info_bits - CRC_BITS)
    rows = []
    for data in files:
        if len(data) > plan.capacity_bytes:
            raise ValueError(f"a {len(data)}-byte file does not fit a block of {plan.capacity_bytes} bytes")
        block = np.zeros(data_bits // 8 + 1, dtype=np.uint8)
        payload = struct.pack(">I", len(data)) + bytes(data)
        block[:len(payload)] = np.frombuffer(payload, dtype=np.uint8)
        rows.append(np.unpackbits(block)[:data_bits])
    return np.stack(rows).reshape(len(files), plan.codewords, plan.info_bits - CRC_BITS)


def encode_files(files: list, plan: BlockPlan) -> np.ndarray:
    """complex64 (images, plan.symbols) unit-energy QAM symbols carrying each file."""
    coders = _coders(plan.info_bits, plan.coded_bits, plan.mcs.bits_per_symbol)
    bits = torch.from_numpy(_block_bits(files, plan).astype(np.float32))
    with torch.no_grad():
        symbols = coders["mapper"](coders["scrambler"](coders["ldpc"](coders["crc"](bits))))
    symbols = symbols.reshape(len(files), -1).numpy().astype(np.complex64)
    padding = plan.symbols - symbols.shape[1]  # fewer than one per codeword: unused, sent as zeros
    return np.pad(symbols, ((0, 0), (0, padding)))


def decode_files(symbols: np.ndarray, noise_variance: np.ndarray, plan: BlockPlan) -> list:
    """Each image's file, or None where a codeword failed its CRC or the length field is impossible.

    ``noise_variance``: per symbol (images, plan.symbols), the N0 each equalised symbol carries.
    """
    coders = _coders(plan.info_bits, plan.coded_bits, plan.mcs.bits_per_symbol)
    used = plan.codewords * plan.symbols_per_codeword
    count = symbols.shape[0]
    y = torch.from_numpy(np.ascontiguousarray(symbols[:, :used], dtype=np.complex64))
    no = torch.from_numpy(np.ascontiguousarray(noise_variance[:, :used], dtype=np.float32)).clamp_min(1e-9)
    with torch.no_grad():
        llr = coders["descrambler"](coders["demapper"](y.reshape(count, plan.codewords, -1),
                                                       no.reshape(count, plan.codewords, -1)))
        info = coders["ldpc_decoder"](llr)
        data, valid = coders["crc_check"](info)
    data = data.numpy().astype(np.uint8).reshape(count, -1)
    valid = valid.numpy().reshape(count, plan.codewords).all(axis=1)
    files = []
    for row, ok in zip(data, valid):
        block = np.packbits(row).tobytes()
        length = struct.unpack(">I", block[:4])[0]
        files.append(block[4:4 + length] if ok and length <= plan.capacity_bytes else None)
    return files
