"""``semjscc data fetch``: the full data sets from their official sources, checked, in the layout the loader reads.

- CIFAR-10: the python archive from the University of Toronto (170,498,071 bytes,
  SHA-256 below, the digest Keras pins), extracted to ``<root>/cifar10/cifar-10-batches-py``:
  50,000 training and 10,000 test images, all lossless.
- Kodak: the 24 PNGs from r0k.us, each checked by the SHA-256 of its decoded RGB
  pixels (re-encoded copies of the same pixels pass), to ``<root>/kodak``.
- DIV2K (Agustsson and Timofte, NTIRE 2017), the high-resolution set the deep-JSCC and
  learned-compression papers train on: 800 training and 100 validation PNGs of about 2K
  pixels on the long side, to ``<root>/div2k/DIV2K_train_HR`` and ``DIV2K_valid_HR``
  (3.5 GB and 0.45 GB zip archives; sizes and SHA-256 as TensorFlow Datasets pins them).
  Its authors make it available for academic research only.

Downloads stream to disk, bounded by the expected size and hashed as they arrive (a 3.5 GB
archive never sits in memory), and are kept only once they check out (an archive is
extracted to a staging folder and renamed into place), so an interrupted or corrupt
fetch leaves nothing the loader would read.  What is already there and correct is not
fetched again.
"""

import hashlib
import os
import shutil
import tarfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
from PIL import Image

CHUNK = 1 << 20


class FetchError(RuntimeError):
    """A download that failed or did not check out: nothing was written."""


class Remote(NamedTuple):
    """One file of a data set: what it must hash to, the most bytes accepted, and (archives) the folder inside
    it whose files are kept."""

    sha256: str
    max_bytes: int
    extract: str = ""


@dataclass(frozen=True)
class Manifest:
    """Where a data set comes from and what it must hash to."""

    base_url: str
    files: dict  # name -> Remote
    kind: str  # "archive": SHA-256 of the file (.tar.gz or .zip); "images": SHA-256 of the decoded RGB pixels
    folder: str
    terms: str = ""  # the data's terms of use, shown before it is fetched


KODAK_PIXELS_SHA256 = {
    "kodim01": "a00210743353594464ac67e680a41710f484444ca5f9dfddeb570de25c428273",
    "kodim02": "ae5a495df4ec40e0941265440ccf98973915b4190ab803e37a23ca93dd43a07e",
    "kodim03": "234e61f585503f2a44400f5561131e8a512ef2c15328cd83d5cdbf10e2616cf2",
    "kodim04": "e88e788fca00e6c723bb66ff45edb8cb56091ee284dcb73e3909834f2c96eeb6",
    "kodim05": "ed3d1ee770909d3b27903b52ce19ee59a9bf24621a7bf1fb57b90677da880cb6",
    "kodim06": "7f45158999fa297d1cfbd292b3e2f3f5b27770701c3473155c211c3f512cc97f",
    "kodim07": "4e3664bf6fe865b49f15f7b554efa7dbecaf73ae0e8699f2e307bf07849f1264",
    "kodim08": "889c3740e4ed54ca53d11ae735a44d15fa24fe312b3bd1609a80618a4092c208",
    "kodim09": "f8453140e63a42301a6dbebb849a3cc40d34e4e59580eb1f372f7f5460df0dbe",
    "kodim10": "fabe11b5c4f028394e093a5b5907e5fabc8072da0d5334fb3a38547a7e1be842",
    "kodim11": "ab4dd9bf8431e717d33892b3ba03c63bfea3c7fa72c2610010de7df3c194c075",
    "kodim12": "f412db2168e599949aac26bd3264f111b23a684f30a21cfd320e9e95bc69bbae",
    "kodim13": "875703d56fb9396f478b5d7d3b18e2b77c17147a685c6dc2567e1c574aaf01e3",
    "kodim14": "2bd5029ee75ac1697542e5b05624e8afe186e3250abd7513d6a806b52084c2f0",
    "kodim15": "b5353e7511277009922ecbdebfc6418fec53aa1b2a08d44fc957a7540825697b",
    "kodim16": "ed21745fd32fce95cc2c6af7fc52b1b15e590c7a14ab18ab34bd65ecaf955ac7",
    "kodim17": "566bc866664e9b06dc86e2654051b454844efe17322dbf7e24156d8243f1943e",
    "kodim18": "3475af71066f3ca8206eb12cfc989ebe9c6e44820a96604e88ae018606e1f7bd",
    "kodim19": "7956408ef24222d37ac53f579bd24d5b2c3557b16c657e8b71c1b6ae9f18de1b",
    "kodim20": "666ce8f2db5566a123bb081e70618f6f4c4253df960f3b41bb9dcc3dd134f3cf",
    "kodim21": "2d6902daf7c4486b7c8c04d834091841a2b38c8f0c81cd7a963a6510b34a2a6a",
    "kodim22": "f430842120c108b67725ada96b8b7b2a914f6a0915eacd5595064c6c1a5d70a0",
    "kodim23": "81992a83592267e69125666f3e3e04c1819529b4c4c1e55fde0a6a741bac4219",
    "kodim24": "e3e3ccc3e795b82a3da66934409dfe98ce0f5aadc6d7767543c506453599bb98",
}

