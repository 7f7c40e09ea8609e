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
- Wikipedia photographs: 49 PNGs of about 1.1 megapixels (1276x850 typically), each downsampled from a
  very large Wikimedia Commons JPEG (so free of its compression artefacts), as collected in the public
  ``Zelex/images`` repository of standard test images (commit pinned below), to ``<root>/wikiphotos``;
  checked by the SHA-256 of their pixels like Kodak. Mostly Creative Commons, many needing
  attribution: each photograph's page is listed in that folder's README. The photo-scale codecs
  (``adaptive_hr_*``) were trained on the first 45 and validated on the last 4.

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

WIKIPHOTOS_PIXELS_SHA256 = {
    "001": "93f06693baa3bbfcf95b968fe4b15447415ef64856c3178bae6e89d1dec5e831",  # 1276x850
    "002": "946a6fa56d9a18a76db0ab9f3d161b23ac75360dc849f8bf7738da5d6e4eabf7",  # 1260x806
    "003": "1ca93fb3e8505b82aa16cb2d519099c2dbf1adb94d23165c132f51f33ea4d111",  # 1436x730
    "004": "078d3811931cb3a8926f3cac5d6a08309f65d92b07f16ad2fc29318dd209292e",  # 1428x714
    "005": "e8ea736af3ffe1fbe96bdc48cbc551360690bad0d127a398c77fb564f126e5c0",  # 1228x816
    "006": "dee9b7cca88de842ebe9c98e510efa5e569a1fec364098f24ff9b7db4ead5c35",  # 1404x936
    "007": "70ce53846fbec653eacde3fc627493db7bd1789cccb53f757f41a2476d5b48f0",  # 896x1110
    "008": "5a190b86888821ac47f3031127fced51f05a24677710a4aba671dedb6eedd427",  # 1152x858
    "009": "5b61452902070f13415655155aa57e459c7f502cb984d207cdb67440e5628912",  # 1232x816
    "010": "744d5130069067b5edf6fa72487da858cb4ce8d82811857bb3a0be192dfd0f7f",  # 1724x536
    "011": "4a37f467c566a48609ed836f679576c644ce4a6df7ebe2d605ac7da04a8c277c",  # 1508x780
    "012": "706fcd98985982f037f6d4cb8bc79f31a430a0a0a9440b1b2404b07f0411771c",  # 1202x804
    "013": "a52196d989b03d4a1f3b5714f354acced29e7872ffa18e7fb8c688051afff827",  # 1586x752
    "014": "d15b045b4c2cbbdfc1f718d7a165c4b9eae822755bf09f406ab7964120c2b1ac",  # 872x1136
    "015": "e898a0913a98dd43ea25acf76cd69b7ed9f3acc3860e08d50edeaa87acf28601",  # 900x1100
    "016": "2e7967a4f9cf408f3d90b8b9c74842fa3efdcf7f79a1c83edbd6b1a5267315f1",  # 1136x818
    "017": "3d071feca2cc93d7f457890a6babd7826f974f4211c7963389f52eeb0d0c4851",  # 1306x870
    "018": "003678f9ff9cec4ee49785c8c1a132134765ef3b2aef7c25a0687c1a26729e5b",  # 1402x934
    "019": "9c5b5a5647c9bc6d7776cc647519090c1fd51065b8211319fe84185111b6cdbc",  # 1560x770
    "020": "ddf6d27a230f928da8b839e4d5bef12fd6662db46490f88f3e151b4ed6a88492",  # 1296x864
    "021": "2d23894932d9c6db25c32423ff3bf2e42150c53bf9d8e0fdea776c3ecf4cfe79",  # 1272x994
    "022": "ab9a12ad14c5ca6ac19211516625f37e1d213f21a622cc98d56f4c3aea3e2215",  # 1080x874
    "023": "0e9cfcc9c41c8816d00f46fe310f5229e8a05c966f260b45f9a7764b4fa7b6c4",  # 1296x864
    "024": "dbd62f00afe849a52243c9813ed1c2d4001eb39bb910101be55e77e4e6781f46",  # 1038x1072
    "025": "9a892d8580e7a948a7089e91d52a4a48dc5638dbe94cd4b6dc6903b7a09cbd54",  # 1388x926
    "026": "1b6c48438721032f277cba43ec93096ce478cebd434366e35d7a60c2dc57e574",  # 1250x832
    "027": "ffa3bdbb274ad72df2597b9635d7efff107b98c99bf9493d5f9fab8d52d32d92",  # 960x1164
    "028": "aa17988a4e06241d1eef0294843d37e323798ed09885fceca1def144bb89f107",  # 1232x816
    "029": "2beee612fec27f7714c449cd1b275d3c5cb78e53941704b1c571a167e76b976c",  # 864x1296
    "030": "08c4829eccad5ef7e0731e584e32c3f7c314a647e2167a963edef6303b36ec14",  # 1036x1240
    "031": "3d8b1f6e4b4354ad0b4bbc7551e5eeedc2fca4df32e2563d5c1b817996f2b231",  # 1170x882
    "032": "83334b4bb85bf22992f9de7e93db9dc71969ab23fa323e76d4e68ed6e9234525",  # 864x1296
    "033": "971b2ff0b453ff714552691267810a88f8e1eaf1658d745b5ea78cdc40b1605f",  # 1440x664
    "034": "5b7c6408c2e881bfa6a1e3940d2265d7bb41ae3937c9f306f5e4ab4186823d7e",  # 1256x776
    "035": "b4d8f7f58ff6a5795ad4ec851cdd7e2b8d3712a02f10c4479e0be32971672481",  # 1202x932
    "036": "50a7afa3e1974428059b848f0986e256d1460283130a0c6a4a4ef6ecaa4700ea",  # 1086x858
    "037": "12c93405392877c59f61af67af5049170e5c7376424f4ae415facaa410271526",  # 1296x864
    "038": "5b7dc1aeeb22ff2098af0a5db066abe4780161c644bf6f9e4ed9b46dc6e39a9a",  # 1200x800
    "039": "f652476a092a91bef2e482dadb1ca962c8abf0e3da983a56752250a6121c8f80",  # 1296x864
    "040": "7522b2098ae69b2b5d960e6a958f02bbc756407e2a65b452d146929bc3843ea6",  # 1296x864
    "041": "7ff40265157eb6255e4fe640152c48a72fc7f8fb824909fb5e033e9a8fdb4e97",  # 952x1058
    "042": "9d8d3f05b4267d3138509707a45e1a6813627271e968e32be00ac5c7b064daf7",  # 1300x900
    "043": "0012eb935901bb1b082fd36e3d54951b236cf36d8389d68bafe6cb108ce30e03",  # 1404x936
    "044": "52f5e1e7e196b7fb66aba36fd9910f9615cdd7b1e1ab7236180a2fb721b01931",  # 1332x952
    "045": "5b540185673d051dbfdc0c89220d1dd170211f804b4fa16bf438ed45cf91eed8",  # 864x1296
    "046": "e59e9136598396f74b34f261f668a39baf7798fc11f7027c0a36d3dfe56134bb",  # 1110x832
    "047": "45d6ec8b7f04a3d594b5cbfdef8b27a21b279041e7cc239dfe9a16443a403f56",  # 1204x904
    "048": "b68bdc1b0a6761cf45c8d439bbf5a521d10050542a7a675477f2f68f48fe6ee2",  # 816x1150
    "049": "2729ae18e91ea7ef628d0bf35ae79826a124eca0208adc0ea09f23d85e0f2b39",  # 1070x1080
}
WIKIPHOTOS_SOURCE = "https://raw.githubusercontent.com/Zelex/images/0b8a89db599a384124fb991b85d40cfd63c73d58/" \
                    "wikipedia-photos/"

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
    "wikiphotos": Manifest(
        base_url=WIKIPHOTOS_SOURCE,
        files={f"{name}.png": Remote(digest, 3_000_000) for name, digest in WIKIPHOTOS_PIXELS_SHA256.items()},
        kind="images", folder="wikiphotos",
        terms="photographs from Wikimedia Commons, mostly under Creative Commons licences, many requiring "
              f"attribution: each one's page (author, licence) is listed in {WIKIPHOTOS_SOURCE}README.md"),
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
    """Fetch data set ``name`` (cifar10, kodak, div2k, wikiphotos) into ``root``; returns the folder the loader
    reads."""
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
