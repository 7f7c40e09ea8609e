"""Frame detection and synchronisation on the matched-filter output stream.

1. Detection: normalised autocorrelation of the repeated preamble at a lag of
   one repeat (insensitive to CFO); its phase gives the coarse CFO.
2. Timing: after CFO correction, symbol-spaced correlation with the known
   preamble around the detection; a normalised threshold rejects noise.
3. A fractionally spaced (T/2) LS equaliser trained on the preamble absorbs
   fractional timing, multipath and the channel gain; the header is decoded
   with pilot tracking; once its CRC passes, the known header symbols refine
   the CFO, and the equaliser is retrained on everything known in the frame
   (preamble, header, payload pilots) with taps that drift linearly over the
   frame (:mod:`semjscc.phy.equalizers.fse`).

What the air can do to it is bounded and counted: non-finite samples are
zeroed before detection and absurd amplitudes clipped, and a frame that
overlaps either is dropped (``corrupt_samples``); a frame whose last payload
pilots are missing (a burst cut short, or the next frame already starting) is
dropped as ``truncated`` and the search resumes right after its header;
periodic inputs (DC, tones) are told apart from the preamble by its
autocorrelation at half a repeat, so they cost no frame attempts.  Every
detected frame ends as delivered (``decoded``) or dropped under a reason:
detected = decoded + sum(dropped) (+ 1 while a frame waits for its payload).
"""

from dataclasses import dataclass, field

import numpy as np

from semjscc.phy import fec
from semjscc.phy.equalizers import FractionallySpacedEqualizer, PilotEqualizer, equalize_pilots
from semjscc.phy.frame import FrameConfig, header_symbols, header_whitening
from semjscc.phy.frequency import ml_frequency
from semjscc.phy.header import Header, HeaderError
from semjscc.phy.pilots import pilot_layout
from semjscc.phy.sequences import pilot_symbols


@dataclass
class RxFrame:
    """A detected frame: its header and the FSE output of its payload (pilots included)."""

    header: Header
    payload: np.ndarray
    start: int  # absolute sample index of the first preamble symbol (matched-filter peak)
    cfo: float  # cycles per sample
    preamble_corr: float
    training_snr_db: float  # from the equaliser's residual on the preamble and header
    training_count: int


@dataclass
class SyncStats:
    detected: int = 0
    decoded: int = 0  # delivered with a valid header and all of the payload
    dropped: dict = field(default_factory=dict)
    corrupt_samples: int = 0

    def drop(self, reason: str) -> None:
        self.dropped[reason] = self.dropped.get(reason, 0) + 1


def _window_sums(values: np.ndarray, width: int) -> np.ndarray:
    csum = np.concatenate([[0], np.cumsum(values)])
    return csum[width:] - csum[:-width]


def _autocorrelation(region: np.ndarray, lag: int, window: int, length: int) -> tuple:
    """(|normalised autocorrelation| at ``lag`` over ``window``, its complex sum) for ``length`` positions."""
    product = np.conj(region[:-lag]) * region[lag:]
    corr = _window_sums(product, window)[:length]
    power = np.abs(region) ** 2
    e1 = _window_sums(power[:-lag], window)[:length]
    e2 = _window_sums(power[lag:], window)[:length]
    return np.abs(corr) / np.sqrt(e1 * e2 + 1e-20), corr


def missing_tail(outputs: np.ndarray, pilots: np.ndarray, gain: float, noise_var: float,
                 sigmas: float = 5.0) -> bool:
    """Whether the last payload pilots are absent: the burst was cut short, or another frame took its place.

    Each pilot's projection on its known value is about ``gain`` (the
    equaliser's gain on the frame's head: below 1 at low SNR, where it is
    MMSE-trained) where the frame is on the air and about 0 where it is not;
    the mean over the last L pilots (L = 1, 2, 4, ... all) is tested against
    ``gain`` with the noise the head showed, so a frame on the air at any SNR
    passes and a missing tail of any length beyond a few pilots does not.
    """
    projection = np.real(outputs * np.conj(pilots)) / np.abs(pilots) ** 2
    count = len(projection)
    lengths = sorted({min(1 << k, count) for k in range(int(np.log2(max(count, 1))) + 2)})
    for length in lengths:
        mean = float(np.mean(projection[-length:]))
        if mean < gain / 2 and gain - mean > sigmas * np.sqrt(noise_var / (2 * length)):
            return True
    return False


