"""Dataset specs: ``cifar10:train``, ``cifar10:test``, ``cifar10:test:1000``, ``kodak``, ``div2k:train``,
``div2k:valid``, ``wikiphotos:train`` (photographs 001-045), ``wikiphotos:valid`` (046-049), a path, and
``sample:cifar10:test``, ``sample:kodak`` for the small sample shipped inside this package.

Where the data lives: ``--data-root`` or ``$SEMJSCC_DATA``, else ``../shared/data`` beside the checkout,
else where ``semjscc data fetch`` puts it (``~/.local/share/semjscc/data``). The shipped sample is used
only when a spec names it (``sample:``) or the data root is the sample folder: it never stands in for a
full set, so a figure is never computed on 256 images when 1,000 were asked for.

CIFAR-10 files understood under ``<root>/cifar10``:
- ``cifar10_train_lossless.npz``, ``cifar10_test_lossless_first1000.npz`` (lossless);
- ``cifar10_test.npz``: the full test set decoded from JPEG (``cifar10:test-jpeg``),
  good for accuracy, never for PSNR: it is ~30 dB from the originals;
- the original python batches (``cifar-10-batches-py/data_batch_*``, ``test_batch``);
- class folders ``train/<class>/*.png`` and ``test/<class>/*.png``.
"""

import os
import pickle
from pathlib import Path
from typing import Optional

import numpy as np

from semjscc.data.fetch import default_root as fetched_root
from semjscc.data.images import ImageSet, folder_files, load_files, load_folder, read_image
from semjscc.store.paths import CHECKOUT_ROOT

SAMPLE_ROOT = Path(__file__).resolve().parent / "sample"
SAMPLE_PREFIX = "sample:"
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")

PHOTO_SETS = ("kodak", "div2k", "wikiphotos")  # folders of full-size photographs
SPLIT_SETS = ("div2k", "wikiphotos")  # photographs named with a split: <set>:train|valid[:N]
WIKIPHOTOS_TRAIN = 45  # wikiphotos: the first 45 train, the other 4 validate
NPZ_FILES = {
    "train": ["cifar10_train_lossless.npz"],
    "test": ["cifar10_test_lossless_first1000.npz", "cifar10_test_sample.npz"],
    "test-jpeg": ["cifar10_test.npz"],
}


def data_root(override=None) -> Optional[Path]:
    """The first existing data root: argument, $SEMJSCC_DATA, ../shared/data, where ``semjscc data fetch``
    puts data by default; None when there is none."""
    candidates = [override, os.environ.get("SEMJSCC_DATA"), CHECKOUT_ROOT.parent / "shared" / "data", fetched_root()]
    for candidate in candidates:
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


def load_dataset(spec: str, root=None) -> ImageSet:
    """Load the images a spec names (see the module docstring)."""
    if spec.startswith(SAMPLE_PREFIX):
        dataset = _load_named(spec[len(SAMPLE_PREFIX):], SAMPLE_ROOT)
    elif spec.partition(":")[0] in ("cifar10", *PHOTO_SETS):
        dataset = _load_named(spec, _chosen_root(spec, root))
    elif Path(spec).exists():
        dataset = load_folder(Path(spec)) if Path(spec).is_dir() else _single_file(Path(spec))
    else:
        raise ValueError(
            f"unknown dataset {spec!r}: use cifar10:train, cifar10:test[:N], cifar10:test-jpeg[:N], kodak[:N], "
            f"div2k|wikiphotos:train|valid[:N], "
            f"sample:cifar10:test[:N] or sample:kodak[:N] (shipped with the package), or a path to an image or a "
            f"folder"
        )
    dataset.name = spec
    return dataset


def _load_named(spec: str, root: Path) -> ImageSet:
    name, _, rest = spec.partition(":")
    split, _, count = rest.partition(":")
    if name == "cifar10":
        dataset = _load_cifar10(split or "test", root)
    elif name in PHOTO_SETS:
        dataset, count = load_files(_photo_files(spec, root), spec), ""
    else:
        raise ValueError(f"unknown dataset {spec!r}: use cifar10:train|test|test-jpeg[:N], kodak[:N] or "
                         f"div2k|wikiphotos:train|valid[:N] (the shipped sample: sample:cifar10:test[:N], "
                         f"sample:kodak[:N])")
    if count:
        dataset = dataset.subset(_image_count(count, spec))
    return dataset


def _image_count(count: str, spec: str) -> int:
    if not count.isdigit() or int(count) < 1:
        raise ValueError(f"bad image count {count!r} in dataset spec {spec!r}")
    return int(count)


def _chosen_root(spec: str, root) -> Path:
    chosen = data_root(root)
    if chosen is None:
        name = spec.partition(":")[0]
        raise FileNotFoundError(
            f"{spec}: no data folder found (--data-root, $SEMJSCC_DATA, {fetched_root()}); get the data with: "
            f"semjscc data fetch {name}, or use sample:{spec} for the few images shipped with the package"
        )
    return chosen


