"""The link profile: everything transmitter and receiver must agree on, as one object.

In GRC it is one variable (``profile = semjscc.LinkProfile(...)``) that every
block of both chains takes, so TX and RX cannot drift apart; offline code
takes the same object.  ``mode`` names the air interface (:mod:`semjscc.link.air`):
``single-carrier`` (RRC pulses at ``sps``, ``rolloff``) or ``ofdm`` (``fft_size``,
``cp_length``, a training symbol every ``training_interval`` payload symbols;
``pilot_spacing`` counts subcarriers there).  Fields of the other mode are ignored.
"""

import math
from dataclasses import asdict, dataclass, fields
from functools import cached_property

from semjscc.link.air import OfdmAir, SingleCarrierAir
from semjscc.phy.equalizers import EQUALIZERS
from semjscc.phy.frame import FrameConfig
from semjscc.phy.levels import noise_voltage
from semjscc.phy.ofdm import OfdmConfig
from semjscc.phy.taps import parse_taps

MODES = ("single-carrier", "ofdm")
DEFAULT_EQUALIZER = {"single-carrier": "pilot-ls", "ofdm": "ofdm-mmse"}


@dataclass(frozen=True)
class LinkProfile:
    mode: str = "single-carrier"
    sps: int = 4  # samples per symbol
    rolloff: float = 0.35  # RRC roll-off
    max_payload: int = 4096  # data symbols per frame; larger images span frames
    pilot_spacing: int = 16
    header_repetition: int = 2
    equalizer: str = ""  # the payload equaliser (semjscc.phy.equalizers.EQUALIZERS); "" = the mode's
    fft_size: int = 64
    cp_length: int = 16
    training_interval: int = 16

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown link mode {self.mode!r}; known: {', '.join(MODES)}")
        if not self.equalizer:
            object.__setattr__(self, "equalizer", DEFAULT_EQUALIZER[self.mode])
        payload_equalizers = sorted(name for name, cls in EQUALIZERS.items() if self.mode in cls.modes)
        if self.equalizer not in payload_equalizers:
            raise ValueError(f"payload equaliser {self.equalizer!r} does not work in {self.mode} mode; "
                             f"known there: {', '.join(payload_equalizers)}")
        if self.sps < 2 or self.sps % 2:
            raise ValueError(f"samples per symbol must be even and at least 2 (T/2 equaliser), not {self.sps}")
        if not 0 < self.rolloff <= 1:
            raise ValueError(f"roll-off must be in (0, 1], not {self.rolloff}")
        if self.max_payload < 1 or self.pilot_spacing < 2 or self.header_repetition < 1:
            raise ValueError(f"impossible frame: max_payload {self.max_payload}, pilot_spacing {self.pilot_spacing}, "
                             f"header_repetition {self.header_repetition}")

    @cached_property
    def frame(self) -> FrameConfig:
        return FrameConfig(sps=int(self.sps), rolloff=float(self.rolloff), max_payload=int(self.max_payload),
                           pilot_spacing=int(self.pilot_spacing), header_repetition=int(self.header_repetition))

    @cached_property
    def air(self):
        """The air interface of ``mode`` (:mod:`semjscc.link.air`)."""
        if self.mode == "ofdm":
            return OfdmAir(OfdmConfig(fft_size=int(self.fft_size), cp_length=int(self.cp_length),
                                      pilot_spacing=int(self.pilot_spacing),
                                      training_interval=int(self.training_interval),
                                      header_repetition=int(self.header_repetition),
                                      max_payload=int(self.max_payload)), self.equalizer)
        return SingleCarrierAir(self.frame, self.equalizer)

    def noise_voltage(self, snr_db: float, amplitude: float) -> float:
        """channel_model noise_voltage that gives Es/N0 = ``snr_db`` per symbol for bursts of RMS ``amplitude``."""
        return noise_voltage(snr_db, amplitude, self.air.samples_per_symbol)

    def channel_taps(self, taps) -> list:
        """Multipath taps (text or numbers) scaled to unit in-band power gain in this mode."""
        taps = parse_taps(taps) if isinstance(taps, str) else [complex(t) for t in taps]
        gain = self.air.in_band_gain(taps)
        if not math.isfinite(gain) or gain <= 0:
            raise ValueError(f"channel taps {taps!r} pass no power")
        return [t / math.sqrt(gain) for t in taps]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "LinkProfile":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown link profile fields: {', '.join(sorted(unknown))}")
        return cls(**values)
