"""The link profile: everything transmitter and receiver must agree on, as one object.

In GRC it is one variable (``profile = semjscc.LinkProfile(...)``) that every
block of both chains takes, so TX and RX cannot drift apart; offline code
takes the same object.  ``mode`` names the air interface: ``single-carrier``
today; OFDM and the digital reference are the next modes.
"""

from dataclasses import asdict, dataclass, fields
from functools import cached_property

from semjscc.phy.equalizers import EQUALIZERS
from semjscc.phy.frame import FrameConfig

MODES = ("single-carrier",)


@dataclass(frozen=True)
class LinkProfile:
    mode: str = "single-carrier"
    sps: int = 4  # samples per symbol
    rolloff: float = 0.35  # RRC roll-off
    max_payload: int = 4096  # data symbols per frame; larger images span frames
    pilot_spacing: int = 16
    header_repetition: int = 2
    equalizer: str = "pilot-ls"  # the payload equaliser (semjscc.phy.equalizers.EQUALIZERS)

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"unknown link mode {self.mode!r}; known: {', '.join(MODES)}")
        payload_equalizers = sorted(name for name, cls in EQUALIZERS.items() if cls.samples_per_symbol == 1)
        if self.equalizer not in payload_equalizers:
            raise ValueError(f"unknown payload equaliser {self.equalizer!r}; known: {', '.join(payload_equalizers)}")
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

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> "LinkProfile":
        known = {f.name for f in fields(cls)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown link profile fields: {', '.join(sorted(unknown))}")
        return cls(**values)
