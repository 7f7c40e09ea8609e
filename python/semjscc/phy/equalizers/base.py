"""The equaliser interface: learn the channel from a block's known symbols, undo it on all of them.

An equaliser sees a block of ``count`` symbols as ``received`` samples at its
own rate (``samples_per_symbol``: 1 for a one-tap equaliser, 2 for a T/2
fractionally spaced one), starting ``margin`` samples before the first
symbol, plus the positions and values of the symbols the receiver knows
(preamble, decoded header, pilots).  It returns the equalised block, one value
per symbol, and what it learnt about the noise.  The synchroniser, the
payload stage and the OFDM and digital modes call equalisers only through
this interface, so a new algorithm is one class here plus its line in the
registry (``semjscc.phy.equalizers.EQUALIZERS``).
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass
class Equalized:
    data: np.ndarray  # one equalised value per symbol of the block (known symbols included)
    snr_db: float  # Es/N0 estimated on the known symbols
    noise_var: float  # noise variance at the equaliser input (per symbol)
    gain: float  # mean channel power gain over the block
    reliability: np.ndarray = None  # per value: its channel power gain over the block's mean (None: all 1)


class Equalizer(ABC):
    name = ""
    modes = ("single-carrier",)  # the link modes whose payload it can equalise
    samples_per_symbol = 1
    margin = 0  # input samples needed before the first symbol (and after the last)

    @abstractmethod
    def equalize(self, received: np.ndarray, known_index: np.ndarray, known: np.ndarray,
                 count: int = None) -> Equalized:
        """Equalise ``count`` symbols (default: as many as ``received`` holds) using the known ones."""

    def input_length(self, count: int) -> int:
        """How many ``received`` samples a block of ``count`` symbols needs."""
        return (count - 1) * self.samples_per_symbol + 2 * self.margin + 1
