"""The transmitting end of the image link: images -> padded batches -> JSCC symbols -> frames -> bursts.

The GNU Radio blocks (``jscc_encoder``, ``framer``, ``modulator``) call these
same functions; :class:`Transmitter` chains them for offline use.
"""

import collections
from dataclasses import dataclass, replace
from typing import Callable, Iterator, Optional

import numpy as np
import torch

from semjscc.codec.bandwidth import DOWNSAMPLE, padded_size, symbol_count
from semjscc.codec.tiling import is_tiled
from semjscc.link.allocation import pack_map, split_entries
from semjscc.link.meta import FrameMeta, SymbolBatch, wrap_id
from semjscc.link.models import LinkCodec
from semjscc.link.profile import LinkProfile
from semjscc.phy.frame import plan_allocated_frames, plan_frames
from semjscc.phy.side_info import side_info_symbols


def pad_to_multiple(image: np.ndarray) -> np.ndarray:
    """Edge-pad H and W up to a multiple of the codec's downsampling (the receiver crops it off)."""
    pad_h, pad_w = padded_size(image.shape[0]) - image.shape[0], padded_size(image.shape[1]) - image.shape[1]
    if pad_h or pad_w:
        image = np.pad(image, ((0, pad_h), (0, pad_w), (0, 0)), mode="edge")
    return image


def take_batch(queue: collections.deque, max_batch: int) -> list:
    """The head of ``queue`` and the images right behind it that can share its batch (and frames).

    A batch holds images of one size with consecutive ids, as the header
    announces them by the first id and a count.
    """
    batch = [queue.popleft()]
    while queue and len(batch) < max_batch:
        meta, image = queue[0]
        last_meta, last_image = batch[-1]
        if image.shape != last_image.shape or int(meta["image_id"]) != int(last_meta["image_id"]) + 1:
            break
        batch.append(queue.popleft())
    return batch


