"""Tiled coding: bounded memory on large images, the convolutions' results unchanged, the quality kept."""

import subprocess
import sys

import numpy as np
import pytest
import torch

from semjscc.codec import tiling
from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.data.metrics import psnr_per_image, quantize
from semjscc.store.paths import resolve_model


@torch.inference_mode()
def test_tiles_of_a_purely_convolutional_network_give_the_whole_image_result(monkeypatch):
    model, _ = load_model(resolve_model("baseline_awgn_kn1-6_snr10"))  # no attention: nothing global
    model.eval()
    images = torch.rand(1, 3, 72, 104)
    snr = torch.tensor([10.0])
    latent = model.encoder_net(images, snr)
    monkeypatch.setattr(tiling, "TILE", 5)  # tiles that do not divide the image
    tiled = tiling.run_tiled(model.encoder_net, images, snr, 4)
    torch.testing.assert_close(tiled, latent, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(tiling.run_tiled(model.decoder_net, latent, snr, 1),
                               model.decoder_net(latent, snr), atol=1e-5, rtol=1e-5)


def test_the_air_order_of_a_tiled_image_is_tile_by_tile_and_reversible(monkeypatch):
    monkeypatch.setattr(tiling, "TILE", 4)
    latent = torch.arange(2 * 3 * 6 * 9, dtype=torch.float32).reshape(2, 3, 6, 9)
    boxes = tiling.tile_boxes(6, 9)
    assert boxes[:4] == [(0, 0, 4, 4), (0, 4, 4, 8), (0, 8, 4, 9), (4, 0, 6, 4)]
    values = torch.cat([latent[..., top:bottom, left:right].reshape(2, -1) for top, left, bottom, right in boxes], 1)
    torch.testing.assert_close(tiling.from_tile_major(values, 3, 6, 9), latent)
    assert tiling.tile_row_stops(6, 9, 3) == [3 * 4 * 9, 3 * 6 * 9]


@torch.inference_mode()
def test_a_tiled_image_goes_out_tile_by_tile_and_its_top_decodes_before_the_rest_arrives(monkeypatch):
    model, _ = load_model(resolve_model("adaptive_awgn_kn1-6_w64"))
    model.eval()
    monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", 0)
    monkeypatch.setattr(tiling, "TILE", 8)  # a 72x104 image: latent 18x26, 3 rows of 4 tiles
    monkeypatch.setattr(tiling, "HALO", 4)
    x = torch.rand(1, 3, 72, 104)
    calls = []
    model.encoder_net.register_forward_hook(lambda *_: calls.append(1))
    tiles = model.encode_tiles(x, 10.0)
    first = next(tiles)
    assert len(calls) == 1  # the first tile is out before the others are encoded
    pieces = [first, *tiles]
    assert len(pieces) == 12 and len(calls) == 12
    symbols = model.encode(x, 10.0)
    torch.testing.assert_close(symbols, torch.cat(pieces, dim=1))
    latent = tiling.run_tiled(model.encoder_net, x, torch.tensor([10.0]), 4)
    first_tile = latent[..., :8, :8].reshape(1, -1)
    scale = (2 * first_tile.pow(2).mean()).sqrt()  # each tile at unit power; a symbol carries two latent values
    torch.testing.assert_close(torch.view_as_real(first).reshape(1, -1) * scale, first_tile, atol=1e-4, rtol=1e-4)
    assert all(abs(piece.abs().pow(2).mean().item() - 1) < 1e-4 for piece in pieces)
    whole = model.decode(symbols, (72, 104), 10.0)
    channels = model.latent_channels
    first_two_rows = tiling.tile_row_stops(18, 26, channels)[1] // 2  # symbols up to the end of tile row 1
    assert tiling.decodable_tile_rows(18, 26, channels, 2 * first_two_rows) == 1  # row 0's halo reaches row 1
    assert tiling.decodable_tile_rows(18, 26, channels, 2 * first_two_rows - 2) == 0
    arrived = symbols.clone()
    arrived[:, first_two_rows:] = 0  # the rest still on the air
    top = model.decode_tile_rows(arrived, (72, 104), range(0, 1), 10.0)
    torch.testing.assert_close(top, whole[..., :32, :])
    torch.testing.assert_close(model.decode_tile_rows(symbols, (72, 104), range(1, 3), 10.0), whole[..., 32:, :])


@torch.inference_mode()
def test_tiled_coding_keeps_the_main_models_quality_on_a_photograph(monkeypatch):
    model, _ = load_model(resolve_model("adaptive_awgn_kn1-6"))
    model.eval()
    image = load_dataset("sample:kodak:1").images[0]  # 768x512: two tiles, each sent at unit power on its own
    x = torch.tensor(image).permute(2, 0, 1)[None].float() / 255
    assert tiling.is_tiled(x.shape[-2] // 4, x.shape[-1] // 4)
    scores = []
    for limit in (1 << 40, tiling.TILED_ABOVE_PIXELS):  # whole, then tiled
        monkeypatch.setattr(tiling, "TILED_ABOVE_PIXELS", limit)
        torch.manual_seed(3)
        symbols = model.encode(x, 10.0)
        noisy = symbols + (torch.randn_like(symbols.real) + 1j * torch.randn_like(symbols.real)) * np.sqrt(0.05)
        scores.append(psnr_per_image(x, quantize(model.decode(noisy, x.shape[-2:], 10.0))).item())
    whole, tiled = scores
    assert tiled > whole - 0.15  # this image: +0.11 dB; the 24 Kodak images: +0.01 dB mean, -0.21 dB at worst


PEAK_MEMORY_PROBE = """
import resource, sys, torch
from semjscc.codec import tiling
from semjscc.codec.checkpoint import load_model
from semjscc.store.paths import resolve_model
torch.set_num_threads(2)
if sys.argv[1] == "whole":
    tiling.TILED_ABOVE_PIXELS = 1 << 40
model, _ = load_model(resolve_model("adaptive_awgn_kn1-6_w64"))
x = torch.rand(1, 3, 3072, 4096)
with torch.inference_mode():
    y = model.decode(model.encode(x, 10.0), (3072, 4096), 10.0)
assert y.shape == (1, 3, 3072, 4096)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


@pytest.mark.slow
def test_a_large_image_is_coded_in_bounded_memory(python_env):
    peaks = {}
    for mode in ("tiled", "whole"):
        done = subprocess.run([sys.executable, "-c", PEAK_MEMORY_PROBE, mode], env=python_env, capture_output=True,
                              text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-2000:]
        peaks[mode] = int(done.stdout.split()[-1])  # MB
    # 12.6 megapixels: whole ~2.9 GB, tiles ~0.5-0.8 GB (peak RSS varies by up to 1.7x between identical runs)
    assert peaks["tiled"] < 0.5 * peaks["whole"], peaks
