"""OFDM frame detection and synchronisation on the raw sample stream (no matched filter).

1. Detection (Schmidl-Cox style): normalised autocorrelation at a lag of one
   STF period (fft_size / 4) over the repeats, insensitive to CFO; its phase
   gives the coarse CFO (range: two subcarrier spacings).  The stream
   bookkeeping (sanitising, corrupt ranges, tone rejection, peak climbing) is
   the single-carrier receiver's (:class:`semjscc.phy.sync.StreamSynchronizer`).
2. Timing: cross-correlation with the two known LTFs around the detection;
   the FFT windows start a quarter CP early, so a late timing estimate or a
   precursor costs no inter-symbol interference (the linear phase this adds
   is part of the channel the equaliser estimates).
3. Fine CFO from the phase between the two LTFs (range: half a spacing).
4. Header: LTF channel estimate, pilot common phase, soft BPSK combining,
   Viterbi, CRC.  The payload rows are handed on in the frequency domain with
   the LTF and header rows, for :class:`semjscc.phy.equalizers.OfdmMmseEqualizer`.

A frame whose closing training row is absent (cut short, or another burst in
its place) is dropped as ``truncated``, as in the single-carrier mode.
"""

import numpy as np

from semjscc.phy.header import Header
from semjscc.phy.ofdm.estimation import common_phase, smoothed_estimate, training_noise, window_fraction
from semjscc.phy.ofdm.frame import frame_rows, header_coded_symbols, header_interleaver, header_rows
from semjscc.phy.ofdm.numerology import OfdmConfig
from semjscc.phy.sync import RxFrame, StreamSynchronizer


