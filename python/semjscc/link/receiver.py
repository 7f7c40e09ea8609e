"""The receiving end of the image link: samples -> frames -> equalised symbols -> images.

- :class:`Demodulator`: matched-filtered samples in, equalised frames out
  (synchroniser + payload equaliser; the ``frame_sync`` and ``equalizer``
  blocks are its two halves);
- :class:`Receiver`: frames in, images out: splits frames shared by several
  images, reassembles images that span frames, checks sizes against the
  codec, decodes in batches with each image's SNR, crops the padding and runs
  the receiver's task network (the ``jscc_decoder`` block around it adds only
  the queue and the worker thread).  A digital codec's image whose codeword
  failed is delivered as the mean image, marked ``lost`` and counted in ``lost``.

Every frame and image handed in is either delivered or counted in ``dropped``
under a reason, and what the air can make it hold is bounded: images larger
than ``max_pixels`` or chunked other than the profile would chunk them are
refused before anything is stored, at most ``max_pending`` images wait for
chunks, and ids seen in the last few frames are dropped as ``duplicate``.  The SNR the
decoder is told is clamped to the model's training range.

A photograph coded in tiles (``codec.tiling``) is decoded as it arrives: once the rows of tiles that a band
and its halo need are in, ``accept`` hands the band to ``decode`` too (an item whose meta has ``tile_rows``),
which keeps its pixels until the image is complete and then decodes only the rest; ``on_band`` (if set) gets
each early band at once, (image meta with ``band_top``, rows x width x 3 uint8 pixels), for a live display.
Bands are extra work that may be skipped (a full queue drops them first): the complete image decodes whatever
no band covered.
"""

import collections
import math

import numpy as np
import torch

from semjscc.codec.bandwidth import DOWNSAMPLE, padded_size, symbol_count
from semjscc.codec import tiling
from semjscc.codec.tiling import decodable_tile_rows, is_tiled, tile_row_count
from semjscc.data.images import MAX_PIXELS
from semjscc.link.allocation import split_entries, unpack_map
from semjscc.link.meta import FrameMeta, wrap_id
from semjscc.link.models import LinkCodec
from semjscc.link.profile import LinkProfile
from semjscc.link.reassembly import Reassembler
from semjscc.phy.frame import plan_allocated_frames, plan_frames
from semjscc.phy.side_info import read_side_info, side_info_length
from semjscc.phy.sync import RxFrame
from semjscc.semantic.task_models import predict

DEFAULT_SNR_DB = 10.0  # a frame whose SNR nobody estimated is decoded as if at this SNR
EARLY_BANDS_KEPT = 4  # images whose early-decoded bands are kept at once (an image given up leaves its bands here)
DUPLICATE_FRAMES = 16  # an (image, chunk) id seen again within this many frames is a duplicate; later, a new image


def synced_frame(frame: RxFrame) -> tuple:
    """(FrameMeta, payload) of a frame the synchroniser found, with what it measured."""
    meta = FrameMeta.from_header(frame.header, start=int(frame.start), cfo=frame.cfo,
                                 preamble_corr=frame.preamble_corr, training_snr_db=frame.training_snr_db,
                                 training_count=frame.training_count)
    return meta, frame.payload


def equalize_frame(meta: FrameMeta, payload: np.ndarray, profile: LinkProfile, smoothing: int = 31) -> tuple:
    """(FrameMeta with ``snr_est_db`` and ``channel_gain``, data symbols) of a synced frame."""
    return profile.air.equalize(meta, payload, smoothing)


class Demodulator:
    """Received samples in (any chunking; matched-filtered in single-carrier mode), equalised frames out:
    ``push`` returns (FrameMeta, data)."""

    def __init__(self, profile: LinkProfile = LinkProfile(), threshold: float = 0.3, smoothing: int = 31):
        self.profile = profile
        self.smoothing = smoothing
        self.sync = profile.air.synchronizer(threshold)

    def push(self, samples: np.ndarray) -> list:
        return [equalize_frame(*synced_frame(frame), self.profile, self.smoothing)
                for frame in self.sync.push(samples)]


