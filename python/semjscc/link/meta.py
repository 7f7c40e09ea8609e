"""What travels with the symbols: the one place that knows the header fields, the PDU keys and the id wrap.

Three kinds of PDU cross the blocks, each described here:

- image PDUs (source -> encoder, decoder -> sink): uint8 pixels (H*W*3) with ``image_id``, ``height``,
  ``width`` (from the source also ``label``, ``name``; from the decoder ``model_id``, ``chunk_count``,
  ``snr_est_db``, ``decoder_snr_db`` and, with a task network, ``predicted_class``, ``confidence``);
- a symbol batch (encoder -> framer): :class:`SymbolBatch`, the code of ``count`` equal-size images;
- frame PDUs (framer -> modulator, synchroniser -> equaliser -> decoder): :class:`FrameMeta`, the
  header's fields plus what the receiver measured on the way (``reception``).

Image ids go on air in :data:`IMAGE_ID_BITS` bits and wrap; :func:`wrap_id` is the only place that wraps.
"""

from dataclasses import asdict, dataclass, field, fields

import numpy as np

from semjscc.data.images import MAX_PIXELS
from semjscc.phy.header import Header

IMAGE_ID_BITS = 32
MODEL_ID_BITS = 16
MAX_IMAGE_SYMBOLS = 3 * MAX_PIXELS  # an image of the largest size at k/n 1


def wrap_id(image_id: int) -> int:
    """An image id as the header carries it."""
    return int(image_id) % (1 << IMAGE_ID_BITS)


def image_from_pdu(meta: dict, pixels: np.ndarray) -> np.ndarray:
    """The HxWx3 uint8 image an image PDU carries; ValueError/KeyError/TypeError for a malformed one."""
    height, width = int(meta["height"]), int(meta["width"])
    int(meta["image_id"])
    if height < 1 or width < 1:
        raise ValueError(f"image size {height}x{width} is empty")
    if np.asarray(pixels).dtype != np.uint8:
        raise ValueError(f"image PDUs carry uint8 pixels, not {np.asarray(pixels).dtype}")
    return np.asarray(pixels).reshape(height, width, 3)


def wire_model_id(uid: str) -> int:
    """The header's model field for a model identity (``store.checkpoint.weights_id``)."""
    return int(uid, 16) % (1 << MODEL_ID_BITS)


@dataclass(frozen=True)
class SymbolBatch:
    """``count`` equal-size images coded together: ids ``first_id`` .. ``first_id + count - 1``."""

    model_id: int
    first_id: int
    count: int
    height: int  # the images' size before padding to the codec's multiple
    width: int
    symbols_per_image: int
    tx_snr_db: float
    flags: int = 0  # the header's flags (``DIGITAL_FLAG``: LDPC-coded QAM, not analog symbols)
    allocation: str = ""  # rate-adaptive codecs: each image's allocation entry (``link.allocation``), in hex
    lengths: str = ""  # ... and the symbols each image sends, comma-separated (``symbols_per_image`` is the most)
    offset: int = 0  # a piece of one image's symbols (a tiled image streamed tile by tile): the symbols before it

    def image_lengths(self) -> list:
        return [int(n) for n in self.lengths.split(",")] if self.lengths else [self.symbols_per_image] * self.count

    def is_whole(self, symbols: int) -> bool:
        """Whether ``symbols`` symbols are the whole batch rather than a piece of its one image."""
        return self.offset == 0 and symbols == sum(self.image_lengths())

    def to_pdu(self) -> dict:
        return asdict(self)

    @classmethod
    def from_pdu(cls, values: dict) -> "SymbolBatch":
        batch = cls(**{name: int(values[name]) for name in ("model_id", "first_id", "count", "height", "width",
                                                            "symbols_per_image")},
                    tx_snr_db=float(values["tx_snr_db"]), flags=int(values.get("flags", 0)),
                    allocation=str(values.get("allocation", "")), lengths=str(values.get("lengths", "")),
                    offset=int(values.get("offset", 0)))
        if batch.count < 1 or batch.symbols_per_image < 1:
            raise ValueError(f"a batch of {batch.count} images of {batch.symbols_per_image} symbols is empty")
        if batch.symbols_per_image > MAX_IMAGE_SYMBOLS:
            raise ValueError(f"{batch.symbols_per_image} symbols per image exceed {MAX_IMAGE_SYMBOLS}")
        if not 0 <= batch.offset < batch.symbols_per_image or (batch.offset and (batch.count > 1 or batch.allocation)):
            raise ValueError(f"a piece at symbol {batch.offset} of {batch.count} images of "
                             f"{batch.symbols_per_image} symbols (pieces are of one image, without an allocation)")
        if len(batch.image_lengths()) != batch.count or bool(batch.allocation) != bool(batch.lengths):
            raise ValueError(f"a batch of {batch.count} images needs as many lengths with its allocation")
        return batch


@dataclass(frozen=True)
class FrameMeta:
    """A frame's header fields, and what the receiver measured of it (``reception``: start, CFO, SNR ...)."""

    model_id: int
    image_id: int
    height: int
    width: int
    payload_length: int
    chunk_index: int = 0
    chunk_count: int = 1
    image_count: int = 1
    flags: int = 0
    map_length: int = 0  # bytes of allocation map leading the payload (rate-adaptive codecs)
    reception: dict = field(default_factory=dict, compare=False)

    def to_header(self) -> Header:
        return Header(model_id=self.model_id, image_id=wrap_id(self.image_id), chunk_index=self.chunk_index,
                      chunk_count=self.chunk_count, payload_length=self.payload_length, height=self.height,
                      width=self.width, image_count=self.image_count, flags=self.flags, map_length=self.map_length)

    @classmethod
    def from_header(cls, header: Header, **reception) -> "FrameMeta":
        return cls(model_id=header.model_id, image_id=header.image_id, height=header.height, width=header.width,
                   payload_length=header.payload_length, chunk_index=header.chunk_index,
                   chunk_count=header.chunk_count, image_count=header.image_count, flags=header.flags,
                   map_length=header.map_length, reception=dict(reception))

    def to_pdu(self) -> dict:
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "reception"}
        return {**self.reception, **values}

    @classmethod
    def from_pdu(cls, values: dict) -> "FrameMeta":
        """From a frame PDU's metadata; ValueError (or KeyError) when a header field is missing or impossible."""
        header_fields = [f.name for f in fields(cls) if f.name != "reception"]
        meta = cls(**{name: int(values[name]) for name in header_fields if name in values or name in
                      ("model_id", "image_id", "height", "width", "payload_length")},
                   reception={k: v for k, v in values.items() if k not in header_fields})
        problem = meta.to_header().problem()
        if problem:
            raise ValueError(problem)
        return meta

    def with_reception(self, **values) -> "FrameMeta":
        return FrameMeta(**{f.name: getattr(self, f.name) for f in fields(self) if f.name != "reception"},
                         reception={**self.reception, **values})

    def image_ids(self) -> list:
        """The ids of the images this frame carries (one, or ``image_count`` sharing it), as on air."""
        return [wrap_id(self.image_id + offset) for offset in range(self.image_count)]
