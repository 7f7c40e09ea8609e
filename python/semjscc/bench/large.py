"""``semjscc bench large``: one photograph through the whole loopback at 768x512, 1920x1080 and 3840x2160.

Each size runs ``semjscc loopback`` in a fresh process, so its peak resident memory (flowgraph, tiled
codecs, scoring and the ideal-channel reference together) is its own.  The image is the shipped Kodak
sample resized, so the run needs no data set.  Writes ``large.json`` and ``large.png``.
"""

import json
import subprocess
import sys
from pathlib import Path

SIZES = ((768, 512), (1920, 1080), (3840, 2160))
RSS_TARGET_MB = 1536  # a 3840x2160 image through the full loopback (the high-resolution issue's bound)

_CHILD = """
import json, resource, sys, time
from semjscc.run.loopback import run_loopback
started = time.process_time()
report = run_loopback(sys.argv[1], sys.argv[2], float(sys.argv[3]), out=sys.argv[4], save_images=False)
print(json.dumps({"report": report, "cpu_s": time.process_time() - started,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
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
                     "psnr": report["psnr"], "sim_psnr": report["sim_psnr"], "rtf": report["rtf"]})
        print(f"{size[0]}x{size[1]}: peak {rows[-1]['peak_rss_mb']:.0f} MB, {rows[-1]['cpu_us_per_pixel']:.1f} µs "
              f"of CPU per pixel, PSNR {report['psnr']:.2f} dB (ideal channel {report['sim_psnr']:.2f})", flush=True)
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
