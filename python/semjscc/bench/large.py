"""``semjscc bench large``: one photograph through the whole loopback at 768x512, 1920x1080 and 3840x2160;
``semjscc bench tiling``: what coding in tiles costs in quality.

Each size runs ``semjscc loopback`` in a fresh process, so its peak resident memory (flowgraph, tiled
codecs, scoring and the ideal-channel reference together) is its own; the process then times how soon the
encoder has a photograph's first symbols (its first tile) against encoding all of it.  The image is the shipped Kodak
sample resized, so the run needs no data set.  Writes ``large.json`` and ``large.png``.  The tiling
benchmark codes every photograph of a set whole and in tiles (each tile at unit power on its own, as sent)
through the same AWGN draws and writes ``tiling.json``.
"""

import json
import subprocess
import sys
from pathlib import Path

SIZES = ((768, 512), (1920, 1080), (3840, 2160))
RSS_TARGET_MB = 1536  # a 3840x2160 image through the full loopback (the high-resolution issue's bound)

_CHILD = """
import json, pathlib, resource, sys, time
from semjscc.run.loopback import run_loopback
started = time.process_time()
report = run_loopback(sys.argv[1], sys.argv[2], float(sys.argv[3]), out=sys.argv[4], save_images=False)
cpu_s, peak_rss_mb = time.process_time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
# how soon the transmitter has the first symbols to send, against encoding the whole photograph
from semjscc.data.images import read_image
from semjscc.link import Encoder, load_link_codec
encoder = Encoder(load_link_codec(sys.argv[1], "cpu"), float(sys.argv[3]))
image = read_image(pathlib.Path(sys.argv[2]) / "photo.png")
encoder.encode([({"image_id": 0}, image[:64, :64])])  # warm up
began, first = time.perf_counter(), None
for _ in encoder.encode_pieces([({"image_id": 0}, image)]):
    first = first or time.perf_counter() - began
print(json.dumps({"report": report, "cpu_s": cpu_s, "peak_rss_mb": peak_rss_mb, "first_piece_s": first,
                  "encode_s": time.perf_counter() - began}))
"""


def photograph(size, folder: Path) -> Path:
    """The shipped Kodak sample resized to ``size`` (width, height), as a PNG in its own folder."""
    from PIL import Image

    from semjscc.data import load_dataset

    image = Image.fromarray(load_dataset("sample:kodak:1").images[0]).resize(size, Image.LANCZOS)
    folder = folder / f"{size[0]}x{size[1]}"
    folder.mkdir(parents=True, exist_ok=True)
    image.save(folder / "photo.png")
    return folder


def run_large_bench(out: str, model: str = "adaptive_awgn_kn1-6", snr_db: float = 15.0, sizes=SIZES) -> list:
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for size in sizes:
        folder = photograph(size, out / "images")
        done = subprocess.run([sys.executable, "-c", _CHILD, model, str(folder), str(snr_db), str(out / "rx")],
                              capture_output=True, text=True, check=True)
        child = json.loads(done.stdout.strip().splitlines()[-1])
        report, pixels = child["report"], size[0] * size[1]
        rows.append({"width": size[0], "height": size[1], "model": model, "snr_db": snr_db,
                     "device": report["device"], "peak_rss_mb": round(child["peak_rss_mb"], 1),
                     "cpu_s": round(child["cpu_s"], 2), "cpu_us_per_pixel": round(1e6 * child["cpu_s"] / pixels, 2),
                     "frames": report["frames_sent"], "images_decoded": report["images_decoded"],
                     "early_tile_rows": report["early_tile_rows"],
                     "first_symbols_s": round(child["first_piece_s"], 3), "encode_s": round(child["encode_s"], 3),
                     "psnr": report["psnr"], "sim_psnr": report["sim_psnr"], "rtf": report["rtf"]})
        print(f"{size[0]}x{size[1]}: peak {rows[-1]['peak_rss_mb']:.0f} MB, {rows[-1]['cpu_us_per_pixel']:.1f} µs "
              f"of CPU per pixel, PSNR {report['psnr']:.2f} dB (ideal channel {report['sim_psnr']:.2f}), first "
              f"symbols after {child['first_piece_s']:.2f} s of {child['encode_s']:.2f} s encoding", flush=True)
    (out / "large.json").write_text(json.dumps(rows, indent=2) + "\n")
    plot_large(rows, out / "large.png")
    return rows


