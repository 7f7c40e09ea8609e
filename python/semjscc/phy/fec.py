"""Header forward error correction: rate-1/2 K=7 convolutional code (133, 171 octal) and repetition.

The header is short (144 bits), so a soft-decision Viterbi decoder vectorised
over the 64 states is fast enough in numpy.
"""

import numpy as np

CONSTRAINT = 7
POLYNOMIALS = (0o133, 0o171)
STATES = 1 << (CONSTRAINT - 1)


def _parity(value: np.ndarray) -> np.ndarray:
    value = value.copy()
    result = np.zeros_like(value)
    while value.any():
        result ^= value & 1
        value >>= 1
    return result


# For state s (the last 6 input bits, newest in the MSB) and input bit b:
# register = b<<6 | s, next state = register >> 1, outputs = parity(register & poly).
_REGISTERS = (np.arange(2)[:, None] << (CONSTRAINT - 1)) | np.arange(STATES)[None, :]
_NEXT_STATE = _REGISTERS >> 1
_OUTPUTS = np.stack([_parity(_REGISTERS & poly) for poly in POLYNOMIALS], axis=-1)  # (bit, state, 2)


_TAPS = [np.array([(poly >> (CONSTRAINT - 1 - i)) & 1 for i in range(CONSTRAINT)]) for poly in POLYNOMIALS]


def conv_encode(bits: np.ndarray) -> np.ndarray:
    """Encode and terminate with K-1 zero tail bits: 2 * (len + 6) coded bits.

    Each output stream is the input convolved (mod 2) with its generator, MSB = newest bit.
    """
    bits = np.concatenate([np.asarray(bits, dtype=np.int64), np.zeros(CONSTRAINT - 1, dtype=np.int64)])
    streams = [np.convolve(bits, taps)[: len(bits)] & 1 for taps in _TAPS]
    return np.stack(streams, axis=1).reshape(-1).astype(np.int8)


# Butterfly: next state n = (b << 5) | (s >> 1) comes from s = ((n & 31) << 1) | j, j in {0, 1}, b = n >> 5.
_NEXT = np.arange(STATES)
_PREV = (((_NEXT & (STATES // 2 - 1)) << 1)[:, None] | np.arange(2)[None, :])  # (next, j)
_INPUT = _NEXT >> (CONSTRAINT - 2)


def viterbi_decode(soft: np.ndarray) -> np.ndarray:
    """Soft-decision Viterbi: ``soft`` > 0 means bit 0 (BPSK: bit b -> 1 - 2b); returns the data bits."""
    soft = np.asarray(soft, dtype=np.float64).reshape(-1, 2)
    steps = len(soft)
    signs = 1.0 - 2.0 * _OUTPUTS[_INPUT[:, None], _PREV]  # (next, j, 2): the symbols each branch expects
    branch = np.einsum("njc,tc->tjn", signs, soft)  # (time, j, next)
    first, second = _PREV[:, 0], _PREV[:, 1]
    metric = np.full(STATES, -1e30)
    metric[0] = 0.0
    choices = np.empty((steps, STATES), dtype=bool)
    for t in range(steps):
        from_first = metric[first] + branch[t, 0]
        from_second = metric[second] + branch[t, 1]
        np.greater(from_second, from_first, out=choices[t])
        metric = np.maximum(from_first, from_second)
    state, bits = 0, np.empty(steps, dtype=np.int8)
    for t in range(steps - 1, -1, -1):
        bits[t] = _INPUT[state]
        state = _PREV[state, int(choices[t, state])]
    return bits[: steps - (CONSTRAINT - 1)]


def repeat(symbols: np.ndarray, factor: int) -> np.ndarray:
    """The whole block ``factor`` times, so repeats lie far apart and neighbours stay uncorrelated.

    (Adjacent copies would make the header a poor training sequence for the
    equaliser, which then mis-equalises the i.i.d.-like payload.)
    """
    return np.tile(symbols, factor)


def combine_repeats(soft: np.ndarray, factor: int) -> np.ndarray:
    """Maximum-ratio combine the ``factor`` copies of each soft value."""
    return np.asarray(soft).reshape(factor, -1).sum(axis=0)
