"""An in-memory set of RGB images with optional labels, and image file I/O."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".ppm", ".webp"}
MAX_PIXELS = 1 << 24  # 16 Mpx (4096 x 4096); the codecs run in tiles, so a 4K image takes about 1.4 GB end to end


@dataclass
class ImageSet:
    """Images as uint8 HxWx3 arrays.

    ``images`` is one (N, H, W, 3) array when all images share a size (CIFAR-10),
    else a list of arrays (Kodak mixes landscape and portrait).
    """

    name: str
    images: object
    labels: Optional[np.ndarray] = None
    class_names: Sequence[str] = ()
    names: Sequence[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.images)

    @property
    def uniform(self) -> bool:
        return isinstance(self.images, np.ndarray)

    def subset(self, count: int) -> "ImageSet":
        """The first ``count`` images (all of them if there are fewer)."""
        return ImageSet(
            name=self.name,
            images=self.images[:count],
            labels=None if self.labels is None else self.labels[:count],
            class_names=self.class_names,
            names=list(self.names[:count]),
        )


def to_rgb8(image: Image.Image) -> np.ndarray:
    """uint8 HxWx3 RGB of any Pillow image; 16-bit and 32-bit grey levels are scaled down, not clipped."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        values = np.asarray(image, dtype=np.float64)
        top = 65535.0 if image.mode.startswith("I;16") or values.max() > 255 else 255.0
        grey = np.round(np.clip(values, 0, top) * (255.0 / top)).astype(np.uint8)
        return np.repeat(grey[..., None], 3, axis=2)
    return np.asarray(image.convert("RGB"), dtype=np.uint8)


def read_image(path, max_pixels: int = MAX_PIXELS) -> np.ndarray:
    """Read an image file as uint8 HxWx3 RGB; a clear error names a bad or oversized file."""
    path = Path(path)
    try:
        with Image.open(path) as image:
            if image.width * image.height > max_pixels:
                raise ValueError(f"{path} is {image.width}x{image.height}: more than the {max_pixels:,} pixels "
                                 "an image may have here")
            return to_rgb8(image)
    except FileNotFoundError:
        raise FileNotFoundError(f"image not found: {path}") from None
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as err:
        raise ValueError(f"cannot read {path} as an image: {err}") from None


def write_image(path, image: np.ndarray, compress_level: int = 6) -> None:
    """Save as PNG (or whatever the suffix names); ``compress_level`` 1 is ~5x faster than 6, files ~30 % larger."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(image, dtype=np.uint8)).save(path, compress_level=compress_level)


def image_files(folder: Path) -> list:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


def stack_if_uniform(images: list):
    """One array when every image has the same shape, else the list itself."""
    if images and all(img.shape == images[0].shape for img in images):
        return np.stack(images)
    return images


def folder_files(folder: Path) -> tuple:
    """(image files, labels or None, class names) of a folder of images, or of class sub-folders (the sub-folder
    names are the labels)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"image folder not found: {folder}")
    classes = sorted(p.name for p in folder.iterdir() if p.is_dir())
    if classes:
        files, labels = [], []
        for index, cls in enumerate(classes):
            members = image_files(folder / cls)
            files += members
            labels += [index] * len(members)
        label_array = np.asarray(labels, dtype=np.int64)
    else:
        files, label_array = image_files(folder), None
    if not files:
        raise ValueError(f"no images ({', '.join(sorted(IMAGE_SUFFIXES))}) in {folder}")
    return files, label_array, classes


def load_folder(folder: Path, count: int = 0) -> ImageSet:
    """A folder of images, or of class sub-folders (the sub-folder names are the labels); only the first
    ``count`` images are read when it is given (a few of DIV2K's 100 validation photographs, not 1.3 GB)."""
    files, label_array, classes = folder_files(folder)
    if count:
        files, label_array = files[:count], None if label_array is None else label_array[:count]
    return load_files(files, str(folder), label_array, classes)


def load_files(files: list, name: str, labels=None, class_names=()) -> ImageSet:
    """These image files, read now, in this order."""
    return ImageSet(name=name, images=stack_if_uniform([read_image(f) for f in files]), labels=labels,
                    class_names=list(class_names), names=[Path(f).stem for f in files])
