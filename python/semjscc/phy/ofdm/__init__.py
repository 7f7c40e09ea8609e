"""The OFDM air interface in numpy: numerology, frame, synchroniser, channel estimation.

The same code runs in the GNU Radio blocks, the offline link and (numerology
and estimator) the training channel :class:`semjscc.channel.ofdm.OfdmFadingChannel`.
"""

from semjscc.phy.ofdm.numerology import OfdmConfig

__all__ = ["OfdmConfig"]