def _single_file(path: Path) -> ImageSet:
    return ImageSet(name=str(path), images=[read_image(path)], names=[path.stem])


def _photo_files(spec: str, root: Path) -> list:
    """The files of ``kodak[:N]``, ``div2k:train|valid[:N]`` or ``wikiphotos:train|valid[:N]`` under ``root``."""
    name, _, rest = spec.partition(":")
    split, count = "", rest
    if name in SPLIT_SETS:
        split, _, count = rest.partition(":")
        if split not in ("train", "valid"):
            raise ValueError(f"unknown split {split!r} in {spec!r}: use {name}:train or {name}:valid")
    folder = root / "div2k" / f"DIV2K_{split}_HR" if name == "div2k" else root / name
    if not folder.is_dir():
        raise FileNotFoundError(f"no {folder.relative_to(root)}/ folder under {root}; get it with: "
                                f"semjscc data fetch {name}")
    files = folder_files(folder)[0]
    if name == "wikiphotos":
        files = files[:WIKIPHOTOS_TRAIN] if split == "train" else files[WIKIPHOTOS_TRAIN:]
    return files[:_image_count(count, spec)] if count else files


def photo_files(spec: str, root=None) -> list:
    """The image files a spec of photographs names (``wikiphotos:train[:N]``, ``div2k:train[:N]``, ``kodak[:N]``,
    a folder), unread: a trainer that crops them reads one at a time."""
    if spec.partition(":")[0] in PHOTO_SETS:
        return _photo_files(spec, _chosen_root(spec, root))
    if Path(spec).is_dir():
        return folder_files(Path(spec))[0]
    raise ValueError(f"{spec!r} is not a set of photographs on disk (wikiphotos:train, div2k:train, kodak or a "
                     f"folder)")


def _load_cifar10(split: str, root: Path) -> ImageSet:
    if split not in NPZ_FILES:
        raise ValueError(f"unknown CIFAR-10 split {split!r}; use train, test or test-jpeg")
    folder = root / "cifar10"
    for filename in NPZ_FILES[split]:
        if (folder / filename).is_file():
            return _from_npz(folder / filename)
    batches = folder / "cifar-10-batches-py"
    if batches.is_dir() and split != "test-jpeg":
        return _from_python_batches(batches, split)
    if (folder / split).is_dir():
        return load_folder(folder / split)
    raise FileNotFoundError(
        f"CIFAR-10 split {split!r} not found under {root} "
        f"(looked for {', '.join(NPZ_FILES[split])}, cifar-10-batches-py/, {split}/<class>/); "
        f"get it with: semjscc data fetch cifar10"
    )


def _from_npz(path: Path) -> ImageSet:
    with np.load(path, allow_pickle=False) as archive:
        images, labels = archive["images"], archive["labels"].astype(np.int64)
        classes = [str(c) for c in archive["class_names"]] if "class_names" in archive else CIFAR10_CLASSES
    if images.ndim != 4 or images.shape[-1] != 3 or images.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 images (N, H, W, 3), got {images.dtype} {images.shape}")
    return ImageSet(name=str(path), images=images, labels=labels, class_names=classes,
                    names=[f"{i:05d}" for i in range(len(images))])


def _from_python_batches(folder: Path, split: str) -> ImageSet:
    files = sorted(folder.glob("data_batch_*")) if split == "train" else [folder / "test_batch"]
    images, labels = [], []
    for file in files:
        with open(file, "rb") as handle:
            batch = pickle.load(handle, encoding="bytes")  # the official CIFAR-10 format is a pickle
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.append(np.asarray(batch[b"labels"], dtype=np.int64))
    images = np.concatenate(images)
    return ImageSet(name=str(folder), images=images, labels=np.concatenate(labels),
                    class_names=CIFAR10_CLASSES, names=[f"{i:05d}" for i in range(len(images))])


def missing_full_data(root=None) -> list:
    """What the benchmarks need and ``root`` (default: the data root) lacks: the shipped sample never counts."""
    chosen = data_root(root)
    if chosen is None or chosen.resolve() == SAMPLE_ROOT.resolve():
        return ["any data folder (only the shipped sample was found)"]
    needs = {"cifar10:train": 45_000, "cifar10:test": 1_000, "kodak": 24}
    missing = []
    for spec, count in needs.items():
        try:
            found = len(load_dataset(spec, chosen)) if (chosen / spec.split(":")[0]).is_dir() else 0
        except (FileNotFoundError, ValueError):
            found = 0
        if found < count:
            missing.append(f"{spec} ({found} of at least {count} images in {chosen})")
    return missing
