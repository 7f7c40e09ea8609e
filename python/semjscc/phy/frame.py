"""Frame format and burst construction.

| preamble: Zadoff-Chu x repeats | header: conv-coded BPSK, repeated, with pilots | payload: JSCC symbols with pilots |

The repeated preamble gives detection and coarse CFO (autocorrelation at lag
one repeat) and, being known, timing and the initial channel.  Pilots every
``pilot_spacing`` symbols in both header and payload track the channel.
"""

from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np

from semjscc.phy import fec
from semjscc.phy.header import HEADER_BITS, MAX_MAP_LENGTH, Header
from semjscc.phy.pilots import insert_pilots, pilot_layout
from semjscc.phy.pulse import rrc_taps, shape
from semjscc.phy.sequences import pn_bits, zadoff_chu
from semjscc.phy.side_info import side_info_length


@dataclass(frozen=True)
class FrameConfig:
    sps: int = 4
    rolloff: float = 0.35
    rrc_span: int = 11
    zc_length: int = 31
    zc_root: int = 7
    preamble_repeats: int = 4
    pilot_spacing: int = 16
    header_repetition: int = 2
    max_payload: int = 4096
    guard_symbols: int = 16

    def to_dict(self) -> dict:
        return asdict(self)

    @cached_property
    def taps(self) -> np.ndarray:
        return rrc_taps(self.sps, self.rolloff, self.rrc_span)

    @cached_property
    def preamble(self) -> np.ndarray:
        return np.tile(zadoff_chu(self.zc_length, self.zc_root), self.preamble_repeats)

    @property
    def header_coded_symbols(self) -> int:
        return 2 * (HEADER_BITS + fec.CONSTRAINT - 1) * self.header_repetition

    @property
    def header_symbols(self) -> int:
        """Header length on air, pilots included."""
        return pilot_layout(self.header_coded_symbols, self.pilot_spacing)[0]

    def payload_symbols(self, data_length: int) -> int:
        return pilot_layout(data_length, self.pilot_spacing)[0]

    def frame_symbols(self, data_length: int) -> int:
        return len(self.preamble) + self.header_symbols + self.payload_symbols(data_length)

    def overhead(self, data_length: int) -> float:
        """Fraction of a frame's air time (symbols) not spent on JSCC data."""
        return 1 - data_length / self.frame_symbols(data_length)


WHITENING_SEED = 0x0A5


def header_whitening(length: int) -> np.ndarray:
    """+-1 per coded header bit: scrambles the mostly-zero header into a white training sequence."""
    return 1 - 2 * pn_bits(length, WHITENING_SEED).astype(np.float32)


def header_symbols(header: Header, config: FrameConfig) -> np.ndarray:
    coded = fec.conv_encode(header.to_bits())
    bpsk = ((1 - 2 * coded) * header_whitening(len(coded))).astype(np.complex64)
    return insert_pilots(fec.repeat(bpsk, config.header_repetition), config.pilot_spacing)


def frame_symbols(header: Header, data: np.ndarray, config: FrameConfig) -> np.ndarray:
    if len(data) != header.payload_length:
        raise ValueError(f"header announces {header.payload_length} symbols, payload has {len(data)}")
    if len(data) > config.max_payload:
        raise ValueError(f"payload of {len(data)} symbols exceeds max_payload={config.max_payload}")
    return np.concatenate([config.preamble, header_symbols(header, config),
                           insert_pilots(np.asarray(data, dtype=np.complex64), config.pilot_spacing)])


def burst(symbols: np.ndarray, config: FrameConfig) -> np.ndarray:
    """RRC-shaped samples with ``guard_symbols`` of zeros at both ends (for the radio's ramp)."""
    guard = np.zeros(config.guard_symbols * config.sps, dtype=np.complex64)
    return np.concatenate([guard, shape(symbols, config.sps, config.taps), guard])


@dataclass(frozen=True)
class FrameSlot:
    """One frame's share of a batch of equal-size images: symbols [start, stop) of the batch."""

    first_image: int  # offset in the batch
    image_count: int
    chunk_index: int
    chunk_count: int
    start: int
    stop: int


def even_split(length: int, count: int) -> list:
    """The ``count + 1`` bounds that cut ``length`` symbols into ``count`` chunks differing by at most one, the
    longer ones first."""
    size, longer = divmod(length, count)
    return [i * size + min(i, longer) for i in range(count + 1)]


def plan_frames(image_count: int, symbols_per_image: int, max_payload: int) -> list:
    """How a batch of equal-size images goes on the air.

    Images that fit share frames (as many whole images as ``max_payload``
    takes); a larger image spans frames of at most ``max_payload`` symbols.
    """
    if symbols_per_image <= 0:
        raise ValueError("an image needs at least one symbol")
    slots = []
    if symbols_per_image > max_payload:
        count = -(-symbols_per_image // max_payload)
        bounds = even_split(symbols_per_image, count)
        for image in range(image_count):
            base = image * symbols_per_image
            slots += [FrameSlot(image, 1, i, count, base + bounds[i], base + bounds[i + 1]) for i in range(count)]
        return slots
    per_frame = max_payload // symbols_per_image
    for first in range(0, image_count, per_frame):
        images = min(per_frame, image_count - first)
        slots.append(FrameSlot(first, images, 0, 1, first * symbols_per_image, (first + images) * symbols_per_image))
    return slots


def plan_allocated_frames(lengths: list, map_sizes: list, max_payload: int) -> list:
    """How a batch of images of different lengths goes on the air, each frame's payload led by the
    allocation map of the images it carries (``map_sizes`` bytes per image).

    Consecutive images share a frame while their symbols and map fit; an image that does not fit
    alone spans frames, each led by its own map (so any chunk tells how long the image is).
    """
    offsets = np.cumsum([0, *lengths])
    slots, image = [], 0
    while image < len(lengths):
        overhead = side_info_length(map_sizes[image])
        if overhead + lengths[image] > max_payload:
            capacity = max_payload - overhead
            if capacity < 1 or map_sizes[image] > MAX_MAP_LENGTH:
                raise ValueError(f"an allocation map of {map_sizes[image]} bytes does not fit a frame")
            count = -(-lengths[image] // capacity)
            bounds = [int(offsets[image]) + bound for bound in even_split(lengths[image], count)]
            slots += [FrameSlot(image, 1, i, count, bounds[i], bounds[i + 1]) for i in range(count)]
            image += 1
            continue
        last = image + 1
        while last < len(lengths) and sum(map_sizes[image:last + 1]) <= MAX_MAP_LENGTH and \
                side_info_length(sum(map_sizes[image:last + 1])) + offsets[last + 1] - offsets[image] <= max_payload:
            last += 1
        slots.append(FrameSlot(image, last - image, 0, 1, int(offsets[image]), int(offsets[last])))
        image = last
    return slots
