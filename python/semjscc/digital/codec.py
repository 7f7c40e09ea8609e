"""The digital link as a codec with the analog models' interface: image codec + CRC + LDPC + QAM.

``DigitalCodec`` encodes a batch of images to exactly the symbols an analog
model of the same k/n would send (equal channel uses), so it rides the same
frames, sync, equaliser and receiver.  Each image is coded by its image codec at
the best quality whose whole file fits the transport block; the receiver
demaps, decodes and checks every codeword's CRC.  An image is lost when its
budget cannot carry even the lowest quality (``budget``), a codeword fails
(``codeword``) or the file does not decode (``source``): it is shown as the
mean image and counted, never dropped silently.

A spec names one: ``digital:<codec>:<mcs>[:<k/n>]``, e.g.
``digital:webp:16qam-1/2:1/6`` (the header's model field carries the codec
and MCS, its flags say digital).
"""

from fractions import Fraction

import numpy as np
import torch

from semjscc.codec.bandwidth import ratio_label, symbol_count
from semjscc.digital.channel_code import decode_files, encode_files, plan_block
from semjscc.digital.mcs import Mcs, choose_mcs, parse_mcs, shipped_bler_table
from semjscc.digital.source import CODECS, SourceDecodeError, check_codec, decode_image, fit_to_budget

SPEC_PREFIX = "digital:"
DIGITAL_FLAG = 0x1  # header flag bit: the payload is QAM-mapped LDPC codewords, not analog JSCC symbols
MEAN_COLOR = (0.4914, 0.4822, 0.4465)  # CIFAR-10 training mean: what a lost image is shown as


def is_digital_spec(text) -> bool:
    return str(text).startswith(SPEC_PREFIX)


def parse_ratio(text: str) -> float:
    try:
        ratio = Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"bandwidth ratio {text!r} is not a fraction like 1/6") from None
    return float(ratio)


def link_spec(codec: str, mcs: str = "auto", ratio: str = "1/6", snr_db: float = 10.0, image_size=(32, 32)) -> str:
    """A spec from command-line choices; ``auto`` takes the most efficient MCS whose measured BLER at
    ``snr_db`` is at most 10 % (the table of the nearest block size)."""
    if str(mcs) == "auto":
        symbols = symbol_count(*image_size, parse_ratio(ratio))
        mcs = choose_mcs(snr_db, shipped_bler_table(symbols)).name
    return DigitalCodec(check_codec(codec), parse_mcs(mcs), parse_ratio(ratio)).spec


class DigitalCodec:
    """Separate source and channel coding, sized per image to the analog model's channel uses."""

    arch = "digital"
    csi = False
    allocates = False
    flags = DIGITAL_FLAG

    def __init__(self, source: str, mcs: Mcs, k_over_n: float = 1 / 6):
        self.source = check_codec(source)
        self.mcs = mcs
        self.k_over_n = float(k_over_n)
        symbol_count(4, 4, self.k_over_n)  # a ratio the analog models can match, or ValueError

    @classmethod
    def from_spec(cls, spec: str) -> "DigitalCodec":
        parts = str(spec)[len(SPEC_PREFIX):].split(":") if is_digital_spec(spec) else []
        if len(parts) not in (2, 3):
            raise ValueError(f"digital link spec {spec!r}: use digital:<codec>:<mcs>[:<k/n>], "
                             f"e.g. digital:webp:16qam-1/2:1/6 (codecs: {', '.join(CODECS)})")
        return cls(parts[0], parse_mcs(parts[1]), parse_ratio(parts[2]) if len(parts) == 3 else 1 / 6)

    @property
    def spec(self) -> str:
        return f"{SPEC_PREFIX}{self.source}:{self.mcs.name}:{ratio_label(self.k_over_n)}"

    @property
    def wire_id(self) -> int:
        """The header's model field: image codec (high byte) and MCS index (low byte)."""
        return CODECS.index(self.source) << 8 | self.mcs.index

    def plan(self, height: int, width: int):
        return plan_block(symbol_count(height, width, self.k_over_n), self.mcs)

    def code_files(self, images: torch.Tensor) -> list:
        """Each image's file at the best quality that fits its block (None: not even the lowest fits)."""
        pixels = (images.clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).cpu().numpy()
        budget = self.plan(*images.shape[-2:]).capacity_bytes
        coded = [fit_to_budget(image, self.source, budget) for image in pixels]
        return [None if c is None else c.data for c in coded]

    def encode(self, images: torch.Tensor, snr_db=10.0) -> torch.Tensor:
        """complex64 (batch, symbols) unit-energy QAM; an image no file fits sends an empty block."""
        files = self.code_files(images)
        symbols = encode_files([b"" if data is None else data for data in files], self.plan(*images.shape[-2:]))
        return torch.from_numpy(symbols).to(images.device)

    def decode_images(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None) -> tuple:
        """(images (batch, 3, H, W) in [0, 1], the reason each image is lost or None)."""
        height, width = image_size
        count = symbols.shape[0]
        snr = torch.as_tensor(snr_db, dtype=torch.float32).reshape(-1).expand(count).cpu().numpy()
        gains = np.ones(symbols.shape, np.float32) if reliability is None else \
            reliability.reshape(symbols.shape).real.float().cpu().numpy()
        noise = 10 ** (-snr[:, None] / 10) / np.maximum(gains, 1e-3)
        files = decode_files(symbols.cpu().numpy(), noise, self.plan(height, width))
        images = torch.tensor(MEAN_COLOR).reshape(1, 3, 1, 1).repeat(count, 1, height, width)
        reasons = []
        for index, data in enumerate(files):
            reason = "codeword" if data is None else "budget" if not data else None
            if reason is None:
                try:
                    pixels = decode_image(data, self.source, (height, width))
                    images[index] = torch.from_numpy(np.array(pixels)).permute(2, 0, 1).float().div(255)
                except SourceDecodeError:
                    reason = "source"
            reasons.append(reason)
        return images.to(symbols.device), reasons

    def decode(self, symbols: torch.Tensor, image_size, snr_db=10.0, reliability=None) -> torch.Tensor:
        return self.decode_images(symbols, image_size, snr_db, reliability)[0]

    def eval(self) -> "DigitalCodec":
        return self

    def to(self, device) -> "DigitalCodec":
        """Coding runs on the CPU; the images come back on the symbols' device."""
        return self
