"""The OFDM frame: the same header and payload as the single-carrier one, on subcarriers.

| STF | CP, LTF x2 | header symbols | payload symbols (a training symbol after every
``training_interval`` of them, and one closing the frame) |

Everything after the preamble is a resource grid of rows (OFDM symbols) by
used subcarriers.  Header rows carry the conv-coded, whitened, repeated BPSK
header on their data subcarriers; payload rows carry the JSCC symbols in
order (symbol i -> data subcarrier i mod data_carriers); every header and
payload row has PN pilots on its pilot subcarriers; training rows repeat the
LTF (the channel is re-estimated there, so it may change over the frame);
unused data subcarriers of the last rows are filled with known symbols.
"""

import math

import numpy as np

from semjscc.phy import fec
from semjscc.phy.frame import header_whitening
from semjscc.phy.header import HEADER_BITS, Header
from semjscc.phy.ofdm.numerology import OfdmConfig


def header_coded_symbols(config: OfdmConfig) -> int:
    return 2 * (HEADER_BITS + fec.CONSTRAINT - 1) * config.header_repetition


def header_rows(config: OfdmConfig) -> int:
    return -(-header_coded_symbols(config) // config.data_carriers)


def payload_training(length: int, config: OfdmConfig) -> np.ndarray:
    """For each payload row of a frame with ``length`` data symbols: whether it is a training row."""
    data_rows = -(-length // config.data_carriers)
    interval = config.training_interval
    kinds = []
    for row in range(data_rows):
        kinds.append(False)
        if interval and (row + 1) % interval == 0 and row + 1 < data_rows:
            kinds.append(True)
    if interval:
        kinds.append(True)
    return np.array(kinds, dtype=bool)


def frame_rows(length: int, config: OfdmConfig) -> int:
    """Rows after the preamble: LTFs are not counted (they belong to the preamble)."""
    return header_rows(config) + len(payload_training(length, config))


def _filled(values: np.ndarray, rows: int, first_row: int, config: OfdmConfig) -> np.ndarray:
    """``rows`` rows with ``values`` on their data subcarriers (filler after them) and pilots."""
    grid = np.empty((rows, len(config.used)), dtype=np.complex64)
    filler = config.filler[:rows * config.data_carriers - len(values)]
    grid[:, config.data_index] = np.concatenate([values, filler]).reshape(rows, -1)
    grid[:, config.pilot_index] = config.pilot_grid[first_row:first_row + rows]
    return grid


def header_interleaver(length: int) -> np.ndarray:
    """Where each coded header symbol goes: i -> i * stride mod length, stride about length / 7 (coprime).

    Neighbouring coded bits land rows and subcarriers apart, so a faded
    stretch of subcarriers costs the Viterbi decoder scattered bits, not a burst.
    """
    stride = max(length // 7, 1)
    while math.gcd(stride, length) != 1:
        stride += 1
    return np.arange(length) * stride % length


def header_grid(header: Header, config: OfdmConfig) -> np.ndarray:
    coded = fec.conv_encode(header.to_bits())
    bpsk = fec.repeat(((1 - 2 * coded) * header_whitening(len(coded))).astype(np.complex64), config.header_repetition)
    placed = np.empty_like(bpsk)
    placed[header_interleaver(len(bpsk))] = bpsk
    return _filled(placed, header_rows(config), 0, config)


def resource_grid(header: Header, data: np.ndarray, config: OfdmConfig) -> np.ndarray:
    """(rows, used) values of every OFDM symbol after the preamble."""
    data = np.asarray(data, dtype=np.complex64)
    if len(data) != header.payload_length:
        raise ValueError(f"header announces {header.payload_length} symbols, payload has {len(data)}")
    if len(data) > config.max_payload:
        raise ValueError(f"payload of {len(data)} symbols exceeds max_payload={config.max_payload}")
    head = header_grid(header, config)
    training = payload_training(len(data), config)
    data_rows = _filled(data, int((~training).sum()), 0, config)
    payload = np.empty((len(training), len(config.used)), dtype=np.complex64)
    payload[training] = config.ltf
    payload[~training] = data_rows
    data_rows = np.flatnonzero(~training)
    payload[data_rows[:, None], config.pilot_index[None, :]] = config.pilot_grid[len(head) + data_rows]
    return np.concatenate([head, payload])


def data_positions(length: int, config: OfdmConfig) -> np.ndarray:
    """Flat positions, in the payload rows' grid, of the ``length`` data symbols in order."""
    training = payload_training(length, config)
    rows = np.flatnonzero(~training)
    grid = rows[:, None] * len(config.used) + config.data_index[None, :]
    return grid.reshape(-1)[:length]


def known_resources(header: Header, config: OfdmConfig) -> tuple:
    """(flat positions, values) of every known resource element in [LTF rows, header rows, payload rows]."""
    grid = resource_grid(header, np.zeros(header.payload_length, dtype=np.complex64), config)
    full = np.concatenate([np.tile(config.ltf, (config.ltf_count, 1)), grid])
    known = np.ones(full.shape, dtype=bool)
    offset = config.ltf_count + header_rows(config)
    data = data_positions(header.payload_length, config)
    known.reshape(-1)[offset * len(config.used) + data] = False
    index = np.flatnonzero(known.reshape(-1))
    return index, full.reshape(-1)[index]


def frame_samples(grid: np.ndarray, config: OfdmConfig) -> np.ndarray:
    """The preamble followed by the grid's OFDM symbols with their cyclic prefixes (unit power per subcarrier)."""
    return np.concatenate([config.preamble, config.with_prefix(config.to_time(grid))]).astype(np.complex64)


def burst(grid: np.ndarray, config: OfdmConfig) -> np.ndarray:
    guard = np.zeros(config.guard_samples, dtype=np.complex64)
    return np.concatenate([guard, frame_samples(grid, config), guard])