@dataclass
class Encoder:
    """The neural encoder at a design SNR (SNR-adaptive models shape the code for it).

    ``allocator`` (rate-adaptive codecs only): (images, SNR dB, codec) -> depth maps, the share of
    the code each image and concept sends (``semjscc.semantic.allocation``); without one every
    group is sent and no map travels.
    """

    model: LinkCodec
    snr_db: float = 10.0
    allocator: Optional[Callable] = None

    def __post_init__(self):
        if self.allocator is not None and not self.model.codec.allocates:
            raise ValueError(f"{self.model.name} codes every image at one rate: it cannot take a rate allocation")

    def encode_pieces(self, batch: list) -> Iterator[tuple]:
        """(SymbolBatch, symbols) as they are made: each tile of a tiled image on its own (a piece: its
        ``offset`` says where it goes), so its frames can leave while the next tile is encoded; else the whole
        batch at once (:meth:`encode`)."""
        height, width = padded_size(batch[0][1].shape[0]), padded_size(batch[0][1].shape[1])
        codec = self.model.codec
        if self.allocator is not None or not getattr(codec, "streams_tiles", False) or \
                not is_tiled(height // DOWNSAMPLE, width // DOWNSAMPLE):
            yield self.encode(batch)
            return
        total, snr_db = symbol_count(height, width, codec.k_over_n), self.snr_db  # one SNR for the whole image
        for meta, image in batch:
            offset = 0
            with torch.inference_mode():
                for tile in codec.encode_tiles(self._tensor([image]), snr_db):
                    symbols = tile.cpu().numpy().astype(np.complex64)
                    yield self._described([(meta, image)], total, snr_db, offset), symbols
                    offset += symbols.shape[1]

    def _tensor(self, images: list) -> torch.Tensor:
        # bytes cross to the device, not floats; the NHWC->NCHW view is channels-last, as the weights are
        images = np.stack([pad_to_multiple(image) for image in images])
        return torch.from_numpy(images).to(self.model.device).permute(0, 3, 1, 2).float().div_(255.0)

    def _described(self, batch: list, symbols_per_image: int, snr_db: float, offset: int = 0,
                   **allocation) -> SymbolBatch:
        first_meta, first_image = batch[0]
        return SymbolBatch(model_id=self.model.wire_id, first_id=int(first_meta["image_id"]), count=len(batch),
                           height=first_image.shape[0], width=first_image.shape[1],
                           symbols_per_image=max(symbols_per_image, 1), tx_snr_db=float(snr_db),
                           flags=self.model.flags, offset=offset, **allocation)

    def encode(self, batch: list):
        """(SymbolBatch, complex64 symbols (count, n), or all images' sent symbols one after the other
        with an allocation) for a batch of (image meta, image) from ``take_batch``."""
        tensor = self._tensor([image for _, image in batch])
        allocation = {}
        # an allocator may take gradients (the task network's importance): it runs outside inference mode
        depth = None if self.allocator is None else self.allocator(tensor, self.snr_db, self.model.codec)
        with torch.inference_mode():
            if depth is None:
                symbols = self.model.codec.encode(tensor, self.snr_db).cpu().numpy().astype(np.complex64)
            else:
                full = self.model.codec.encode(tensor, self.snr_db, depth)
                sent = self.model.codec.symbol_mask(depth)
                symbols = full[sent].cpu().numpy().astype(np.complex64)
                lengths = sent.sum(dim=1).tolist()
                allocation = {"allocation": b"".join(pack_map(d) for d in depth.cpu().numpy()).hex(),
                              "lengths": ",".join(map(str, lengths))}
        per_image = max(int(n) for n in allocation["lengths"].split(",")) if allocation else symbols.shape[1]
        return self._described(batch, per_image, self.snr_db, **allocation), symbols


def frames(batch: SymbolBatch, symbols: np.ndarray, profile: LinkProfile) -> list:
    """(FrameMeta, frame symbols) for every frame of a batch: small images share frames, large ones span several;
    with an allocation each frame's payload starts with the map of the images it carries."""
    symbols = np.asarray(symbols, dtype=np.complex64).reshape(-1)
    lengths = batch.image_lengths()
    if len(symbols) != sum(lengths):
        raise ValueError(f"{len(symbols)} symbols do not make {batch.count} images of {lengths}")
    if batch.allocation:
        entries = split_entries(bytes.fromhex(batch.allocation))
        if len(entries) != batch.count:
            raise ValueError(f"{len(entries)} allocation entries for {batch.count} images")
        slots = plan_allocated_frames(lengths, [len(entry) for entry in entries], profile.max_payload)
    else:
        entries, slots = [], plan_frames(batch.count, batch.symbols_per_image, profile.max_payload)
    return [_frame(batch, slot, b"".join(entries[slot.first_image:slot.first_image + slot.image_count]),
                   symbols[slot.start:slot.stop], profile) for slot in slots]


def _frame(batch: SymbolBatch, slot, allocation: bytes, symbols: np.ndarray, profile: LinkProfile) -> tuple:
    payload = np.concatenate([side_info_symbols(allocation), symbols])
    meta = FrameMeta(model_id=batch.model_id, image_id=wrap_id(batch.first_id + slot.first_image),
                     height=batch.height, width=batch.width, payload_length=len(payload),
                     chunk_index=slot.chunk_index, chunk_count=slot.chunk_count, image_count=slot.image_count,
                     flags=batch.flags, map_length=len(allocation))
    return meta, profile.air.frame(meta.to_header(), payload)


class StreamFramer:
    """Frames symbol batches as they come, an image sent in pieces (:meth:`Encoder.encode_pieces`) included: each
    of its frames leaves as soon as its symbols are all in, so no more than a piece and a frame is held.

    Pieces of one image come in order; one that does not follow raises ValueError, and an image left open by a
    new one (its other pieces lost upstream) is counted in ``incomplete``: the receiver drops it for its
    missing chunks.
    """

    def __init__(self, profile: LinkProfile):
        self.profile = profile
        self.incomplete = 0
        self._open = None  # the image in pieces: its first piece's batch, its frame slots, the next slot
        self._held = np.zeros(0, dtype=np.complex64)  # its symbols not yet sent, the first being ``_held_from``
        self._held_from = self._received = self._next = 0

    def add(self, batch: SymbolBatch, symbols: np.ndarray) -> list:
        """(FrameMeta, frame symbols) of every frame completed by ``symbols`` of ``batch``."""
        symbols = np.asarray(symbols, dtype=np.complex64).reshape(-1)
        if batch.is_whole(len(symbols)):
            return frames(batch, symbols, self.profile)
        if not symbols.size or batch.count != 1 or batch.allocation or \
                batch.offset + len(symbols) > batch.symbols_per_image:
            raise ValueError(f"{len(symbols)} symbols at {batch.offset} are no piece of an image of "
                             f"{batch.symbols_per_image}")
        if batch.offset == 0:
            self.incomplete += self._open is not None
            self._open = (batch, plan_frames(1, batch.symbols_per_image, self.profile.max_payload))
            self._next, self._received, self._held_from, self._held = 0, 0, 0, symbols[:0]
        elif self._open is None or batch.offset != self._received or \
                replace(batch, offset=0) != self._open[0]:
            raise ValueError(f"a piece at symbol {batch.offset} of image {batch.first_id} does not follow the "
                             f"{self._received} symbols before it")
        first, slots = self._open
        self._held = np.concatenate([self._held, symbols])
        self._received += len(symbols)
        out = []
        while self._next < len(slots) and slots[self._next].stop <= self._received:
            slot = slots[self._next]
            out.append(_frame(first, slot, b"", self._held[slot.start - self._held_from:slot.stop - self._held_from],
                              self.profile))
            self._next += 1
        if out:  # what is sent is let go
            self._held = self._held[slots[self._next - 1].stop - self._held_from:].copy()
            self._held_from = slots[self._next - 1].stop
        if self._next == len(slots):
            self._open = None
        return out


def modulate(symbols: np.ndarray, profile: LinkProfile, amplitude: float) -> np.ndarray:
    """The frame's burst with zero guards, scaled to an RMS sample ``amplitude`` (guards excluded).

    Keep peaks below the radio's full scale: the peak-to-RMS ratio is about
    2.5 for RRC-shaped single carrier and 3.5 or more for OFDM (``semjscc bench papr``).
    """
    return (profile.air.burst(symbols) * np.float32(amplitude)).astype(np.complex64)


@dataclass
class Transmitter:
    """The whole transmitting chain offline: what ``jscc_tx`` does in a flowgraph, with the same results."""

    encoder: Encoder
    profile: LinkProfile = LinkProfile()
    amplitude: float = 0.3
    max_batch: int = 16

    def transmit(self, images: list, first_id: int = 0) -> list:
        """(FrameMeta, burst samples) for every frame that sends ``images`` (HxWx3 uint8), ids from ``first_id``."""
        queue = collections.deque(({"image_id": first_id + i}, np.asarray(image, dtype=np.uint8))
                                  for i, image in enumerate(images))
        bursts, framer = [], StreamFramer(self.profile)
        while queue:
            for batch, symbols in self.encoder.encode_pieces(take_batch(queue, self.max_batch)):
                bursts += [(meta, modulate(frame, self.profile, self.amplitude))
                           for meta, frame in framer.add(batch, symbols)]
        return bursts
