"""gr-semjscc: semantic deep joint source-channel coding for GNU Radio.

The engine (codec, channels, data, PHY, semantic methods) is plain Python and
PyTorch; only :mod:`semjscc.gr` imports GNU Radio.
"""

__version__ = "0.1.0"
