"""Counting what a block drops: every dropped item is counted under a reason, the first of each reason logged."""

import collections
import threading


class DropCounter:
    """Per-reason counts of the PDUs (or images) a block had to drop; thread-safe.  ``logger``: the block's own
    (``self.logger``), so the message carries the block's name and follows GNU Radio's log configuration."""

    def __init__(self, logger):
        self.logger = logger
        self.counts = collections.Counter()
        self._lock = threading.Lock()

    def drop(self, reason: str, cause=None, count: int = 1) -> None:
        with self._lock:
            first = reason not in self.counts
            self.counts[reason] += count
        if first:
            detail = f" ({cause})" if cause is not None else ""
            self.logger.warn(f"dropped an item: {reason}{detail}; further ones are only counted")

    def as_dict(self) -> dict:
        with self._lock:
            return dict(self.counts)