MANIFESTS = {
    "cifar10": Manifest(
        base_url="https://www.cs.toronto.edu/~kriz/",
        files={"cifar-10-python.tar.gz": Remote("6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce",
                                                170_498_071, "cifar-10-batches-py/")},
        kind="archive", folder="cifar10"),
    "kodak": Manifest(
        base_url="https://r0k.us/graphics/kodak/kodak/",
        files={f"{name}.png": Remote(digest, 2_000_000) for name, digest in KODAK_PIXELS_SHA256.items()},
        kind="images", folder="kodak"),
    "div2k": Manifest(
        base_url="https://data.vision.ee.ethz.ch/cvl/DIV2K/",
        files={"DIV2K_train_HR.zip": Remote("9d0b9c463f6e35b6c62cc6a930ee2224f670b34c1df841a57670f9acf0f6c335",
                                            3_530_603_713, "DIV2K_train_HR/"),
               "DIV2K_valid_HR.zip": Remote("20dd31fd84d777bc1cf5d6b7654a3f569c0aec74458ae094122ad1d0489900fc",
                                            448_993_893, "DIV2K_valid_HR/")},
        kind="archive", folder="div2k",
        terms="DIV2K is made available by its authors for academic research only; cite Agustsson and Timofte, "
              "NTIRE 2017 challenge on single image super-resolution: dataset and study (CVPR workshops 2017)"),
}


def default_root() -> Path:
    """Where fetched data goes without ``--root``: $SEMJSCC_DATA, else the user's data folder."""
    if os.environ.get("SEMJSCC_DATA"):
        return Path(os.environ["SEMJSCC_DATA"])
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "semjscc" / "data"


def _download(url: str, target: Path, limit: int, timeout: float) -> str:
    """Stream ``url`` into ``target`` (at most ``limit`` bytes); the SHA-256 of what arrived."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response, open(target, "wb") as sink:
            declared = response.headers.get("Content-Length")
            if declared is not None and int(declared) > limit:
                raise FetchError(f"{url}: {int(declared):,} bytes announced, at most {limit:,} expected")
            received = 0
            while chunk := response.read(CHUNK):
                received += len(chunk)
                if received > limit:
                    raise FetchError(f"{url}: more than the {limit:,} bytes expected; stopped")
                digest.update(chunk)
                sink.write(chunk)
    except OSError as error:  # URLError, timeouts, refused connections
        raise FetchError(f"{url}: {error}; check the network, or pass --base-url for a mirror") from None
    return digest.hexdigest()


def _pixels_digest(path: Path, source: str) -> str:
    try:
        with Image.open(path) as image:
            pixels = np.asarray(image.convert("RGB"))
    except Exception as error:  # a page or a truncated file instead of a PNG
        raise FetchError(f"{source}: not an image: {error}") from None
    return hashlib.sha256(pixels.tobytes()).hexdigest()


def _members(archive: Path):
    """(name, is a regular file, declared size, opener) of every entry of a .tar.gz or .zip archive."""
    if archive.name.endswith(".zip.part"):
        with zipfile.ZipFile(archive) as bundle:
            for info in bundle.infolist():
                yield info.filename, not info.is_dir(), info.file_size, lambda info=info: bundle.open(info)
    else:
        with tarfile.open(archive, "r:gz") as bundle:
            for member in bundle:
                yield member.name, member.isfile(), member.size, lambda member=member: bundle.extractfile(member)


def _extract(archive: Path, folder: Path, prefix: str, limit: int) -> None:
    """The archive's regular files directly under ``prefix`` into ``folder / prefix``; any other entry, or one
    declaring more bytes than the archive may hold, refuses the whole archive."""
    staging = folder / (prefix.rstrip("/") + ".part")
    shutil.rmtree(staging, ignore_errors=True)
    for name, regular, size, opener in _members(archive):
        parts = Path(name).parts
        if not regular and name.rstrip("/") + "/" == prefix:
            continue
        if not regular or not name.startswith(prefix) or ".." in parts or Path(name).is_absolute() or \
                len(parts) != 2 or size > limit:
            shutil.rmtree(staging, ignore_errors=True)
            raise FetchError(f"{archive.name.removesuffix('.part')}: unexpected entry {name!r}; nothing extracted")
        staging.mkdir(parents=True, exist_ok=True)
        with opener() as source, open(staging / parts[1], "wb") as target:
            shutil.copyfileobj(source, target)
    final = folder / prefix.rstrip("/")
    shutil.rmtree(final, ignore_errors=True)
    staging.rename(final)


def fetch(name: str, root=None, base_url: str = "", timeout: float = 60.0, manifest: Manifest = None,
          log=print) -> Path:
    """Fetch data set ``name`` (cifar10, kodak, div2k) into ``root``; returns the folder the loader reads."""
    if manifest is None:
        if name not in MANIFESTS:
            raise ValueError(f"unknown data set {name!r}: choose one of {', '.join(MANIFESTS)}")
        manifest = MANIFESTS[name]
    folder = Path(root or default_root()) / manifest.folder
    folder.mkdir(parents=True, exist_ok=True)
    base = (base_url or manifest.base_url).rstrip("/") + "/"
    if manifest.terms:
        log(f"{name}: {manifest.terms}")
    for filename, remote in manifest.files.items():
        target = folder / filename
        if manifest.kind == "archive":  # extracted before, when the archive checked out
            done = (folder / remote.extract.rstrip("/")).is_dir()
        else:
            done = target.is_file() and _pixels_digest(target, str(target)) == remote.sha256
        if done:
            log(f"{name}: {filename} already there")
            continue
        url = base + filename
        log(f"{name}: fetching {url}")
        partial = target.with_name(target.name + ".part")
        try:
            actual = _download(url, partial, remote.max_bytes, timeout)
            if manifest.kind == "images":
                actual = _pixels_digest(partial, url)
            if actual != remote.sha256:
                raise FetchError(f"{url}: SHA-256 {actual} is not the expected {remote.sha256}; not kept")
            if manifest.kind == "archive":
                _extract(partial, folder, remote.extract, remote.max_bytes)
            else:
                partial.rename(target)
        finally:
            partial.unlink(missing_ok=True)
    log(f"{name}: ready in {folder}")
    return folder
