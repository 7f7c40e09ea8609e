"""PDU helpers: (metadata dict, numpy vector) <-> pmt pair.

The vectors go through PMT's serialised form (the format GNU Radio uses for
messages over ZeroMQ) rather than ``pmt.init_*vector`` / ``pmt.to_python``,
which convert element by element: a 20k-sample burst costs ~3 ms that way and
~0.2 ms this way.  The layout of a serialised uniform vector is one type byte
(0x0a), the element tag, a big-endian uint32 length, a pad count and the pad
bytes, then the elements big-endian.  Anything else falls back to the
element-wise path, so a PMT version with another layout is slower, not wrong.
The metadata dicts are flat (numbers and strings): converting those directly
is twice as fast as the generic ``pmt.to_pmt`` / ``pmt.to_python``.
"""

import struct

import numpy as np
import pmt

from semjscc.link.timing import split_seconds

_UNIFORM_VECTOR = 0x0A
# element tag in the serialised form, big-endian dtype, element-wise constructor
_VECTOR_TYPES = {
    np.dtype(np.uint8): (0x00, np.dtype(">u1"), pmt.init_u8vector),
    np.dtype(np.float32): (0x08, np.dtype(">f4"), pmt.init_f32vector),
    np.dtype(np.complex64): (0x0A, np.dtype(">c8"), pmt.init_c32vector),
}
_BY_TAG = {tag: (np.dtype(native), big) for native, (tag, big, _) in _VECTOR_TYPES.items()}


def to_uvector(vector: np.ndarray):
    """A PMT uniform vector holding ``vector`` (uint8, float32 or complex64)."""
    vector = np.ascontiguousarray(vector).reshape(-1)
    if vector.dtype not in _VECTOR_TYPES:
        raise TypeError(f"no PDU vector type for {vector.dtype}")
    tag, big_endian, _ = _VECTOR_TYPES[vector.dtype]
    head = struct.pack(">BBIBB", _UNIFORM_VECTOR, tag, len(vector), 1, 0)
    return pmt.deserialize_str(head + vector.astype(big_endian, copy=False).tobytes())


def from_uvector(uvector) -> np.ndarray:
    """The elements of a PMT uniform vector as a native-endian numpy array (a copy)."""
    data = pmt.serialize_str(uvector)
    if len(data) >= 7 and data[0] == _UNIFORM_VECTOR and data[1] in _BY_TAG:
        native, big_endian = _BY_TAG[data[1]]
        (length,) = struct.unpack_from(">I", data, 2)
        offset = 7 + data[6]
        if len(data) == offset + length * big_endian.itemsize:
            return np.frombuffer(data, big_endian, length, offset).astype(native)
    return np.asarray(pmt.to_python(uvector))


def _to_pmt(value):
    if isinstance(value, bool):
        return pmt.from_bool(value)
    if isinstance(value, (int, np.integer)):
        return pmt.from_long(int(value))
    if isinstance(value, (float, np.floating)):
        return pmt.from_double(float(value))
    if isinstance(value, str):
        return pmt.intern(value)
    return pmt.to_pmt(value)


def _to_python(value):
    if pmt.is_integer(value):
        return pmt.to_long(value)
    if pmt.is_real(value):
        return pmt.to_double(value)
    if pmt.is_bool(value):
        return pmt.to_bool(value)
    if pmt.is_symbol(value):
        return pmt.symbol_to_string(value)
    return pmt.to_python(value)


def make_dict(values: dict):
    """A PMT dict with symbol keys (nested values go through ``pmt.to_pmt``)."""
    result = pmt.make_dict()
    for key, value in values.items():
        result = pmt.dict_add(result, pmt.intern(key), _to_pmt(value))
    return result


def dict_to_python(value) -> dict:
    """The inverse of ``make_dict``; an empty dict for PMT nil."""
    if not pmt.is_dict(value):
        if pmt.is_null(value):
            return {}
        raise ValueError("PDU metadata is not a dict")
    items = pmt.dict_items(value)
    pairs = (pmt.nth(i, items) for i in range(pmt.length(items)))
    return {_to_python(pmt.car(pair)): _to_python(pmt.cdr(pair)) for pair in pairs}


def make_pdu(meta: dict, vector: np.ndarray):
    return pmt.cons(make_dict(meta), to_uvector(vector))


def with_tx_time(pdu, seconds: float):
    """``pdu`` with a ``tx_time`` entry (uint64 seconds, double fraction): ``pdu_to_stream`` then tags its burst
    for the UHD sink, which sends it at that time on the device's clock."""
    whole, fraction = split_seconds(seconds)
    stamp = pmt.make_tuple(pmt.from_uint64(whole), pmt.from_double(fraction))
    return pmt.cons(pmt.dict_add(pmt.car(pdu), pmt.intern("tx_time"), stamp), pmt.cdr(pdu))


def time_tag_seconds(value) -> tuple:
    """(whole, fraction) of an ``rx_time``/``tx_time`` tag value; ValueError for anything else."""
    if not pmt.is_tuple(value) or pmt.length(value) < 2:
        raise ValueError("a time tag is a tuple (uint64 seconds, double fraction)")
    whole, fraction = pmt.tuple_ref(value, 0), pmt.tuple_ref(value, 1)
    if not pmt.is_integer(whole) and not pmt.is_uint64(whole) or not pmt.is_real(fraction):
        raise ValueError("a time tag is a tuple (uint64 seconds, double fraction)")
    return (pmt.to_uint64(whole) if pmt.is_uint64(whole) else pmt.to_long(whole)), pmt.to_double(fraction)


def make_stats_pdu(counters: dict):
    """A block's counters as a PDU (metadata: ``{block name: counters}``, an empty u8 vector), so stock PDU
    blocks (Message Debug, PDU filters, ZeroMQ message sinks) can take the ``stats`` port."""
    return make_pdu(counters, np.zeros(0, np.uint8))


def parse_pdu(msg):
    """(meta dict, numpy array) from a PDU; ValueError for anything else."""
    if not pmt.is_pair(msg) or not pmt.is_uniform_vector(pmt.cdr(msg)):
        raise ValueError("message is not a PDU (pair of metadata and uniform vector)")
    return dict_to_python(pmt.car(msg)), from_uvector(pmt.cdr(msg))
