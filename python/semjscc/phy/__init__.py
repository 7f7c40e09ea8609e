"""The radio's physical layer in numpy: frame format, pulse shaping, sync, equalisation.

No gnuradio import here: the GNU Radio blocks and the offline simulation run
this same code, so what is measured offline holds in the flowgraph.
"""

from semjscc.phy.frame import FrameConfig
from semjscc.phy.header import Header, HeaderError

__all__ = ["FrameConfig", "Header", "HeaderError"]
