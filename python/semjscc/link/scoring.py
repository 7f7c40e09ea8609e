"""Scoring received images against the images that were sent: per-image rows and a run's summary.

PSNR is computed per image as it arrives; SSIM in batches of ``SSIM_BATCH``
(per-image SSIM calls would cost more than the decoder).  The image sink block
and the offline loopback both score through :class:`ImageScorer`.
"""

import numpy as np
import torch

from semjscc.data import ImageSet
from semjscc.data.metrics import ssim_per_image
from semjscc.link.meta import IMAGE_ID_BITS

SSIM_BATCH = 64
ROW_KEYS = ("image_id", "height", "width", "chunk_count", "snr_est_db", "decoder_snr_db")


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


class ImageScorer:
    """Rows of per-image figures, scored against ``references`` (the images sent, in id order) when known."""

    def __init__(self, references: ImageSet = None):
        self.references = references if references is not None and len(references) else None
        self.rows = []
        self.unscored = []  # (row, reference, decoded) waiting for a batched SSIM

    def reference(self, image_id: int, shape):
        """(reference image, label) for an on-air image id (which may have wrapped), or (None, None)."""
        if self.references is None:
            return None, None
        for index in range(image_id, len(self.references), 1 << IMAGE_ID_BITS):
            ref = self.references.images[index]
            if ref.shape == shape:
                labels = self.references.labels
                return ref, None if labels is None else int(labels[index])
        return None, None

    def add(self, meta: dict, image: np.ndarray, **extra) -> dict:
        """Score one received image; returns its row (``extra`` is added to it)."""
        row = {key: meta[key] for key in ROW_KEYS if key in meta}
        row.update(extra)
        reference, label = self.reference(int(meta["image_id"]), image.shape)
        if reference is not None:
            row["psnr"] = round(psnr(reference, image), 4)
        if label is not None and label >= 0:
            row["label"] = label
        for key in ("predicted_class", "confidence"):
            if key in meta:
                row[key] = meta[key]
        self.rows.append(row)
        if reference is not None:
            self.unscored.append((row, reference, image))
        if len(self.unscored) >= SSIM_BATCH:
            self.score_pending()
        return row

    def score_pending(self) -> None:
        """SSIM for the rows still waiting."""
        if self.unscored:
            values = ssim_batch([(reference, image) for _, reference, image in self.unscored])
            for (row, _, _), value in zip(self.unscored, values):
                row["ssim"] = value
            self.unscored = []

    def summary(self) -> dict:
        """Means over the received images: PSNR, SSIM, top-1 accuracy, SNR estimate (each where known)."""
        self.score_pending()
        rows = self.rows
        summary = {"images_received": len(rows)}
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
