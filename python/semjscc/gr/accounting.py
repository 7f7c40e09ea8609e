"""Counting what a block drops: every dropped item is counted under a reason, the first of each reason logged."""

import collections
import threading

from gnuradio import gr


class DropCounter:
    """Per-reason counts of the PDUs (or images) a block had to drop; thread-safe."""

    def __init__(self, block_name: str):
        self.block_name = block_name
        self.counts = collections.Counter()
        self._lock = threading.Lock()

    def drop(self, reason: str, cause=None, count: int = 1) -> None:
        with self._lock:
            first = reason not in self.counts
            self.counts[reason] += count
        if first:
            detail = f" ({cause})" if cause is not None else ""
            gr.log.warn(f"semjscc {self.block_name}: dropped an item: {reason}{detail}; further ones are only counted")

    def as_dict(self) -> dict:
        with self._lock:
            return dict(self.counts)
