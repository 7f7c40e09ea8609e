"""The image-level link, without GNU Radio: what the blocks do, callable offline with the same results.

- :mod:`profile`: :class:`LinkProfile`, what TX and RX must agree on (mode, frame parameters, equaliser);
- :mod:`meta`: :class:`FrameMeta` / :class:`SymbolBatch`: header fields, PDU keys, id wrap-around;
- :mod:`models`: the codec a link end runs and its on-air identity;
- :mod:`transmitter`: pad, batch, encode, pack into frames, bursts;
- :mod:`receiver`: synchronise, equalise, reassemble, split, size check, SNR pooling, decode, crop;
- :mod:`scoring`: PSNR / SSIM / accuracy of what was received;
- :mod:`loopback`: the whole link through the simulated channel.
"""

from semjscc.link.meta import FrameMeta, SymbolBatch
from semjscc.link.models import LinkCodec, load_link_codec
from semjscc.link.profile import LinkProfile
from semjscc.link.receiver import Demodulator, Receiver
from semjscc.link.transmitter import Encoder, Transmitter

__all__ = ["Demodulator", "Encoder", "FrameMeta", "LinkCodec", "LinkProfile", "Receiver", "SymbolBatch",
           "Transmitter", "load_link_codec"]
