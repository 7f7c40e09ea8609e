"""Encoder and decoder networks run tile by tile on large images, so memory is bounded by the tile, not the image.

Each tile is computed on a window with a halo wider than the network's receptive field (about 9 latent pixels for
the shipped networks) and only its centre is kept, so the convolutions see exactly what they would in the whole
image. The SNR attention layers, which scale each feature map by a function of its mean, then take that mean over
the window rather than the whole image: they adapt to the tile's content (exact whole-image statistics would need
a pass over the image per attention layer, five times the compute, measured).

A tiled image goes on the air tile by tile: its symbols are the tiles' in raster order, each tile's latent values
channel-major, each tile at unit average power on its own.  So the transmitter sends a tile's frames as soon as it is
encoded, and a receiver decodes a row of tiles as soon as the rows its halo reaches have arrived, while the rest of
the image is still being encoded and sent.  The decoder is not told each tile's power: with 128-pixel latent tiles
the 24 Kodak images at 10 dB stay within 0.05 dB of whole-image coding (``semjscc bench tiling``); smaller tiles
would cost more (-0.65 dB with 64, -1.5 dB with 32, on one Kodak image), which is why tiles are this large.
"""

from typing import Iterator

import torch

TILE = 128  # tile side in latent pixels (512 image pixels); part of the air format of tiled images (below)
HALO = 10  # latent pixels of context on each side (the receptive radius is 8: measured exact with 8)
TILED_ABOVE_PIXELS = 512 * 512  # larger images are coded in tiles; smaller ones whole (one tile anyway)
LATENT_SCALE = 4  # image pixels per latent pixel


def is_tiled(latent_rows: int, latent_columns: int) -> bool:
    """Whether an image whose latent grid is ``latent_rows`` x ``latent_columns`` is coded in tiles."""
    return latent_rows * latent_columns * LATENT_SCALE ** 2 > TILED_ABOVE_PIXELS


def tile_boxes(rows: int, columns: int) -> list:
    """(top, left, bottom, right) of each tile of a ``rows`` x ``columns`` latent grid, in raster order: the
    order in which a tiled image's symbols go on the air."""
    return [(top, left, min(top + TILE, rows), min(left + TILE, columns))
            for top in range(0, rows, TILE) for left in range(0, columns, TILE)]


def tile_row_count(rows: int) -> int:
    """Rows of tiles of a latent grid of ``rows`` rows."""
    return -(-rows // TILE)


def tile_row_stops(rows: int, columns: int, channels: int) -> list:
    """For each row of tiles, the number of real latent values on the air up to the end of that row."""
    stops, total = [], 0
    for top in range(0, rows, TILE):
        total += channels * (min(top + TILE, rows) - top) * columns
        stops.append(total)
    return stops


def decodable_tile_rows(rows: int, columns: int, channels: int, values_received: int) -> int:
    """How many rows of tiles a decoder can finish from the first ``values_received`` real values in air order:
    a row needs the rows below it that its halo reaches."""
    stops = tile_row_stops(rows, columns, channels)
    ready = 0
    for row in range(len(stops)):
        reach = min(len(stops) - 1, (min((row + 1) * TILE, rows) + HALO - 1) // TILE)
        if stops[reach] > values_received:
            break
        ready = row + 1
    return ready


def network_tiles(net, x: torch.Tensor, snr: torch.Tensor, input_scale: int, tile_rows=None) -> Iterator:
    """(box, ``net``'s output on that tile) for each tile in raster order (of the rows of tiles in ``tile_rows``
    if given); ``input_scale`` is the input's pixels per latent pixel (4 for an encoder, 1 for a decoder).  A tile
    is computed on a window with ``HALO`` latent pixels of context on each side, of which only the centre is kept."""
    rows, columns = x.shape[-2] // input_scale, x.shape[-1] // input_scale
    for top, left, bottom, right in tile_boxes(rows, columns):
        if tile_rows is not None and top // TILE not in tile_rows:
            continue
        top0, left0 = max(top - HALO, 0), max(left - HALO, 0)
        bottom0, right0 = min(bottom + HALO, rows), min(right + HALO, columns)
        y = net(x[..., top0 * input_scale:bottom0 * input_scale, left0 * input_scale:right0 * input_scale], snr)
        scale = y.shape[-1] // (right0 - left0)  # output pixels per latent pixel
        yield (top, left, bottom, right), \
            y[..., (top - top0) * scale:(bottom - top0) * scale, (left - left0) * scale:(right - left0) * scale]


def run_network(net, x: torch.Tensor, snr: torch.Tensor, input_scale: int) -> torch.Tensor:
    """``net(x, snr)`` for an encoder (``input_scale`` 4) or a decoder (1), in tiles when the image is large."""
    if not is_tiled(x.shape[-2] // input_scale, x.shape[-1] // input_scale):
        return net(x, snr)
    return run_tiled(net, x, snr, input_scale)


def run_tiled(net, x: torch.Tensor, snr: torch.Tensor, input_scale: int) -> torch.Tensor:
    rows, columns = x.shape[-2] // input_scale, x.shape[-1] // input_scale  # the latent grid
    result = None
    for (top, left, bottom, right), y in network_tiles(net, x, snr, input_scale):
        scale = y.shape[-1] // (right - left)
        if result is None:
            result = y.new_empty(*y.shape[:2], rows * scale, columns * scale)
        result[..., top * scale:bottom * scale, left * scale:right * scale] = y
    return result


def from_tile_major(values: torch.Tensor, channels: int, rows: int, columns: int) -> torch.Tensor:
    """(batch, values) in air order (each tile's (c, tile rows, tile columns) values in turn) -> (batch, c, rows,
    columns)."""
    latent = values.new_empty(values.shape[0], channels, rows, columns)
    start = 0
    for top, left, bottom, right in tile_boxes(rows, columns):
        stop = start + channels * (bottom - top) * (right - left)
        latent[..., top:bottom, left:right] = values[:, start:stop].reshape(-1, channels, bottom - top, right - left)
        start = stop
    return latent