class StreamSynchronizer:
    """Stream bookkeeping shared by the air interfaces: ``push`` samples, get ``RxFrame`` objects.

    A subclass sets ``lag`` and ``window`` (the preamble's repeat and the
    autocorrelation window), ``preamble_samples`` and ``head_samples`` (up to
    the end of the header), and implements ``_margin``, ``_try_frame`` (timing,
    header) and ``_finish`` (the payload once it has arrived).
    """

    CLIP_AMPLITUDE = 1e4  # samples above this magnitude are clipped (a radio's full scale is 1)
    lag = window = preamble_samples = head_samples = 0

    def __init__(self, detect_threshold: float = 0.3, timing_threshold: float = 0.2):
        self.detect_threshold = detect_threshold
        self.timing_threshold = timing_threshold
        self.stats = SyncStats()
        self.buffer = np.zeros(0, dtype=np.complex64)
        self.base = 0  # absolute index of buffer[0]
        self.search = 0  # buffer index where the search resumes
        self.pending = None  # a frame whose header is decoded, waiting for the rest of its payload
        self.corrupt = []  # absolute [start, stop) ranges of samples that were non-finite or clipped
        self._metric_cache = None  # (absolute start, absolute end, region, metric, corr) of the last detection pass

    # -- stream bookkeeping -------------------------------------------------
    def push(self, samples: np.ndarray) -> list:
        self.buffer = np.concatenate([self.buffer, self._sanitised(np.asarray(samples, dtype=np.complex64))])
        frames = []
        while True:
            status, frame = self._next()
            if frame is not None:
                frames.append(frame)
            if status == "wait":
                break
        limit = min(self.search, len(self.buffer))
        if self.pending is not None:
            limit = min(limit, self.pending["start"] - self.base - self._margin())
        keep_from = max(0, limit - self._margin())
        self.buffer = self.buffer[keep_from:]
        self.base += keep_from
        self.search -= keep_from
        self.corrupt = [(a, b) for a, b in self.corrupt if b > self.base - self._margin()]
        return frames

    def flush(self) -> None:
        """End of stream: a frame still waiting for its payload never gets it."""
        if self.pending is not None:
            self.pending = None
            self.stats.drop("truncated")

    def _sanitised(self, samples: np.ndarray) -> np.ndarray:
        """Non-finite samples zeroed, absurd magnitudes clipped; where they were is remembered."""
        magnitude = np.abs(samples)
        bad = ~np.isfinite(magnitude) | (magnitude > self.CLIP_AMPLITUDE)
        if not bad.any():
            return samples
        samples = np.where(np.isfinite(magnitude), samples, 0).astype(np.complex64)
        loud = np.isfinite(magnitude) & (magnitude > self.CLIP_AMPLITUDE)
        samples[loud] *= (self.CLIP_AMPLITUDE / magnitude[loud]).astype(np.float32)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], bad.astype(np.int8), [0]])))
        offset = self.base + len(self.buffer)
        self.corrupt += [(offset + a, offset + b) for a, b in zip(edges[::2], edges[1::2])]
        self.stats.corrupt_samples += int(bad.sum())
        return samples

    def _overlaps_corrupt(self, start: int, stop: int) -> bool:
        """Whether buffer[start:stop] holds a sample that was non-finite or clipped."""
        start, stop = start + self.base, stop + self.base
        return any(a < stop and b > start for a, b in self.corrupt)

    def _derotated(self, start: int, stop: int, cfo: float, step: int = 1) -> np.ndarray:
        """buffer[start:stop:step] with the CFO removed (phase wrapped in float64, rotated in float32: 2x faster)."""
        angle = ((np.arange(start, stop, step) * cfo) % 1.0).astype(np.float32) * np.float32(-2 * np.pi)
        rotation = np.empty(len(angle), dtype=np.complex64)
        rotation.real, rotation.imag = np.cos(angle), np.sin(angle)
        return self.buffer[start:stop:step] * rotation

    def _margin(self) -> int:
        raise NotImplementedError

    def _decode_header(self, soft: np.ndarray, repetition: int, max_payload: int):
        """The header from its soft BPSK values (repeats in order, still whitened), or None, counted as
        ``header_crc`` or ``bad_length``."""
        soft = fec.combine_repeats(soft, repetition)
        try:
            header = Header.from_bits(fec.viterbi_decode(soft * header_whitening(len(soft))))
        except HeaderError:
            self.stats.drop("header_crc")
            return None
        if header.payload_length > max_payload or header.payload_length == 0:
            self.stats.drop("bad_length")
            return None
        return header

    def _next(self):
        """One detection attempt: ('wait', None) when more samples are needed."""
        if self.pending is not None:
            outcome = self._finish(**self.pending)
            if outcome is None:
                return "wait", None
            frame, resume = outcome
            self.pending = None
            self.search = resume
            return "more", frame
        buf = self.buffer
        end = len(buf) - self.window - self.lag
        if end <= self.search:
            return "wait", None
        region, metric, corr = self._detection_metric(end)
        first = self._first_preamble_like(region, metric)
        if first is None:
            self.search = end
            return "wait", None
        # From the first crossing, climb to a maximum that no position within ``reach`` after it beats: the
        # metric rises over window + lag samples to the preamble's peak, and noise may cross the threshold early.
        reach, peak = self.window + self.lag, first
        while True:
            if peak + reach >= len(metric):
                self.search += first
                return "wait", None  # the peak may lie beyond what has arrived
            best = peak + int(np.argmax(metric[peak:peak + reach]))
            if best == peak:
                break
            peak = best
        coarse_start = self.search + peak
        frame_end_header = coarse_start + self.lag // 2 + self.head_samples + self._margin()
        if frame_end_header > len(buf):
            self.search = self.search + first
            return "wait", None
        cfo = np.angle(corr[peak]) / (2 * np.pi * self.lag)
        outcome = self._try_frame(coarse_start, cfo)
        if outcome == "wait":
            self.search = self.search + first
            return "wait", None
        if outcome == "no frame":  # skip past its preamble
            self.search = coarse_start + self.preamble_samples
        elif outcome == "lost":  # a frame whose header failed: skip its header too, so its body is not re-detected
            self.search = coarse_start + self.head_samples
        return "more", None  # or the header decoded: the frame is pending until its payload has arrived

    def _detection_metric(self, end: int) -> tuple:
        """(region, autocorrelation metric, complex correlation) from the search position to ``end``.

        Several frames in one chunk of samples would each recompute the metric over the rest of the buffer; it is
        computed once per chunk instead and sliced as the search moves on (the window sums are local, so a slice
        equals a recomputation)."""
        start, stop = self.base + self.search, self.base + end
        cached = self._metric_cache
        if cached is not None and cached[0] <= start and cached[1] == stop:
            skip = start - cached[0]
            return cached[2][skip:], cached[3][skip:], cached[4][skip:]
        region = self.buffer[self.search:end + self.window + self.lag].astype(np.complex128)
        length = len(region) - self.lag - self.window + 1
        metric, corr = _autocorrelation(region, self.lag, self.window, length)
        for a, b in self.corrupt:  # no detection from windows over samples that were zeroed or clipped
            lo, hi = a - self.base - self.search - self.window - self.lag, b - self.base - self.search
            metric[max(lo, 0):max(hi, 0)] = 0.0
        self._metric_cache = (start, stop, region, metric, corr)
        return region, metric, corr

    def _first_preamble_like(self, region: np.ndarray, metric: np.ndarray):
        """The first position whose autocorrelation passes the threshold at one repeat but not at half a repeat.

        A periodic input (DC, a tone) correlates at every lag; the Zadoff-Chu
        repeats do not at half their period.  The half-repeat check runs only
        around candidates, a stretch of ``2 * window`` at a time.
        """
        hits = np.flatnonzero(metric > self.detect_threshold)
        if len(hits) > len(metric) // 8:  # a tone or DC passes nearly everywhere: one vectorised pass, not a loop
            half, _ = _autocorrelation(region, self.lag // 2, self.window, len(metric))
            passing = (metric > self.detect_threshold) & (half < 0.5 * metric)
            return int(np.flatnonzero(passing)[0]) if passing.any() else None
        while len(hits):
            first, stop = hits[0], min(hits[0] + 2 * self.window, len(metric))
            half, _ = _autocorrelation(region[first:stop + self.window + self.lag], self.lag // 2, self.window,
                                       stop - first)
            passing = (metric[first:stop] > self.detect_threshold) & (half < 0.5 * metric[first:stop])
            if passing.any():
                return first + int(np.flatnonzero(passing)[0])
            hits = hits[hits >= stop]
        return None


class FrameSynchronizer(StreamSynchronizer):
    """The single-carrier synchroniser, on the matched-filter output (see the module docstring)."""

    def __init__(self, config: FrameConfig = FrameConfig(), detect_threshold: float = 0.3,
                 timing_threshold: float = 0.2, fse_half_taps: int = 2, header_smoothing: int = 1000):
        super().__init__(detect_threshold, timing_threshold)
        self.config = config
        self.half_taps = fse_half_taps
        self.preamble_fse = FractionallySpacedEqualizer(fse_half_taps)
        self.frame_fse = FractionallySpacedEqualizer(fse_half_taps, drift=True)
        self.header_equalizer = PilotEqualizer(header_smoothing)
        self.lag = config.zc_length * config.sps
        self.window = (config.preamble_repeats - 1) * self.lag
        self.n_preamble = len(config.preamble)
        self.n_header = config.header_symbols
        self.preamble_samples = self.n_preamble * config.sps
        self.head_samples = (self.n_preamble + self.n_header) * config.sps

    def _margin(self) -> int:
        return (self.half_taps + 2) * self.config.sps

    # -- one frame ------------------------------------------------------------
    def _half_symbol_samples(self, start: int, count: int, cfo: float) -> np.ndarray:
        """The T/2-spaced, derotated samples a fractionally spaced equaliser needs for ``count`` symbols."""
        half = self.config.sps // 2
        return self._derotated(start - self.half_taps * half, start + (count - 1) * self.config.sps
                               + self.half_taps * half + 1, cfo, half)

    def _fine_timing(self, coarse: int, cfo: float):
        """Best symbol-spaced match of the known preamble within half a repeat of ``coarse``.

        Returns (start sample, normalised correlation in [0, 1]).
        """
        sps, pre = self.config.sps, self.config.preamble
        first = max(coarse - self.lag // 2, 0)
        stop = coarse + self.lag // 2 + (len(pre) - 1) * sps + 1
        if stop > len(self.buffer):
            return None, 0.0
        segment = self._derotated(first, stop, cfo)
        template = np.zeros((len(pre) - 1) * sps + 1, dtype=np.complex64)
        template[::sps] = pre
        corr = np.abs(np.correlate(segment, template, "valid")) ** 2
        energy = np.correlate(np.abs(segment) ** 2, np.abs(template) ** 2, "valid") * len(pre)
        rho = corr / (energy + 1e-20)
        best = int(np.argmax(rho))
        return first + best, float(rho[best])

    def _refine_cfo(self, outputs: np.ndarray, known: np.ndarray, positions: np.ndarray, cfo: float) -> float:
        """Add the ML residual offset seen on known symbols (cycles/symbol) to ``cfo`` (cycles/sample)."""
        residual = ml_frequency(outputs * np.conj(known), positions, max_offset=4 * self.config.sps * 1e-3)
        return cfo + residual / self.config.sps

    def _try_frame(self, coarse: int, cfo: float):
        config, sps = self.config, self.config.sps
        start, rho = self._fine_timing(coarse, cfo)
        if start is None:
            return "wait"
        if rho < self.timing_threshold or start - self.half_taps * sps < 0:
            return "no frame"
        self.stats.detected += 1
        pre, n_pre = config.preamble, len(config.preamble)
        coded = config.header_coded_symbols
        _, pilot_index, _ = pilot_layout(coded, config.pilot_spacing)
        # Preamble + header pilots are known before decoding: a first fine CFO estimate.
        count = n_pre + self.n_header
        outputs = self.preamble_fse.equalize(self._half_symbol_samples(start, count, cfo), np.arange(n_pre), pre,
                                             count).data
        known_pos = np.concatenate([np.arange(n_pre), n_pre + pilot_index])
        known = np.concatenate([pre, pilot_symbols(len(pilot_index))])
        cfo = self._refine_cfo(outputs[known_pos], known, known_pos, cfo)
        outputs = self.preamble_fse.equalize(self._half_symbol_samples(start, count, cfo), np.arange(n_pre), pre,
                                             count).data
        eq = equalize_pilots(outputs[n_pre:], coded, config.pilot_spacing, self.header_equalizer)
        header = self._decode_header(eq.data.real, config.header_repetition, config.max_payload)
        if header is None:
            return "lost"
        self.pending = {"start": self.base + start, "cfo": cfo, "rho": rho, "header": header, "outputs": outputs}
        return "pending"

    def _finish(self, start: int, cfo: float, rho: float, header: Header, outputs: np.ndarray):
        """Equalise the payload of a frame whose header decoded, once all of it is in the buffer.

        Returns None while waiting, else (the frame or None if dropped, buffer index to search on from).
        """
        config, sps = self.config, self.config.sps
        start -= self.base
        n_payload = config.payload_symbols(header.payload_length)
        payload_start = start + (len(config.preamble) + self.n_header) * sps
        end = payload_start + (n_payload - 1) * sps + self._margin()
        if end > len(self.buffer):
            return None
        if self._overlaps_corrupt(start - self._margin(), end):
            self.stats.drop("corrupt_samples")
            return None, payload_start  # the corruption may belong to what follows a shorter burst
        # The decoded header is known now: refine the CFO, then fit the drifting equaliser on
        # preamble + header + payload pilots.
        known = np.concatenate([config.preamble, header_symbols(header, config)])
        cfo = self._refine_cfo(outputs, known, np.arange(len(known)), cfo)
        _, pilot_index, _ = pilot_layout(header.payload_length, config.pilot_spacing)
        positions = np.concatenate([np.arange(len(known)), len(known) + pilot_index])
        targets = np.concatenate([known, pilot_symbols(len(pilot_index))])
        count = len(known) + n_payload
        fitted = self.frame_fse.equalize(self._half_symbol_samples(start, count, cfo), positions, targets, count)
        payload = fitted.data[len(known):]
        head = fitted.data[:len(known)]
        head_gain = float(np.real(np.vdot(known, head)) / np.sum(np.abs(known) ** 2))
        head_noise = float(np.mean(np.abs(head - head_gain * known) ** 2))
        if missing_tail(payload[pilot_index], targets[len(known):], head_gain, head_noise):
            self.stats.drop("truncated")
            return None, payload_start
        self.stats.decoded += 1
        frame = RxFrame(header, payload.astype(np.complex64), self.base + start, float(cfo), rho, fitted.snr_db,
                        len(targets))
        return frame, payload_start + n_payload * sps
