"""GNU Radio blocks of gr-semjscc: the only subpackage that imports gnuradio."""

__all__ = []