class OfdmSynchronizer(StreamSynchronizer):
    """Streaming OFDM front end: ``push`` samples, get ``RxFrame`` objects whose payload is the frame's grid.

    The grid is [LTF rows, header rows, payload rows] x used subcarriers, flattened.
    """

    def __init__(self, config: OfdmConfig = OfdmConfig(), detect_threshold: float = 0.3,
                 timing_threshold: float = 0.2):
        super().__init__(detect_threshold, timing_threshold)
        self.config = config
        self.lag = config.fft_size // 4
        self.window = (config.stf_repeats - 1) * self.lag
        self.preamble_samples = len(config.preamble)
        self.head_samples = len(config.preamble) + header_rows(config) * config.symbol_length
        self.backoff = config.cp_length // 4
        ltf = config.to_time(config.ltf)[0]
        self.ltf_template = np.tile(ltf, 2)

    def _margin(self) -> int:
        return self.config.cp_length

    def _rows(self, first_window: int, count: int, step: int, cfo: float) -> np.ndarray:
        """(count, used) subcarrier values of FFT windows starting at ``first_window`` + i * ``step``."""
        size = self.config.fft_size
        span = self._derotated(first_window, first_window + (count - 1) * step + size, cfo)
        index = np.arange(count)[:, None] * step + np.arange(size)[None, :]
        return self.config.to_frequency(span[index])

    def _fine_timing(self, coarse: int, cfo: float):
        """(first LTF sample, share of the LTFs' energy captured) near where the detection puts it.

        The detection metric is broad (it rises and falls over the whole STF), so at low SNR its peak
        may sit anywhere within half the STF of the true start: the search spans that much.  On
        multipath the correlation splits over the paths, so windows of ``cp_length - backoff`` lags are
        compared: timing starts at the latest window that captures at least 90 % of the best one's
        energy, which begins at the first strong path (a weak earlier one falls into the backoff).
        """
        expected = coarse + self.config.ltf_start
        reach = (self.window + self.lag) // 2
        capture = self.config.cp_length - self.backoff
        first, stop = expected - reach, expected + reach + len(self.ltf_template) + capture
        if first < 0:
            return -1, 0.0
        if stop > len(self.buffer):
            return None, 0.0
        segment = self._derotated(first, stop, cfo)
        corr = np.abs(np.correlate(segment, self.ltf_template, "valid")) ** 2
        energy = np.convolve(np.abs(segment) ** 2, np.ones(len(self.ltf_template)), "valid")
        rho = corr / (energy * np.sum(np.abs(self.ltf_template) ** 2) + 1e-20)
        captured = np.convolve(rho, np.ones(capture), "valid")
        best = int(np.flatnonzero(captured >= 0.9 * captured.max())[-1])
        return first + best, float(captured[best])

    def _try_frame(self, coarse: int, cfo: float):
        config = self.config
        start, rho = self._fine_timing(coarse, cfo)
        if start is None:
            return "wait"
        if rho < self.timing_threshold:
            return "no frame"
        size = config.fft_size
        header_end = start - self.backoff + config.ltf_count * size + header_rows(config) * config.symbol_length
        if header_end > len(self.buffer):
            return "wait"
        self.stats.detected += 1
        ltf = self._derotated(start, start + 2 * size, cfo)
        cfo += np.angle(np.vdot(ltf[:size], ltf[size:])) / (2 * np.pi * size)
        window = start - self.backoff
        ltf_rows = self._rows(window, config.ltf_count, size, cfo)
        channel = smoothed_estimate(ltf_rows, config.ltf, config)
        first_row = window + config.ltf_count * size + config.cp_length
        rows = self._rows(first_row, header_rows(config), config.symbol_length, cfo)
        pilots = config.pilot_grid[:len(rows)]
        phases = common_phase(rows[:, config.pilot_index], np.broadcast_to(channel[config.pilot_index], pilots.shape),
                              pilots)
        soft = np.real(rows[:, config.data_index] * np.conj(channel[config.data_index] * phases[:, None]))
        coded = header_coded_symbols(config)
        header = self._decode_header(soft.reshape(-1)[:coded][header_interleaver(coded)], config.header_repetition,
                                     config.max_payload)
        if header is None:
            return "lost"
        self.pending = {"start": self.base + start, "cfo": cfo, "rho": rho, "header": header}
        return "pending"

    def _finish(self, start: int, cfo: float, rho: float, header: Header):
        """The frame's grid once all of it is in the buffer: (frame or None if dropped, where to search on)."""
        config = self.config
        start -= self.base
        window = start - self.backoff
        first_row = window + config.ltf_count * config.fft_size + config.cp_length
        rows = frame_rows(header.payload_length, config)
        end = first_row + rows * config.symbol_length
        if end + self._margin() > len(self.buffer):
            return None
        payload_start = first_row + header_rows(config) * config.symbol_length
        if self._overlaps_corrupt(window - self._margin(), end):
            self.stats.drop("corrupt_samples")
            return None, payload_start
        ltf_rows = self._rows(window, config.ltf_count, config.fft_size, cfo)
        grid = np.concatenate([ltf_rows, self._rows(first_row, rows, config.symbol_length, cfo)])
        signal = float(np.mean(np.abs(smoothed_estimate(ltf_rows, config.ltf, config)) ** 2))
        noise = training_noise(ltf_rows, config.ltf)
        if self._tail_missing(grid[-1], signal, noise):
            self.stats.drop("truncated")
            return None, payload_start
        self.stats.decoded += 1
        snr_db = float(10 * np.log10(signal / noise))
        frame = RxFrame(header, grid.reshape(-1).astype(np.complex64), self.base + start, float(cfo), rho, snr_db,
                        len(config.used) * config.ltf_count)
        return frame, end - config.cp_length

    def _tail_missing(self, last_row: np.ndarray, signal: float, noise: float) -> bool:
        """Whether the frame's closing training row is absent (the burst cut short, or another in its place).

        A training row's LS estimate is a channel, so nearly all its energy
        lies in the delay window (:func:`window_fraction`); noise or another
        frame's data put only (cp + 1) / used of theirs there.  The threshold
        lies halfway between that and what the LTFs' SNR predicts for the row:
        a channel that fades or drifts over the frame keeps its structure.
        """
        config = self.config
        if not config.training_interval:
            return False
        noise_share = (config.cp_length + 1) / len(config.used)
        expected = (signal + noise_share * noise) / (signal + noise)
        return window_fraction(last_row, config) < noise_share + (expected - noise_share) / 2