def take_same_size(queue: collections.deque, max_batch: int) -> list:
    """The head of ``queue`` and the images right behind it of the same size, at most ``max_batch``."""
    batch = [queue.popleft()]
    size = (batch[0][0]["height"], batch[0][0]["width"])
    alone = "tile_rows" in batch[0][0] or "tile_rows" in (queue[0][0] if queue else {})
    while queue and not alone and len(batch) < max_batch and (queue[0][0]["height"], queue[0][0]["width"]) == size:
        batch.append(queue.popleft())
    return batch


class Receiver:
    """Equalised frames in, decoded images out.

    ``accept`` returns the images a frame completes, as (image meta, (symbol, gain) pairs,
    SNR dB), ready for ``decode``; ``snr_override_db`` (not NaN) replaces the
    estimate at the decoder.  ``task`` is the receiver's classifier, if any: it
    labels the images of the size it was trained on.
    """

    def __init__(self, model: LinkCodec, task=None, max_pending: int = 16, snr_override_db: float = math.nan,
                 profile: LinkProfile = LinkProfile(), max_pixels: int = MAX_PIXELS):
        self.model = model
        self.task = task
        self.snr_override_db = float(snr_override_db)
        self.profile = profile
        self.max_pixels = int(max_pixels)
        self.reassembler = Reassembler(max_pending)
        self.recent = collections.OrderedDict()  # (image id, chunk) -> index of the frame that brought it
        self.frames = 0
        self.dropped = collections.Counter()
        self.images_in = 0  # distinct images announced by the frames accepted
        self.decoded = 0
        self.lost = collections.Counter()  # digital images delivered as the mean image, by reason
        self.bands_scheduled = {}  # image key -> rows of tiles handed to ``decode`` before the image was complete
        self.bands = collections.OrderedDict()  # image key -> {first row of tiles: (stop row, uint8 pixels)}
        self.early_tile_rows = 0  # rows of tiles decoded before their image's last frame came
        self.on_band = None  # called with (image meta + band_top, pixels) for each early band

    def _drop(self, reason: str, count: int = 1) -> list:
        self.dropped[reason] += count
        return []

    def _refuse(self, reason: str, images: int) -> list:
        """Images that came in and are dropped at once."""
        self.images_in += images
        return self._drop(reason, images)

    def expected_symbols(self, height: int, width: int) -> int:
        return symbol_count(padded_size(height), padded_size(width), self.model.codec.k_over_n)

    def _seen(self, key: tuple) -> bool:
        """Whether ``key`` (image id, chunk index) came within the last ``DUPLICATE_FRAMES`` frames.

        A frame heard twice (an echo, a replayed capture) comes right after itself; the same id much later
        is a transmitter that restarted its count, and is a new image.
        """
        duplicate = key in self.recent and self.frames - self.recent[key] <= DUPLICATE_FRAMES
        self.recent.pop(key, None)
        self.recent[key] = self.frames
        while self.recent and self.frames - next(iter(self.recent.values())) > DUPLICATE_FRAMES:
            self.recent.popitem(last=False)
        return duplicate

    def _shape_problem(self, meta: FrameMeta):
        """Why a frame cannot belong to an image this codec decodes (size, chunking), or None."""
        if meta.height * meta.width > self.max_pixels:
            return "image_too_large"
        per_image = self.expected_symbols(meta.height, meta.width)
        if meta.image_count > 1:
            return None if meta.payload_length == meta.image_count * per_image else "size_mismatch"
        slots = plan_frames(1, per_image, self.profile.max_payload)
        if meta.chunk_count != len(slots) or meta.payload_length != slots[meta.chunk_index].stop - \
                slots[meta.chunk_index].start:
            return "size_mismatch"
        return None

    def accept(self, meta: FrameMeta, symbols: np.ndarray) -> list:
        """The images ``meta``'s frame completes.  Each symbol travels with its channel gain (the frame's
        ``reliability``, OFDM; 1 otherwise) as a pair (symbols, gains) down to ``decode``."""
        self.frames += 1
        if (meta.flags, meta.model_id) != (self.model.flags, self.model.wire_id):
            return self._drop("model_mismatch")
        problem = "size_mismatch" if len(symbols) != meta.payload_length else None
        if problem is None and meta.map_length:
            problem = None if self.model.codec.allocates else "unexpected_allocation"
        elif problem is None:
            problem = self._shape_problem(meta)
        if problem:
            return self._refuse(problem, meta.image_count)
        snr = float(meta.reception.get("snr_est_db", DEFAULT_SNR_DB))
        if not math.isfinite(snr):
            return self._refuse("bad_snr_estimate", meta.image_count)
        gains = np.asarray(meta.reception.get("reliability", np.ones(len(symbols))), dtype=np.float32)
        if gains.shape != (len(symbols),) or not np.isfinite(gains).all():
            return self._refuse("bad_reliability", meta.image_count)
        symbols = np.stack([np.asarray(symbols, dtype=np.complex64), gains.astype(np.complex64)], axis=1)
        if meta.map_length:
            return self._accept_allocated(meta, symbols, snr)
        if meta.image_count > 1 or meta.chunk_count == 1:
            ready = []
            for image_id, part in zip(meta.image_ids(), np.split(np.asarray(symbols), meta.image_count)):
                if self._seen((image_id, 0)):
                    self._drop("duplicate")
                else:
                    self.images_in += 1
                    ready.append(self._ready(meta, image_id, part, snr))
            return ready
        if self._seen((meta.image_id, meta.chunk_index)):
            return self._drop("duplicate")
        done = self.reassembler.add(meta, np.asarray(symbols), snr)
        if done is None:
            return self._early_band(meta)
        self.bands_scheduled.pop(image_key(done[0]), None)
        return [self._ready(done[0], meta.image_id, done[1], done[2])]

    def _early_band(self, meta: FrameMeta) -> list:
        """The rows of tiles of a tiled image that its chunks so far let ``decode`` finish, not handed over yet."""
        codec = self.model.codec
        rows, columns = padded_size(meta.height) // DOWNSAMPLE, padded_size(meta.width) // DOWNSAMPLE
        if not getattr(codec, "streams_tiles", False) or not is_tiled(rows, columns):
            return []
        key = image_key(meta)
        values = 2 * self.reassembler.arrived_length(key)
        ready = decodable_tile_rows(rows, columns, codec.latent_channels, values)
        done = self.bands_scheduled.get(key, 0)
        if ready <= done:
            return []
        self.bands_scheduled[key] = ready
        first, symbols, snr = self.reassembler.arrived_prefix(key)
        image, symbols, snr = self._ready(first, meta.image_id, symbols, snr)
        return [(dict(image, tile_rows=(done, ready)), symbols, snr)]

    def _accept_allocated(self, meta: FrameMeta, pairs: np.ndarray, snr: float) -> list:
        """The images of a frame whose payload leads with their allocation map (rate-adaptive codecs)."""
        if meta.height * meta.width > self.max_pixels:
            return self._refuse("image_too_large", meta.image_count)
        head = side_info_length(meta.map_length)
        codec = self.model.codec
        try:
            entries = split_entries(read_side_info(pairs[:head, 0], meta.map_length))
            grid = codec.concepts(padded_size(meta.height), padded_size(meta.width))
            maps = [unpack_map(entry, grid, codec.groups) for entry in entries]
        except ValueError:  # a CRC failure, a malformed map, or an image size this codec cannot split
            return self._refuse("bad_allocation_map", meta.image_count)
        if len(maps) != meta.image_count:
            return self._refuse("bad_allocation_map", meta.image_count)
        lengths = codec.symbols_sent(torch.from_numpy(np.stack(maps))).tolist()
        body = pairs[head:]
        if meta.image_count > 1 or meta.chunk_count == 1:
            if len(body) != sum(lengths):
                return self._refuse("size_mismatch", meta.image_count)
            ready = []
            for image_id, part, entry in zip(meta.image_ids(), np.split(body, np.cumsum(lengths)[:-1]), entries):
                if self._seen((image_id, 0)):
                    self._drop("duplicate")
                else:
                    self.images_in += 1
                    ready.append(self._ready(meta, image_id, part, snr, entry))
            return ready
        slots = plan_allocated_frames(lengths, [len(entries[0])], self.profile.max_payload)
        slot = slots[meta.chunk_index] if meta.chunk_index < len(slots) else None
        if meta.chunk_count != len(slots) or len(body) != slot.stop - slot.start:
            return self._refuse("size_mismatch", 1)
        if self._seen((meta.image_id, meta.chunk_index)):
            return self._drop("duplicate")
        done = self.reassembler.add(meta, body, snr)
        return [] if done is None else [self._ready(done[0], meta.image_id, done[1], done[2], entries[0])]

    @staticmethod
    def _ready(meta: FrameMeta, image_id: int, symbols: np.ndarray, snr: float, allocation: bytes = b"") -> tuple:
        """(image meta, symbols, SNR dB) of a complete image, for ``decode``; an allocated image's meta holds
        its allocation entry (hex) and the bandwidth ratio it used."""
        image = {"image_id": wrap_id(image_id), "height": meta.height, "width": meta.width,
                 "model_id": meta.model_id, "chunk_count": meta.chunk_count, "snr_est_db": snr}
        if allocation:
            image.update(allocation=allocation.hex(), k_over_n=len(symbols) / (3 * meta.height * meta.width))
        if "rx_time" in meta.reception:
            image["rx_time"] = float(meta.reception["rx_time"])
        return image, symbols, snr

    def _full_length(self, batch: list, size: tuple) -> tuple:
        """(symbol and gain pairs at full length, depth maps or None): an allocated image's symbols go back
        to the places its map sent, zeros elsewhere; an image without a map used every group."""
        codec = self.model.codec
        if not codec.allocates:
            return np.stack([symbols for _, symbols, _ in batch]), None
        grid = codec.concepts(*size)
        depth = torch.from_numpy(np.stack([
            unpack_map(bytes.fromhex(meta["allocation"]), grid, codec.groups) if "allocation" in meta
            else np.full(grid, codec.groups) for meta, _, _ in batch]))
        sent = codec.symbol_mask(depth).numpy()
        pairs = np.zeros(sent.shape + (2,), dtype=np.complex64)
        for index, (_, symbols, _) in enumerate(batch):
            pairs[index, sent[index]] = symbols
        return pairs, depth

    def decode(self, batch: list) -> list:
        """(image meta, HxWx3 uint8 pixels) for images of one size from ``take_same_size``."""
        if any(self._banded(meta) for meta, _, _ in batch):
            return [image for item in batch
                    for image in (self._decode_tiled(item) if self._banded(item[0]) else self.decode([item]))]
        height, width = batch[0][0]["height"], batch[0][0]["width"]
        snrs = [self.model.clamp_snr(snr if math.isnan(self.snr_override_db) else self.snr_override_db)
                for _, _, snr in batch]
        size = (padded_size(height), padded_size(width))
        pairs, depth = self._full_length(batch, size)
        tensor = torch.from_numpy(np.ascontiguousarray(pairs[..., 0])).to(self.model.device)
        gains = torch.from_numpy(np.ascontiguousarray(pairs[..., 1].real)).to(self.model.device)
        extra = {} if depth is None else {"depth": depth.to(self.model.device)}
        with torch.inference_mode():
            images, losses = self.model.codec.decode_images(tensor, size, torch.tensor(snrs), gains, **extra)
            images = images.clamp(0, 1)
            pixels = (images * 255).round().byte()
            classify = self.task is not None and (height, width) == tuple(self.task.input_size)
            if classify:
                predicted, confidence = predict(self.task, pixels[:, :, :height, :width].float().div(255))
        pixels = pixels.permute(0, 2, 3, 1).cpu().numpy()[:, :height, :width]
        decoded = []
        for index, (meta, _, _) in enumerate(batch):
            meta = dict(meta, decoder_snr_db=snrs[index], decoder=self.model.name)
            if losses[index]:
                meta["lost"] = losses[index]
                self.lost[losses[index]] += 1
            if classify:
                meta.update(predicted_class=int(predicted[index]), confidence=float(confidence[index]))
            decoded.append((meta, np.ascontiguousarray(pixels[index])))
        self.decoded += len(decoded)
        return decoded

    def _banded(self, meta: dict) -> bool:
        """An early band, or a complete image some of whose bands were decoded early."""
        return "tile_rows" in meta or image_key(meta) in self.bands

    def _decode_tiled(self, item: tuple) -> list:
        """An early band (kept, nothing delivered), or a complete image some of whose bands were decoded early."""
        meta, symbols, snr = item
        key, size = image_key(meta), (padded_size(meta["height"]), padded_size(meta["width"]))
        snr = self.model.clamp_snr(snr if math.isnan(self.snr_override_db) else self.snr_override_db)
        full = np.zeros((1, symbol_count(*size, self.model.codec.k_over_n), 2), dtype=np.complex64)
        full[0, :len(symbols)] = symbols
        if "tile_rows" in meta:
            first, stop = meta["tile_rows"]
            band = self._decode_band(key, full, size, snr, first, stop)
            self.early_tile_rows += stop - first
            if self.on_band is not None:
                top = first * tiling.TILE * DOWNSAMPLE
                band_meta = {k: v for k, v in meta.items() if k != "tile_rows"}
                self.on_band(dict(band_meta, band_top=top, decoder_snr_db=snr, decoder=self.model.name),
                             np.ascontiguousarray(band[:max(meta["height"] - top, 0), :meta["width"]]))
            return []
        kept, parts, row = self.bands.pop(key), [], 0
        for first, (stop, band) in sorted(kept.items()) + [(tile_row_count(size[0] // DOWNSAMPLE), (None, None))]:
            if first > row:  # rows no early band covered (or one that a full queue dropped)
                parts.append(self._band_pixels(full, size, snr, row, first))
            if band is not None and first >= row:
                parts.append(band)
                row = stop
        pixels = np.concatenate(parts, axis=0)[:meta["height"], :meta["width"]]
        self.decoded += 1
        return [(dict(meta, decoder_snr_db=snr, decoder=self.model.name), np.ascontiguousarray(pixels))]

    def _decode_band(self, key: tuple, full: np.ndarray, size: tuple, snr: float, first: int, stop: int):
        kept = self.bands.setdefault(key, {})
        kept[first] = (stop, self._band_pixels(full, size, snr, first, stop))
        while len(self.bands) > EARLY_BANDS_KEPT:
            self.bands.popitem(last=False)
        return kept[first][1]

    def _band_pixels(self, full: np.ndarray, size: tuple, snr: float, first: int, stop: int) -> np.ndarray:
        """HxWx3 uint8 pixels of the rows of tiles ``first`` .. ``stop`` - 1."""
        tensor = torch.from_numpy(np.ascontiguousarray(full[..., 0])).to(self.model.device)
        gains = torch.from_numpy(np.ascontiguousarray(full[..., 1].real)).to(self.model.device)
        with torch.inference_mode():
            band = self.model.codec.decode_tile_rows(tensor, size, range(first, stop), torch.tensor([snr]), gains)
            return (band.clamp(0, 1) * 255).round().byte()[0].permute(1, 2, 0).cpu().numpy()

    def flush(self) -> int:
        """End of stream: images still missing chunks are lost; returns how many."""
        self.bands.clear()
        self.bands_scheduled.clear()
        return self.reassembler.flush()

    def counters(self) -> dict:
        """``images_in`` = ``images_decoded`` + images dropped (all but ``model_mismatch``, a frame count)
        + images waiting for chunks or for the decoder."""
        return {"images_in": self.images_in + self.reassembler.started, "images_decoded": self.decoded,
                "images_pending": len(self.reassembler.pending),
                "dropped": {**self.dropped, "missing_chunks": self.reassembler.lost}, "lost": dict(self.lost),
                "early_tile_rows": self.early_tile_rows}


def image_key(meta) -> tuple:
    """(image id, chunk count, height, width) of a frame's or an image's meta: one image in reassembly."""
    if isinstance(meta, FrameMeta):
        return meta.image_id, meta.chunk_count, meta.height, meta.width
    return meta["image_id"], meta["chunk_count"], meta["height"], meta["width"]
