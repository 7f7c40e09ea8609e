"""Scoring received images against the images that were sent: per-image rows and a run's summary.

PSNR is computed per image as it arrives; SSIM in batches of ``SSIM_BATCH`` small images
(per-image SSIM calls would cost more than the decoder) or of ``STRIP_VALUES`` pixels.  Both go
through a large image a strip of rows at a time, so a 4K photograph costs tens of MB to score, not
GBs.  The image sink block and the offline loopback both score through :class:`ImageScorer`.
"""

import collections

import numpy as np
import torch

from semjscc.data import ImageSet
from semjscc.data.metrics import MIN_SIDE, ssim_in_strips
from semjscc.link.meta import IMAGE_ID_BITS

SSIM_BATCH = 64
STRIP_VALUES = 1 << 20  # large images are scored a strip of rows at a time: memory bounded by this, not the image
ROW_KEYS = ("image_id", "height", "width", "chunk_count", "snr_est_db", "decoder_snr_db", "decoder", "lost",
            "k_over_n", "allocation", "rx_time")


def psnr(reference: np.ndarray, decoded: np.ndarray) -> float:
    rows = max(1, STRIP_VALUES // max(1, reference[:1].size))
    squared = 0.0
    for start in range(0, len(reference), rows):
        error = reference[start:start + rows].astype(np.float32) - decoded[start:start + rows].astype(np.float32)
        squared += float(np.sum(error * error, dtype=np.float64))
    mse = squared / max(reference.size, 1)
    return float(10 * np.log10(255.0 ** 2 / max(mse, 1e-10)))


def ssim_batch(pairs: list) -> list:
    """SSIM of (reference, decoded) pairs (None below the window size); same-size pairs go through
    pytorch-msssim together."""
    scores = [None] * len(pairs)
    by_shape = {}
    for index, (reference, _) in enumerate(pairs):
        by_shape.setdefault(reference.shape, []).append(index)
    for shape, indices in by_shape.items():
        if min(shape[:2]) < MIN_SIDE:  # no SSIM (null) rather than an error
            continue
        references, decoded = (np.stack([pairs[i][side] for i in indices]) for side in (0, 1))

        def strip(start, stop, references=references, decoded=decoded):
            return _as_float(references[:, start:stop]), _as_float(decoded[:, start:stop])

        for i, value in zip(indices, ssim_in_strips(strip, (len(indices), shape[2], *shape[:2])).tolist()):
            scores[i] = round(value, 5)
    return scores


def _as_float(images: np.ndarray) -> torch.Tensor:
    """(batch, rows, columns, 3) uint8 -> (batch, 3, rows, columns) float in [0, 1], a strip at a time."""
    return torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255


class ImageScorer:
    """Per-image rows, scored against ``references`` (the images sent, in id order) when known, and running means.

    Memory stays bounded over any run: a finished row (SSIM included) goes to
    ``on_row`` (the image sink streams it to a JSON-lines file) and is kept in
    ``rows`` only with ``keep_rows``; the summary comes from running sums.
    """

    def __init__(self, references: ImageSet = None, on_row=None, keep_rows: bool = True):
        self.references = references if references is not None and len(references) else None
        self.on_row = on_row
        self.rows = [] if keep_rows else None
        self.unscored = []  # (row, reference, decoded) waiting for a batched SSIM
        self.unscored_pixels = 0
        self.received = 0
        self.lost = 0  # digital link: delivered as the mean image, marked lost (scored as such)
        self.sums = collections.defaultdict(float)
        self.counts = collections.Counter()

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
        """Score one received image; returns its row (``extra`` is added to it; SSIM follows in a batch)."""
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
        self.received += 1
        self.lost += "lost" in row
        if reference is None:
            self._finish(row)
        else:
            self.unscored.append((row, reference, image))
            self.unscored_pixels += image.shape[0] * image.shape[1]
            if len(self.unscored) >= SSIM_BATCH or self.unscored_pixels >= STRIP_VALUES:
                self.score_pending()
        return row

    def _finish(self, row: dict) -> None:
        for key in ("psnr", "ssim", "snr_est_db", "k_over_n"):
            if row.get(key) is not None:
                self.sums[key] += row[key]
                self.counts[key] += 1
        if "label" in row and "predicted_class" in row:
            self.sums["accuracy"] += row["predicted_class"] == row["label"]
            self.counts["accuracy"] += 1
        if self.rows is not None:
            self.rows.append(row)
        if self.on_row is not None:
            self.on_row(row)

    def score_pending(self) -> None:
        """SSIM for the rows still waiting, which are then finished."""
        if self.unscored:
            values = ssim_batch([(reference, image) for _, reference, image in self.unscored])
            pending, self.unscored, self.unscored_pixels = self.unscored, [], 0
            for (row, _, _), value in zip(pending, values):
                row["ssim"] = value
                self._finish(row)

    def summary(self) -> dict:
        """Means over the received images: PSNR, SSIM, top-1 accuracy, SNR estimate and, for a rate-adaptive
        codec, the bandwidth ratio the images used (``mean_k_over_n``; each where known)."""
        self.score_pending()
        summary = {"images_received": self.received, **({"images_lost": self.lost} if self.lost else {})}
        for key in ("psnr", "ssim", "accuracy", "snr_est_db", "k_over_n"):
            if self.counts[key]:
                summary["mean_k_over_n" if key == "k_over_n" else key] = float(self.sums[key] / self.counts[key])
        return summary
