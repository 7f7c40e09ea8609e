"""OFDM numerology and frame parameters: FFT size, cyclic prefix, which subcarriers carry data, pilots and training.

802.11a-like by default (64-point FFT, 16-sample CP, subcarriers -26..26
without DC: 52 used, of which every ``pilot_spacing``-th, centred, is a pilot).
The occupied share of the band (13/16) and the pilot rule scale with the FFT
size, so a 128 or 256 point numerology is one parameter.

Levels: every OFDM symbol is built with an orthonormal IFFT, so unit-power
values on the ``used`` subcarriers give a sample power of used / fft_size;
after the receiver's orthonormal FFT the noise per subcarrier equals the
noise per sample.  Es/N0 per subcarrier symbol is therefore
(sample power * fft_size / used) / noise: an OFDM stream has fft_size / used
"samples per symbol" in :mod:`semjscc.phy.levels`' sense.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from semjscc.phy.sequences import pilot_symbols, pn_bits

FILLER_OFFSET = 1 << 12  # filler symbols come from the pilot PN sequence, this far in
STF_SEED = 0x1B3
LTF_SEED = 0x0F7


@dataclass(frozen=True)
class OfdmConfig:
    fft_size: int = 64
    cp_length: int = 16
    pilot_spacing: int = 16  # a pilot subcarrier every this many used subcarriers
    training_interval: int = 16  # a training symbol after every this many payload symbols (0: none)
    stf_repeats: int = 10  # short training: repeats of fft_size / 4 samples (detection, coarse CFO)
    ltf_count: int = 2  # long training symbols after the STF (timing, fine CFO, channel, noise)
    header_repetition: int = 2
    max_payload: int = 4096  # data symbols per frame
    guard_samples: int = 64  # zeros at both ends of a burst (the radio's ramp)

    def __post_init__(self):
        if self.fft_size < 16 or self.fft_size & (self.fft_size - 1):
            raise ValueError(f"FFT size must be a power of two >= 16, not {self.fft_size}")
        if not 0 < self.cp_length < self.fft_size:
            raise ValueError(f"cyclic prefix must be in (0, {self.fft_size}), not {self.cp_length}")
        if self.pilot_spacing < 2 or self.training_interval < 0 or self.stf_repeats < 3 or self.ltf_count < 2 \
                or self.header_repetition < 1 or self.max_payload < 1:
            raise ValueError(f"impossible OFDM numerology: {self}")

    @property
    def symbol_length(self) -> int:
        return self.fft_size + self.cp_length

    @property
    def used_half(self) -> int:
        return self.fft_size * 13 // 32

    @cached_property
    def used(self) -> np.ndarray:
        """Logical subcarrier indices in use, ascending (-used_half..-1, 1..used_half)."""
        half = self.used_half
        return np.concatenate([np.arange(-half, 0), np.arange(1, half + 1)])

    @cached_property
    def bins(self) -> np.ndarray:
        """FFT bins of the used subcarriers, in the order of ``used``."""
        return self.used % self.fft_size

    @cached_property
    def pilot_index(self) -> np.ndarray:
        """Positions (within ``used``) of the pilot subcarriers: centred, ``pilot_spacing`` apart."""
        offsets = np.arange(self.pilot_spacing // 2, self.used_half + 1, self.pilot_spacing)
        logical = np.sort(np.concatenate([-offsets, offsets]))
        return np.searchsorted(self.used, logical)

    @cached_property
    def data_index(self) -> np.ndarray:
        mask = np.ones(len(self.used), dtype=bool)
        mask[self.pilot_index] = False
        return np.flatnonzero(mask)

    @property
    def data_carriers(self) -> int:
        return len(self.data_index)

    @property
    def samples_per_symbol(self) -> float:
        """fft_size / used: see the module docstring."""
        return self.fft_size / len(self.used)

    @cached_property
    def pilot_grid(self) -> np.ndarray:
        """(rows, pilots): the pilot subcarriers' values in every OFDM symbol a frame can have (PN, per symbol)."""
        rows = 2 * -(-(self.max_payload + 800 * self.header_repetition) // self.data_carriers) + 8
        return pilot_symbols(rows * len(self.pilot_index)).reshape(rows, -1)

    @cached_property
    def filler(self) -> np.ndarray:
        """Known values for the data subcarriers a frame's last header or payload symbol leaves empty."""
        return pilot_symbols(FILLER_OFFSET + self.data_carriers)[FILLER_OFFSET:]

    @cached_property
    def ltf(self) -> np.ndarray:
        """Known BPSK values on every used subcarrier: the long training symbol."""
        return (1 - 2 * pn_bits(len(self.used), LTF_SEED)).astype(np.complex64)

    @cached_property
    def stf(self) -> np.ndarray:
        """Known QPSK values on every 4th subcarrier (a period of fft_size / 4 samples), scaled to the symbols' power."""
        loaded = self.used % 4 == 0
        bits = pn_bits(2 * len(self.used), STF_SEED).reshape(-1, 2)
        values = ((1 - 2 * bits[:, 0]) + 1j * (1 - 2 * bits[:, 1])) / np.sqrt(2)
        return (values * loaded * np.sqrt(len(self.used) / loaded.sum())).astype(np.complex64)

    def to_time(self, rows: np.ndarray) -> np.ndarray:
        """Used-subcarrier values (rows, used) -> time samples (rows, fft_size), orthonormal IFFT."""
        rows = np.atleast_2d(rows)
        spectrum = np.zeros((len(rows), self.fft_size), dtype=np.complex64)
        spectrum[:, self.bins] = rows
        return np.fft.ifft(spectrum, norm="ortho").astype(np.complex64)

    def to_frequency(self, blocks: np.ndarray) -> np.ndarray:
        """Time samples (rows, fft_size) -> used-subcarrier values (rows, used), orthonormal FFT."""
        return np.fft.fft(np.atleast_2d(blocks), norm="ortho")[:, self.bins]

    def with_prefix(self, blocks: np.ndarray, cp_length: int = None) -> np.ndarray:
        """Each row preceded by its last ``cp_length`` samples, concatenated."""
        cp = self.cp_length if cp_length is None else cp_length
        return np.concatenate([blocks[:, -cp:], blocks], axis=1).reshape(-1) if cp else blocks.reshape(-1)

    @cached_property
    def preamble(self) -> np.ndarray:
        """STF (``stf_repeats`` x fft_size/4 samples) + LTFs behind a double cyclic prefix, as in 802.11a."""
        period = self.fft_size // 4
        stf = np.tile(self.to_time(self.stf)[0, :period], self.stf_repeats)
        ltf = self.to_time(self.ltf)[0]
        return np.concatenate([stf, ltf[-2 * self.cp_length:], np.tile(ltf, self.ltf_count)]).astype(np.complex64)

    @property
    def ltf_start(self) -> int:
        """Offset of the first LTF's FFT window in the preamble."""
        return self.stf_repeats * self.fft_size // 4 + 2 * self.cp_length
