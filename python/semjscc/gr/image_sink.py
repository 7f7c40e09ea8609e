"""Image sink: decoded image PDUs -> PNG files, a JSON of per-image metrics and counters, ZeroMQ PUB.

When the sink knows the reference images (the same ``reference`` spec the
source sends), it scores PSNR per image as it arrives and SSIM in batches of
``SSIM_BATCH`` (per-image SSIM calls would cost more than the decoder).  Counters from the RX blocks
arrive on ``stats`` and are written with the metrics, so every frame and
image is accounted for in one file.
"""

import json
import threading
import time
from pathlib import Path

import numpy as np
import pmt
import torch
from gnuradio import gr

from semjscc.data import load_dataset
from semjscc.data.images import write_image
from semjscc.gr.pdus import parse_pdu
from semjscc.metrics import ssim_per_image

SSIM_BATCH = 64
SMALL_IMAGE_VALUES = 64 * 64 * 3  # images this small are saved as uncompressed PNG


def psnr(reference: np.ndarray, decoded: np.ndarray) -> float:
    mse = np.mean((reference.astype(np.float32) - decoded.astype(np.float32)) ** 2)
    return float(10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))


def ssim_batch(pairs: list) -> list:
    """SSIM of (reference, decoded) pairs; same-size pairs go through pytorch-msssim together."""
    scores = [0.0] * len(pairs)
    by_shape = {}
    for index, (reference, _) in enumerate(pairs):
        by_shape.setdefault(reference.shape, []).append(index)
    for indices in by_shape.values():
        ref = torch.from_numpy(np.stack([pairs[i][0] for i in indices])).permute(0, 3, 1, 2).float() / 255
        dec = torch.from_numpy(np.stack([pairs[i][1] for i in indices])).permute(0, 3, 1, 2).float() / 255
        for i, value in zip(indices, ssim_per_image(ref, dec).tolist()):
            scores[i] = round(value, 5)
    return scores


class image_sink(gr.basic_block):
    def __init__(self, folder="out/rx", reference="", metrics_file="metrics.json", zmq_address="",
                 save_images=True, data_root=""):
        gr.basic_block.__init__(self, name="semjscc_image_sink", in_sig=None, out_sig=None)
        self.folder = Path(folder) if folder else None
        self.metrics_file = metrics_file
        self.save_images = bool(save_images)
        self.references = load_dataset(reference, data_root or None) if reference else None
        self.rows = []
        self.unscored = []  # (row, reference, decoded) waiting for a batched SSIM
        self.stats = {}
        self.lock = threading.Lock()
        self.started = time.time()
        self.publisher = None
        if zmq_address:
            import zmq

            self.publisher = zmq.Context.instance().socket(zmq.PUB)
            self.publisher.bind(zmq_address)
        self.message_port_register_in(pmt.intern("images"))
        self.message_port_register_in(pmt.intern("stats"))
        self.set_msg_handler(pmt.intern("images"), self._handle_image)
        self.set_msg_handler(pmt.intern("stats"), self._handle_stats)

    @property
    def received(self) -> int:
        with self.lock:
            return len(self.rows)

    def _reference(self, image_id: int, shape):
        """(reference image, label) for an on-air image id (16 bits, so it may wrap), or (None, None)."""
        if self.references is None or len(self.references) == 0:
            return None, None
        for index in range(image_id, len(self.references), 1 << 16):
            ref = self.references.images[index]
            if ref.shape == shape:
                labels = self.references.labels
                return ref, None if labels is None else int(labels[index])
        return None, None

    def _handle_stats(self, msg):
        update = pmt.to_python(msg)
        if isinstance(update, dict):
            with self.lock:
                self.stats.update(update)

    def _handle_image(self, msg):
        try:
            meta, pixels = parse_pdu(msg)
            image = pixels.astype(np.uint8).reshape(int(meta["height"]), int(meta["width"]), 3)
        except (ValueError, KeyError) as err:
            gr.log.warn(f"semjscc image_sink: dropped a malformed image PDU ({err})")
            return
        row = {k: meta[k] for k in ("image_id", "height", "width", "chunk_count", "snr_est_db", "decoder_snr_db")
               if k in meta}
        row["time_s"] = round(time.time() - self.started, 4)
        reference, label = self._reference(int(meta["image_id"]), image.shape)
        if reference is not None:
            row["psnr"] = round(psnr(reference, image), 4)
        if label is not None and label >= 0:
            row["label"] = label
        for key in ("predicted_class", "confidence"):
            if key in meta:
                row[key] = meta[key]
        if self.folder is not None and self.save_images:
            # small images barely compress, and zlib would double the sink's cost per image
            level = 0 if image.size <= SMALL_IMAGE_VALUES else 1
            write_image(self.folder / f"{int(meta['image_id']):05d}.png", image, compress_level=level)
        if self.publisher is not None:
            self.publisher.send_multipart([json.dumps(row).encode(), image.tobytes()])
        with self.lock:
            self.rows.append(row)
            if reference is not None:
                self.unscored.append((row, reference, image))
            if len(self.unscored) >= SSIM_BATCH:
                self._score_ssim()

    def _score_ssim(self) -> None:
        """SSIM for the rows still waiting (call with the lock held)."""
        if self.unscored:
            values = ssim_batch([(reference, image) for _, reference, image in self.unscored])
            for (row, _, _), value in zip(self.unscored, values):
                row["ssim"] = value
            self.unscored = []

    def summary(self) -> dict:
        with self.lock:
            self._score_ssim()
            rows = list(self.rows)
            stats = dict(self.stats)
        summary = {"images_received": len(rows), "counters": stats, "images": rows}
        scored = [r for r in rows if "psnr" in r]
        if scored:
            summary["psnr"] = float(np.mean([r["psnr"] for r in scored]))
            summary["ssim"] = float(np.mean([r["ssim"] for r in scored]))
        classified = [r for r in rows if "label" in r and "predicted_class" in r]
        if classified:
            summary["accuracy"] = float(np.mean([r["predicted_class"] == r["label"] for r in classified]))
        estimates = [r["snr_est_db"] for r in rows if "snr_est_db" in r]
        if estimates:
            summary["snr_est_db"] = float(np.mean(estimates))
        return summary

    def write_metrics(self) -> None:
        if self.folder is None or not self.metrics_file:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / self.metrics_file).write_text(json.dumps(self.summary(), indent=2) + "\n")

    def stop(self):
        self.write_metrics()
        if self.publisher is not None:
            self.publisher.close(linger=0)
            self.publisher = None
        return True
