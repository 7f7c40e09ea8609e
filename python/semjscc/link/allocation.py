"""The allocation map on the air: each image's depth map (``codec.rate``) as a few bytes.

One self-describing entry per image, so the framer can split and count them without the codec:

- ``0x0d``: every concept at depth ``d`` (a per-image budget, one byte);
- ``0x10``, concept count (uint16), then one nibble per concept, row by row: a per-concept map.

A frame's map is the entries of the images it carries, in order, at the head of its payload
(``phy.side_info``: CRC-protected, coded like the header); the header's ``map_length`` says how
many bytes, so at most ``MAX_MAP_LENGTH``.
"""

import numpy as np

UNIFORM, CONCEPTS = 0x0, 0x1
MAX_DEPTH = 15


class AllocationError(ValueError):
    """An allocation map that cannot be what a transmitter sent: the frame is dropped and counted."""


def pack_map(depth: np.ndarray) -> bytes:
    """One image's entry for its depth map (rows, columns) of levels 0..15."""
    depth = np.asarray(depth, dtype=np.int64)
    if depth.size == 0 or depth.min() < 0 or depth.max() > MAX_DEPTH:
        raise ValueError(f"a depth map holds levels 0..{MAX_DEPTH}")
    if (depth == depth.flat[0]).all():
        return bytes([(UNIFORM << 4) | int(depth.flat[0])])
    levels = depth.reshape(-1)
    padded = np.concatenate([levels, np.zeros(len(levels) % 2, dtype=np.int64)])
    nibbles = (padded[0::2] << 4) | padded[1::2]
    return bytes([CONCEPTS << 4]) + len(levels).to_bytes(2, "big") + nibbles.astype(np.uint8).tobytes()


def split_entries(data: bytes) -> list:
    """The per-image entries of a map, in order."""
    entries, position = [], 0
    while position < len(data):
        kind = data[position] >> 4
        if kind == UNIFORM:
            size = 1
        elif kind == CONCEPTS and position + 3 <= len(data):
            count = int.from_bytes(data[position + 1:position + 3], "big")
            size = 3 + (count + 1) // 2
        else:
            raise AllocationError(f"allocation entry of unknown kind {kind} or cut short")
        if position + size > len(data):
            raise AllocationError("allocation map cut short")
        entries.append(bytes(data[position:position + size]))
        position += size
    return entries


def unpack_map(entry: bytes, grid: tuple, groups: int) -> np.ndarray:
    """The depth map (rows, columns) an entry gives an image of ``grid`` concepts, levels checked."""
    rows, columns = grid
    if entry[0] >> 4 == UNIFORM:
        depth = np.full((rows, columns), entry[0] & 0xF, dtype=np.int64)
    else:
        count = int.from_bytes(entry[1:3], "big")
        if count != rows * columns:
            raise AllocationError(f"allocation map of {count} concepts for an image of {rows}x{columns}")
        nibbles = np.frombuffer(entry[3:], dtype=np.uint8).astype(np.int64)
        depth = np.stack([nibbles >> 4, nibbles & 0xF], axis=1).reshape(-1)[:count].reshape(rows, columns)
    if depth.max() > groups:
        raise AllocationError(f"allocation depth {depth.max()} beyond the codec's {groups} groups")
    return depth
