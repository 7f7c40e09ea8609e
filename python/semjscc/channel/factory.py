"""Channel names as used on the command line and in checkpoints."""

from semjscc.channel.awgn import AWGNChannel, IdentityChannel
from semjscc.channel.fading import BlockFadingChannel

CHANNELS = {"awgn": AWGNChannel, "fading": BlockFadingChannel, "identity": IdentityChannel}


def build_channel(name: str, **options):
    """``awgn``, ``fading`` (options: pilots, equalizer) or ``identity``."""
    if name not in CHANNELS:
        raise ValueError(f"unknown channel {name!r}; known: {sorted(CHANNELS)}")
    return CHANNELS[name](**options)
