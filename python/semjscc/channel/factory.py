"""Channel names as used on the command line and in checkpoints."""

from semjscc.channel.awgn import AWGNChannel, IdentityChannel
from semjscc.channel.fading import BlockFadingChannel
from semjscc.channel.ofdm import OfdmFadingChannel

CHANNELS = {"awgn": AWGNChannel, "fading": BlockFadingChannel, "identity": IdentityChannel, "ofdm": OfdmFadingChannel}


def build_channel(name: str, **options):
    """``awgn``, ``fading`` (options: pilots, equalizer), ``ofdm`` (options: taps, max_rms_delay) or ``identity``."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; known: {sorted(CHANNELS)}")
    return CHANNELS[name](**options)