def plot_large(rows: list, path: Path) -> None:
    from semjscc.evaluate.plots import figure, label_axes

    megapixels = [r["width"] * r["height"] / 1e6 for r in rows]
    with figure(path, 1, 2, figsize=(10, 4)) as (_, (left, right)):
        left.plot(megapixels, [r["peak_rss_mb"] for r in rows], "o-", label="peak resident memory")
        left.axhline(RSS_TARGET_MB, color="k", linestyle=":", label="bound for 3840x2160")
        label_axes(left, "image size (megapixels)", "MB", legend_size=8)
        right.plot(megapixels, [r["cpu_us_per_pixel"] for r in rows], "o-", label="whole loopback, CPU")
        right.set_ylim(bottom=0)
        label_axes(right, "image size (megapixels)", "µs per pixel", legend_size=8)


TILING_MODELS = ("adaptive_awgn_kn1-6", "adaptive_awgn_kn1-12", "adaptive_hr_awgn_kn1-12", "adaptive_hr_awgn_kn1-16")


def run_tiling_bench(out: str, models=TILING_MODELS, data: str = "kodak", snr_db: float = 10.0) -> list:
    """Per model: mean PSNR of ``data`` coded whole and in tiles at ``snr_db``, and the largest loss of one image."""
    from semjscc.codec import tiling
    from semjscc.codec.checkpoint import load_model
    from semjscc.codec.tiling import TILED_ABOVE_PIXELS
    from semjscc.data import load_dataset
    from semjscc.store.paths import resolve_model

    images = load_dataset(data).images
    rows = []
    for name in models:
        model, _ = load_model(resolve_model(name))
        model.eval()
        scores = {}
        for mode, limit in (("whole", float("inf")), ("tiled", tiling.TILED_ABOVE_PIXELS)):
            scores[mode], tiling.TILED_ABOVE_PIXELS = [], limit  # whole: no image is large enough to tile
            try:
                for index, image in enumerate(images):
                    scores[mode].append(_coded_psnr(model, image, snr_db, seed=index))
            finally:
                tiling.TILED_ABOVE_PIXELS = TILED_ABOVE_PIXELS
        loss = [w - t for w, t in zip(scores["whole"], scores["tiled"])]
        rows.append({"model": name, "data": data, "snr_db": snr_db, "images": len(images),
                     "psnr_whole": round(sum(scores["whole"]) / len(images), 3),
                     "psnr_tiled": round(sum(scores["tiled"]) / len(images), 3),
                     "largest_loss_db": round(max(loss), 3)})
        print(f"{name}: whole {rows[-1]['psnr_whole']:.2f} dB, tiled {rows[-1]['psnr_tiled']:.2f} dB, "
              f"largest loss of one image {rows[-1]['largest_loss_db']:.2f} dB", flush=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out) / "tiling.json").write_text(json.dumps(rows, indent=2) + "\n")
    return rows


def _coded_psnr(model, image, snr_db: float, seed: int) -> float:
    """PSNR of ``image`` through ``model`` and an AWGN channel drawn from ``seed``."""
    import torch

    from semjscc.data.metrics import psnr_per_image, quantize

    x = torch.tensor(image).permute(2, 0, 1)[None].float() / 255
    with torch.inference_mode():
        symbols = model.encode(x, snr_db)
        noise = torch.view_as_complex(torch.randn(*symbols.shape, 2, generator=torch.Generator().manual_seed(seed)))
        decoded = model.decode(symbols + noise * (10 ** (-snr_db / 10) / 2) ** 0.5, x.shape[-2:], snr_db)
    return psnr_per_image(x, quantize(decoded)).item()
