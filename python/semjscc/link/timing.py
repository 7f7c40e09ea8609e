"""Radio time: when bursts should leave (``tx_time``) and when frames arrived (``rx_time``).

A UHD device keeps its own clock; the USRP flowgraphs set it from the host's clock (on the next PPS edge when
a PPS time source is used), so both ends speak seconds since the Unix epoch. UHD stamps its stream with an
``rx_time`` tag (and ``rx_rate``) at the start and after every overflow; :class:`SampleClock` turns those
marks into the arrival time of any later sample. On the transmit side, :class:`BurstScheduler` gives each burst
a start time ``lead_s`` ahead of now (time for the host to hand the samples over), never before the end of the
previous burst, so timed bursts neither collide nor arrive late.
"""

import collections
import math
import time
from typing import Optional


def split_seconds(seconds: float) -> tuple:
    """(whole seconds, fractional seconds): UHD's and GNU Radio's ``tx_time``/``rx_time`` layout."""
    whole = math.floor(seconds)
    return int(whole), float(seconds - whole)


class SampleClock:
    """Sample index -> radio time, from the ``rx_time``/``rx_rate`` marks.  The synchroniser reads a chunk's
    marks before it resolves frames that began earlier, so the last few marks are kept and each sample is timed
    from the latest mark at or before it."""

    KEPT_MARKS = 16

    def __init__(self):
        self.marks = collections.deque(maxlen=self.KEPT_MARKS)  # (offset, seconds), in stream order
        self.rate: Optional[float] = None

    def mark_time(self, offset: int, whole: int, fraction: float) -> None:
        self.marks.append((int(offset), float(whole) + float(fraction)))

    def mark_rate(self, rate: float) -> None:
        if rate > 0 and math.isfinite(rate):
            self.rate = float(rate)

    def time_of(self, index: int) -> Optional[float]:
        """The radio time of sample ``index``; None until the stream has said both its time and its rate."""
        if not self.marks or self.rate is None:
            return None
        offset, seconds = next((mark for mark in reversed(self.marks) if mark[0] <= index), self.marks[0])
        return seconds + (int(index) - offset) / self.rate


class BurstScheduler:
    """Start times for timed bursts: ``lead_s`` after they are made, back to back at the earliest."""

    def __init__(self, samp_rate: float, lead_s: float, gap_s: float = 0.0, clock=time.time):
        if samp_rate <= 0 or lead_s <= 0 or gap_s < 0:
            raise ValueError(f"timed bursts need a positive sample rate and lead, not {samp_rate} S/s, "
                             f"{lead_s} s lead, {gap_s} s gap")
        self.samp_rate, self.lead_s, self.gap_s, self.clock = float(samp_rate), float(lead_s), float(gap_s), clock
        self.next_free = 0.0

    def schedule(self, samples: int) -> float:
        """The start time of a burst of ``samples`` samples (seconds, the radio's clock)."""
        start = max(self.clock() + self.lead_s, self.next_free)
        self.next_free = start + samples / self.samp_rate + self.gap_s
        return start
