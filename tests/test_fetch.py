"""``semjscc data fetch`` against a local HTTP server: checked downloads in the loader's layout, nothing kept
from a bad one.  Nothing here reaches the internet."""

import functools
import hashlib
import http.server
import io
import pickle
import tarfile
import threading
import zipfile
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image

from semjscc.data import load_dataset
from semjscc.data.specs import photo_files
from semjscc.data.fetch import MANIFESTS, FetchError, Manifest, Remote, fetch


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """(base URL, served folder) of an HTTP server on localhost."""
    served = tmp_path / "served"
    served.mkdir()
    handler = functools.partial(QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/", served
    httpd.shutdown()


def cifar_archive(extra_member: str = "") -> bytes:
    """A miniature CIFAR-10 python archive: 5 training batches of 2 images, a test batch of 3."""
    rng = np.random.default_rng(0)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        names = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
        for name in names:
            count = 3 if name == "test_batch" else 2
            batch = {b"data": rng.integers(0, 256, (count, 3072), dtype=np.uint8),
                     b"labels": list(rng.integers(0, 10, count))}
            data = pickle.dumps(batch)
            info = tarfile.TarInfo(f"cifar-10-batches-py/{name}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        if extra_member:
            info = tarfile.TarInfo(extra_member)
            info.size = 1
            tar.addfile(info, io.BytesIO(b"x"))
    return buffer.getvalue()


def archive_manifest(data: bytes) -> Manifest:
    return replace(MANIFESTS["cifar10"], files={"cifar-10-python.tar.gz": Remote(
        hashlib.sha256(data).hexdigest(), len(data) + 10, "cifar-10-batches-py/")})


def test_cifar10_archive_is_checked_extracted_and_loadable(server, tmp_path):
    url, served = server
    archive = cifar_archive()
    (served / "cifar-10-python.tar.gz").write_bytes(archive)
    root = tmp_path / "data"
    folder = fetch("cifar10", root, url, manifest=archive_manifest(archive), log=lambda _: None)
    assert sorted(p.name for p in folder.iterdir()) == ["cifar-10-batches-py"]  # the archive is not kept
    train, test = load_dataset("cifar10:train", root), load_dataset("cifar10:test", root)
    assert train.images.shape == (10, 32, 32, 3) and test.images.shape == (3, 32, 32, 3)
    messages = []
    fetch("cifar10", root, url, manifest=archive_manifest(archive), log=messages.append)
    assert "already there" in messages[0]  # idempotent: no second download


def test_a_corrupt_or_oversized_archive_leaves_nothing(server, tmp_path):
    url, served = server
    archive = cifar_archive()
    corrupt = bytearray(archive)
    corrupt[len(corrupt) // 2] ^= 0xFF
    (served / "cifar-10-python.tar.gz").write_bytes(bytes(corrupt))
    root = tmp_path / "data"
    with pytest.raises(FetchError, match="SHA-256"):
        fetch("cifar10", root, url, manifest=archive_manifest(archive), log=lambda _: None)
    small = replace(MANIFESTS["cifar10"], files={"cifar-10-python.tar.gz": Remote("0" * 64, 1000,
                                                                                 "cifar-10-batches-py/")})
    with pytest.raises(FetchError, match="expected"):
        fetch("cifar10", root, url, manifest=small, log=lambda _: None)
    assert list((root / "cifar10").iterdir()) == []


def test_an_archive_with_an_unexpected_entry_is_refused(server, tmp_path):
    url, served = server
    archive = cifar_archive(extra_member="../outside")
    (served / "cifar-10-python.tar.gz").write_bytes(archive)
    with pytest.raises(FetchError, match="unexpected entry"):
        fetch("cifar10", tmp_path / "data", url, manifest=archive_manifest(archive), log=lambda _: None)
    assert not (tmp_path / "outside").exists() and not (tmp_path / "data" / "cifar10" / "cifar-10-batches-py").exists()


def test_kodak_images_are_checked_by_their_pixels(server, tmp_path, sample_root):
    url, served = server
    pixels = load_dataset("kodak:1", sample_root).images[0]
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG", compress_level=1)  # another encoding, same pixels
    (served / "kodim01.png").write_bytes(buffer.getvalue())
    manifest = replace(MANIFESTS["kodak"], files={"kodim01.png": Remote(hashlib.sha256(pixels.tobytes()).hexdigest(),
                                                                         2_000_000)})
    root = tmp_path / "data"
    fetch("kodak", root, url, manifest=manifest, log=lambda _: None)
    assert np.array_equal(load_dataset("kodak", root).images[0], pixels)
    (served / "kodim01.png").write_bytes(b"<html>not found</html>")
    (root / "kodak" / "kodim01.png").unlink()
    with pytest.raises(FetchError, match="not an image"):
        fetch("kodak", root, url, manifest=manifest, log=lambda _: None)
    assert list((root / "kodak").iterdir()) == []


def test_an_unreachable_source_names_the_url_and_the_way_out(tmp_path):
    with pytest.raises(FetchError, match="127.0.0.1:9/.*--base-url"):
        fetch("kodak", tmp_path, "http://127.0.0.1:9/", timeout=2, log=lambda _: None)


def test_the_official_manifests_pin_every_file():
    assert len(MANIFESTS["kodak"].files) == 24
    assert all(len(remote.sha256) == 64 for remote in MANIFESTS["kodak"].files.values())
    ((name, remote),) = MANIFESTS["cifar10"].files.items()
    assert name == "cifar-10-python.tar.gz" and remote.max_bytes == 170_498_071 and remote.sha256.startswith("6d958be0")
    div2k = MANIFESTS["div2k"]
    assert {name: remote.extract for name, remote in div2k.files.items()} == {
        "DIV2K_train_HR.zip": "DIV2K_train_HR/", "DIV2K_valid_HR.zip": "DIV2K_valid_HR/"}
    assert all(len(remote.sha256) == 64 for remote in div2k.files.values()) and "academic" in div2k.terms


def div2k_like(entries: dict) -> tuple:
    """A zip of PNGs named like DIV2K's (``{path: (height, width)}``), and a manifest pinning it."""
    rng = np.random.default_rng(1)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        bundle.writestr("DIV2K_train_HR/", b"")
        for path, shape in entries.items():
            png = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (*shape, 3), dtype=np.uint8)).save(png, format="PNG")
            bundle.writestr(path, png.getvalue())
    data = buffer.getvalue()
    manifest = replace(MANIFESTS["div2k"], files={"DIV2K_train_HR.zip": Remote(
        hashlib.sha256(data).hexdigest(), len(data), "DIV2K_train_HR/")})
    return data, manifest


def test_a_zip_of_photographs_is_streamed_checked_and_loaded_as_div2k(server, tmp_path):
    url, served = server
    data, manifest = div2k_like({"DIV2K_train_HR/0001.png": (48, 80), "DIV2K_train_HR/0002.png": (64, 40)})
    (served / "DIV2K_train_HR.zip").write_bytes(data)
    root, messages = tmp_path / "data", []
    folder = fetch("div2k", root, url, manifest=manifest, log=messages.append)
    assert "academic research only" in messages[0]  # the terms come before the download
    assert sorted(p.name for p in folder.iterdir()) == ["DIV2K_train_HR"]  # the archive is not kept
    images = load_dataset("div2k:train", root).images
    assert [image.shape for image in images] == [(48, 80, 3), (64, 40, 3)]
    with pytest.raises(FileNotFoundError, match="semjscc data fetch div2k"):
        load_dataset("div2k:valid", root)


@pytest.mark.parametrize("entry", ["DIV2K_train_HR/sub/0001.png", "../0001.png", "elsewhere/0001.png"])
def test_a_zip_with_an_entry_outside_its_folder_or_a_wrong_hash_leaves_nothing(server, tmp_path, entry):
    url, served = server
    data, manifest = div2k_like({"DIV2K_train_HR/0001.png": (8, 8), entry: (8, 8)})
    (served / "DIV2K_train_HR.zip").write_bytes(data)
    root = tmp_path / "data"
    with pytest.raises(FetchError, match="unexpected entry"):
        fetch("div2k", root, url, manifest=manifest, log=lambda _: None)
    wrong = replace(manifest, files={"DIV2K_train_HR.zip": manifest.files["DIV2K_train_HR.zip"]._replace(
        sha256="0" * 64)})
    with pytest.raises(FetchError, match="SHA-256"):
        fetch("div2k", root, url, manifest=wrong, log=lambda _: None)
    assert list((root / "div2k").iterdir()) == []


def test_data_check_refuses_the_sample_and_partial_sets(tmp_path, sample_root, capsys):
    from semjscc.cli import main
    from semjscc.data.specs import missing_full_data

    assert main(["data", "check", "--root", str(sample_root)]) == 1
    assert "semjscc data fetch cifar10 kodak" in capsys.readouterr().err
    (tmp_path / "kodak").mkdir()
    missing = missing_full_data(tmp_path)
    assert [item.split()[0] for item in missing] == ["cifar10:train", "cifar10:test", "kodak"]


def test_the_shipped_sample_never_stands_in_for_a_full_set(tmp_path, sample_root, monkeypatch):
    monkeypatch.setenv("SEMJSCC_DATA", str(tmp_path))  # a data folder without the sets
    with pytest.raises(FileNotFoundError, match="get it with: semjscc data fetch kodak"):
        load_dataset("kodak:1")
    with pytest.raises(FileNotFoundError, match="semjscc data fetch cifar10"):
        load_dataset("cifar10:test:4")
    assert len(load_dataset("sample:kodak:1")) == 1  # named: the shipped sample
    assert len(load_dataset("cifar10:test:4", sample_root)) == 4  # the sample folder asked for as the root
    monkeypatch.setattr("semjscc.data.specs.data_root", lambda root=None: None)
    with pytest.raises(FileNotFoundError, match="use sample:cifar10:test:4 for the few images shipped"):
        load_dataset("cifar10:test:4")


def test_wikiphotos_are_pinned_and_split_45_for_training_and_4_for_validation(tmp_path):
    manifest = MANIFESTS["wikiphotos"]
    assert sorted(manifest.files) == [f"{i:03d}.png" for i in range(1, 50)] and manifest.kind == "images"
    assert all(len(remote.sha256) == 64 for remote in manifest.files.values()) and "attribution" in manifest.terms
    folder = tmp_path / "wikiphotos"
    folder.mkdir()
    for i in range(1, 50):
        Image.fromarray(np.full((8, 12, 3), i, np.uint8)).save(folder / f"{i:03d}.png")
    train, valid = load_dataset("wikiphotos:train", tmp_path), load_dataset("wikiphotos:valid:2", tmp_path)
    assert train.names == [f"{i:03d}" for i in range(1, 46)] and train.images[44][0, 0, 0] == 45
    assert valid.names == ["046", "047"]
    assert [p.name for p in photo_files("wikiphotos:train:3", tmp_path)] == ["001.png", "002.png", "003.png"]
    with pytest.raises(ValueError, match="wikiphotos:train or wikiphotos:valid"):
        load_dataset("wikiphotos:test", tmp_path)
