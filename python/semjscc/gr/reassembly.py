"""Reassembly of an image's chunks (frames) into its full symbol vector, with loss accounting."""

from dataclasses import dataclass, field

import numpy as np


@dataclass
class PendingImage:
    meta: dict
    chunks: dict = field(default_factory=dict)
    snrs: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.chunks) == int(self.meta["chunk_count"])


class Reassembler:
    """Collects chunks per image id; keeps at most ``max_pending`` incomplete images.

    When a new image would exceed that, the oldest incomplete one is given up
    and counted in ``lost`` (its missing frames were never received).
    """

    def __init__(self, max_pending: int = 4):
        self.max_pending = max_pending
        self.pending = {}
        self.lost = 0

    def add(self, meta: dict, symbols: np.ndarray, snr_db: float):
        """Returns (meta, symbols, snr_db) when the image is complete, else None."""
        key = (int(meta["image_id"]), int(meta["chunk_count"]), int(meta["height"]), int(meta["width"]))
        if key not in self.pending:
            while len(self.pending) >= self.max_pending:
                self.pending.pop(next(iter(self.pending)))
                self.lost += 1
            self.pending[key] = PendingImage(meta=dict(meta))
        image = self.pending[key]
        index = int(meta["chunk_index"])
        image.chunks[index] = symbols
        image.snrs[index] = snr_db
        if not image.complete:
            return None
        del self.pending[key]
        ordered = np.concatenate([image.chunks[i] for i in range(len(image.chunks))])
        noise = np.mean([10 ** (-s / 10) for s in image.snrs.values()])
        return image.meta, ordered, float(-10 * np.log10(noise))

    def flush(self) -> int:
        """Give up every incomplete image (end of stream); returns how many."""
        count = len(self.pending)
        self.pending.clear()
        self.lost += count
        return count
