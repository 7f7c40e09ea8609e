"""``semjscc info``: what this installation has, for bug reports and set-up checks."""

import json
import platform

import numpy
import torch

from semjscc import __version__
from semjscc.store.paths import models_dir, shipped_index


def _gnuradio_version() -> str:
    try:
        from gnuradio import gr
    except ImportError as err:
        return f"not importable ({err})"
    return gr.version()


def _uhd_version() -> str:
    try:
        from gnuradio import uhd as gr_uhd
    except ImportError as err:
        return f"not importable ({err})"
    return gr_uhd.get_version_string()


def _uhd_devices() -> list:
    try:
        import uhd
    except ImportError:
        return []
    return [dict(addr.to_dict()) if hasattr(addr, "to_dict") else str(addr) for addr in uhd.find("")]


def _torch_devices() -> list:
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices += [f"cuda:{i} ({torch.cuda.get_device_name(i)})" for i in range(torch.cuda.device_count())]
    return devices


def _openvino_version() -> str:
    try:
        import openvino
    except ImportError:
        return "not installed (the codecs run on PyTorch on the CPU)"
    return f"{openvino.get_version()} (device auto runs the codecs on it when there is no GPU)"


def _models() -> list:
    lines = []
    for entry in shipped_index():
        card = json.loads((models_dir() / entry["card"]).read_text())
        if entry["family"] == "task":
            top1 = {row["data"]: row["top1"] for row in card.get("measured", [])}
            clean = f"top-1 {100 * top1['cifar10:test']:.1f} % (clean test)" if "cifar10:test" in top1 else "not measured"
            lines.append(f"{entry['name']:<34} {'task (classifier)':<20} {'':<13} {clean}")
            continue
        psnr = {}
        # the lossless CIFAR-10 test table first: the JPEG-derived one scores against lossy references
        for table in sorted(card.get("measured", []), key=lambda t: t.get("data") != "cifar10:test"):
            if table.get("channel") == entry["channel"]:
                psnr = {r["snr_db"]: r["psnr"] for r in table["results"]}
                break
        at10 = f"{psnr[10.0]:.2f} dB @10 dB" if 10.0 in psnr else "not measured"
        lines.append(f"{entry['name']:<34} {entry['family']:<20} k/n={card['k_over_n_label']:<5} "
                     f"{entry['channel']:<8} {at10}")
    return lines


def report(find_devices: bool = True) -> str:
    lines = [
        f"gr-semjscc   {__version__}",
        f"python       {platform.python_version()}",
        f"GNU Radio    {_gnuradio_version()}",
        f"UHD          {_uhd_version()}",
        f"torch        {torch.__version__} (threads: {torch.get_num_threads()})",
        f"OpenVINO     {_openvino_version()}",
        f"numpy        {numpy.__version__}",
        f"devices      {', '.join(_torch_devices())}",
        f"models       {models_dir()}",
    ]
    lines += ["  " + line for line in _models()] or ["  (none)"]
    if find_devices:
        devices = _uhd_devices()
        lines.append(f"UHD devices  {len(devices)}")
        lines += [f"  {device}" for device in devices]
    return "\n".join(lines)
