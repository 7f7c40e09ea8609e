"""PDU helpers: (metadata dict, numpy vector) <-> pmt pair."""

import numpy as np
import pmt

_MAKERS = {
    np.dtype(np.complex64): pmt.init_c32vector,
    np.dtype(np.uint8): pmt.init_u8vector,
    np.dtype(np.float32): pmt.init_f32vector,
}


def make_pdu(meta: dict, vector: np.ndarray):
    vector = np.ascontiguousarray(vector)
    if vector.dtype not in _MAKERS:
        raise TypeError(f"no PDU vector type for {vector.dtype}")
    return pmt.cons(pmt.to_pmt(meta), _MAKERS[vector.dtype](len(vector), vector))


def parse_pdu(msg):
    """(meta dict, numpy array) from a PDU; ValueError for anything else."""
    if not pmt.is_pair(msg) or not pmt.is_uniform_vector(pmt.cdr(msg)):
        raise ValueError("message is not a PDU (pair of metadata and uniform vector)")
    meta = pmt.to_python(pmt.car(msg)) or {}
    return dict(meta), np.asarray(pmt.to_python(pmt.cdr(msg)))


def make_dict(values: dict):
    return pmt.to_pmt(values)
