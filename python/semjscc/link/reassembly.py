"""Reassembly of an image's chunks (frames) into its full symbol vector, with loss accounting."""

from dataclasses import dataclass, field

import numpy as np

from semjscc.link.meta import FrameMeta


def pooled_snr_db(snrs_db) -> float:
    """The SNR of symbols pooled from parts received at different SNRs (their noise powers average)."""
    noise = np.mean([10 ** (-s / 10) for s in snrs_db])
    return float(-10 * np.log10(noise))


@dataclass
class PendingImage:
    meta: FrameMeta
    chunks: dict = field(default_factory=dict)
    snrs: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return len(self.chunks) == self.meta.chunk_count


class Reassembler:
    """Collects chunks per image id; keeps at most ``max_pending`` incomplete images of at most
    ``max_symbols`` symbols in all (64 MB of complex64 by default).

    When a new chunk would exceed either, the oldest incomplete image is given
    up and counted in ``lost`` (its missing frames were never received).
    ``started`` counts the images it has begun to collect.
    """

    def __init__(self, max_pending: int = 16, max_symbols: int = 8 << 20):
        self.max_pending = max_pending
        self.max_symbols = max_symbols
        self.pending = {}
        self.held = 0  # symbols held in pending chunks
        self.lost = 0
        self.started = 0

    def add(self, meta: FrameMeta, symbols: np.ndarray, snr_db: float):
        """Returns (first chunk's meta, symbols, pooled SNR dB) when the image is complete, else None."""
        key = (meta.image_id, meta.chunk_count, meta.height, meta.width)
        if key not in self.pending:
            while self.pending and (len(self.pending) >= self.max_pending
                                    or self.held + len(symbols) > self.max_symbols):
                self._give_up(next(iter(self.pending)))
            self.pending[key] = PendingImage(meta=meta)
            self.started += 1
        image = self.pending[key]
        if meta.chunk_index not in image.chunks:
            self.held += len(symbols)
        image.chunks[meta.chunk_index] = symbols
        image.snrs[meta.chunk_index] = snr_db
        if not image.complete:
            return None
        self.held -= sum(len(chunk) for chunk in image.chunks.values())
        del self.pending[key]
        ordered = np.concatenate([image.chunks[i] for i in range(len(image.chunks))])
        return image.meta, ordered, pooled_snr_db(image.snrs.values())

    def arrived_length(self, key) -> int:
        """Symbols of the pending image ``key`` that arrived in order from its first chunk."""
        image, length, index = self.pending.get(key), 0, 0
        while image is not None and index in image.chunks:
            length += len(image.chunks[index])
            index += 1
        return length

    def arrived_prefix(self, key) -> tuple:
        """(first chunk's meta, the symbols that arrived in order from the first chunk, their pooled SNR dB)."""
        image, index = self.pending[key], 0
        while index in image.chunks:
            index += 1
        return (image.meta, np.concatenate([image.chunks[i] for i in range(index)]),
                pooled_snr_db([image.snrs[i] for i in range(index)]))

    def _give_up(self, key) -> None:
        image = self.pending.pop(key)
        self.held -= sum(len(chunk) for chunk in image.chunks.values())
        self.lost += 1

    def flush(self) -> int:
        """Give up every incomplete image (end of stream); returns how many."""
        count = len(self.pending)
        for key in list(self.pending):
            self._give_up(key)
        return count
