"""Modulation and coding schemes of the digital link: QAM order x 5G NR LDPC code rate.

The ladder runs from QPSK at rate 1/5 (about -2 dB on AWGN) to 256-QAM at 5/6
(about 22 dB), with steps of roughly 1.5-2 dB.  Which scheme a design SNR gets
comes from the measured BLER table (``semjscc bench cliff`` writes it): the most
spectrally efficient one whose block error rate at that SNR is at most 10 %.
"""

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

TARGET_BLER = 0.1
BLER_TABLE = Path(__file__).with_name("bler_awgn.json")  # written by ``semjscc bench cliff``


@dataclass(frozen=True)
class Mcs:
    index: int
    bits_per_symbol: int
    rate: Fraction

    @property
    def name(self) -> str:
        return f"{MODULATIONS[self.bits_per_symbol]}-{self.rate.numerator}/{self.rate.denominator}"

    @property
    def efficiency(self) -> float:
        """Information bits per complex symbol (before CRC and length fields)."""
        return self.bits_per_symbol * float(self.rate)


MODULATIONS = {2: "qpsk", 4: "16qam", 6: "64qam", 8: "256qam"}
_LADDER = [(2, "1/5"), (2, "1/3"), (2, "1/2"), (2, "2/3"), (4, "1/2"), (4, "2/3"), (4, "3/4"), (6, "2/3"),
           (6, "3/4"), (6, "5/6"), (8, "3/4"), (8, "5/6")]
MCS_TABLE = tuple(Mcs(index, bits, Fraction(rate)) for index, (bits, rate) in enumerate(_LADDER))


def parse_mcs(text) -> Mcs:
    """An MCS by index (``5``) or name (``16qam-1/2``)."""
    text = str(text).strip().lower()
    for mcs in MCS_TABLE:
        if text in (str(mcs.index), mcs.name):
            return mcs
    names = ", ".join(m.name for m in MCS_TABLE)
    raise ValueError(f"unknown MCS {text!r}: use an index 0..{len(MCS_TABLE) - 1} or a name ({names})")


def choose_mcs(snr_db: float, bler_table: dict, target: float = TARGET_BLER) -> Mcs:
    """The most efficient MCS whose measured BLER at ``snr_db`` is at most ``target`` (the lowest if none is).

    ``bler_table`` maps an MCS name to {SNR dB: BLER}; the BLER between two
    measured SNRs is interpolated in the log domain, and an SNR outside the
    measured range takes the nearest measurement.
    """
    best = MCS_TABLE[0]
    for mcs in MCS_TABLE:
        curve = bler_table.get(mcs.name)
        if not curve:
            continue
        snrs = sorted(float(s) for s in curve)
        blers = [max(float(curve[key]), 1e-6) for key in sorted(curve, key=float)]
        bler = 10 ** np.interp(snr_db, snrs, np.log10(blers))
        if bler <= target and mcs.efficiency > best.efficiency:
            best = mcs
    return best


def shipped_bler_table(symbols: int) -> dict:
    """The measured AWGN BLER table of the block size nearest ``symbols`` (channel uses per transport block)."""
    tables = json.loads(BLER_TABLE.read_text())
    nearest = min(tables, key=lambda size: abs(int(size) - symbols))
    return tables[nearest]
