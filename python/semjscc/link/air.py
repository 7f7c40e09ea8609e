"""The air interfaces behind a link profile: what differs between single carrier and OFDM.

Each turns a header and data symbols into a frame (symbols for the
single-carrier mode, a resource grid for OFDM), a frame into a burst of
unit-RMS samples, builds the receiver's synchroniser, equalises a synced
frame and states its levels (``samples_per_symbol``: sample power per symbol,
see :mod:`semjscc.phy.levels`) and the in-band gain of multipath taps.  The
rest of the link (batching, reassembly, decoding, accounting) is the same.
"""

import numpy as np

from semjscc.link.meta import FrameMeta
from semjscc.phy import frame as sc_frame
from semjscc.phy.equalizers import equalize_pilots, make_equalizer
from semjscc.phy.header import Header
from semjscc.phy.ofdm import OfdmConfig
from semjscc.phy.ofdm import frame as ofdm_frame
from semjscc.phy.ofdm.sync import OfdmSynchronizer
from semjscc.phy.sync import FrameSynchronizer
from semjscc.phy.taps import in_band_gain


class SingleCarrierAir:
    """RRC-shaped symbols: preamble, header and payload with pilots (:mod:`semjscc.phy.frame`)."""

    def __init__(self, config: sc_frame.FrameConfig, equalizer: str):
        self.config = config
        self.equalizer = equalizer
        self.samples_per_symbol = float(config.sps)
        self.receive_taps = config.taps  # the matched filter

    def frame(self, header: Header, data: np.ndarray) -> np.ndarray:
        return sc_frame.frame_symbols(header, data, self.config)

    def burst(self, frame: np.ndarray) -> np.ndarray:
        return sc_frame.burst(np.asarray(frame, dtype=np.complex64), self.config) * np.sqrt(self.samples_per_symbol)

    def synchronizer(self, threshold: float) -> FrameSynchronizer:
        return FrameSynchronizer(self.config, detect_threshold=threshold)

    def equalize(self, meta: FrameMeta, payload: np.ndarray, smoothing: int) -> tuple:
        equalizer = make_equalizer(self.equalizer, smoothing=smoothing)
        result = equalize_pilots(payload, meta.payload_length, self.config.pilot_spacing, equalizer,
                                 meta.reception.get("training_snr_db"), int(meta.reception.get("training_count", 0)))
        return meta.with_reception(snr_est_db=result.snr_db, channel_gain=result.gain), result.data

    def in_band_gain(self, taps) -> float:
        return in_band_gain(taps, self.config.sps, self.config.rolloff)

    def overhead(self, data_length: int) -> float:
        return self.config.overhead(data_length)


class OfdmAir:
    """JSCC symbols on subcarriers (:mod:`semjscc.phy.ofdm`), MMSE-equalised per subcarrier."""

    def __init__(self, config: OfdmConfig, equalizer: str):
        self.config = config
        self.equalizer = equalizer
        self.samples_per_symbol = config.samples_per_symbol
        self.receive_taps = None  # no pulse shaping: the FFT selects the band

    def frame(self, header: Header, data: np.ndarray) -> np.ndarray:
        return ofdm_frame.resource_grid(header, data, self.config).reshape(-1)

    def burst(self, frame: np.ndarray) -> np.ndarray:
        grid = np.asarray(frame, dtype=np.complex64).reshape(-1, len(self.config.used))
        return ofdm_frame.burst(grid, self.config) * np.float32(np.sqrt(self.samples_per_symbol))

    def synchronizer(self, threshold: float) -> OfdmSynchronizer:
        return OfdmSynchronizer(self.config, detect_threshold=threshold)

    def equalize(self, meta: FrameMeta, payload: np.ndarray, smoothing: int) -> tuple:
        """``smoothing`` is unused: the grid's training rows set how the channel is tracked.  The meta gets
        ``reliability``: each data symbol's channel power over the frame's mean."""
        header = meta.to_header()
        index, values = ofdm_frame.known_resources(header, self.config)
        result = make_equalizer(self.equalizer, config=self.config).equalize(payload, index, values)
        offset = (self.config.ltf_count + ofdm_frame.header_rows(self.config)) * len(self.config.used)
        positions = offset + ofdm_frame.data_positions(meta.payload_length, self.config)
        meta = meta.with_reception(snr_est_db=result.snr_db, channel_gain=result.gain,
                                   reliability=result.reliability[positions].astype(np.float32))
        return meta, result.data[positions].astype(np.complex64)

    def in_band_gain(self, taps) -> float:
        """Mean power gain over the used subcarriers."""
        taps = np.asarray(taps, dtype=np.complex128)
        response = np.exp(-2j * np.pi * np.outer(self.config.used, np.arange(len(taps))) / self.config.fft_size) @ taps
        return float(np.mean(np.abs(response) ** 2))

    def overhead(self, data_length: int) -> float:
        """Share of the frame's samples not spent on data (data costs fft_size / used samples a symbol)."""
        samples = len(self.config.preamble) + ofdm_frame.frame_rows(data_length, self.config) * self.config.symbol_length
        return 1 - data_length * self.samples_per_symbol / samples
