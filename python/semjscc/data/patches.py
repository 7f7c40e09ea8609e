"""Training on photographs: random square crops read from disk an image at a time.

A photo-scale training set (DIV2K: 800 images of about 2K x 1.4K pixels, 6.6 GB as pixels) does not fit
in memory the way CIFAR-10 does, and a codec trained on whole 2K images would take minutes per step. The
deep-JSCC and learned-compression papers train on random crops (256 x 256) instead; each epoch here takes
``per_image`` of them from every image, at positions drawn from (seed, epoch, image), so a run is
reproducible and each epoch sees new crops. A ``torch.utils.data.DataLoader`` with workers decodes the
PNGs beside the training step.
"""

import numpy as np
import torch
from torch.utils.data import Dataset

from semjscc.data.images import read_image


def edge_padded(image: np.ndarray, size: int) -> np.ndarray:
    """``image`` (H, W, 3) padded by repeating its edges to at least ``size`` on each side."""
    pad_rows, pad_columns = max(size - image.shape[0], 0), max(size - image.shape[1], 0)
    if not pad_rows and not pad_columns:
        return image
    return np.pad(image, ((0, pad_rows), (0, pad_columns), (0, 0)), mode="edge")


class RandomCrops(Dataset):
    """Item ``i``: ``per_image`` random ``size`` x ``size`` crops of photograph ``i``, uint8 (per_image, 3, size,
    size); images smaller than a crop are edge-padded."""

    def __init__(self, files: list, size: int, per_image: int, seed: int = 0):
        if size < 8 or per_image < 1:
            raise ValueError(f"a crop is at least 8 pixels and each image gives at least one, not {size} / "
                             f"{per_image}")
        self.files, self.size, self.per_image, self.seed = list(files), size, per_image, seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """New positions for the next epoch (set before its DataLoader iterator starts its workers)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.files)

    def __getitem__(self, index: int) -> torch.Tensor:
        image = edge_padded(read_image(self.files[index]), self.size)
        rng = np.random.default_rng((self.seed, self.epoch, index))
        tops = rng.integers(0, image.shape[0] - self.size + 1, self.per_image)
        lefts = rng.integers(0, image.shape[1] - self.size + 1, self.per_image)
        crops = np.stack([image[top:top + self.size, left:left + self.size] for top, left in zip(tops, lefts)])
        return torch.from_numpy(crops).permute(0, 3, 1, 2).contiguous()


def stack_crops(items: list) -> torch.Tensor:
    """A batch: the crops of several images, one (N, 3, size, size) tensor."""
    return torch.cat(items)


def center_crops(images, size: int) -> np.ndarray:
    """The central ``size`` x ``size`` crop of each image (edge-padded if smaller), (N, size, size, 3): a fixed
    validation set of photographs of different sizes."""
    crops = []
    for image in images:
        image = edge_padded(image, size)
        top, left = (image.shape[0] - size) // 2, (image.shape[1] - size) // 2
        crops.append(image[top:top + size, left:left + size])
    return np.stack(crops)
