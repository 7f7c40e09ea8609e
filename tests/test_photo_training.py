"""Training on photographs: random crops read from disk an image at a time (DIV2K-style data)."""

import numpy as np
import pytest
import torch
from PIL import Image

from semjscc.data.patches import RandomCrops, center_crops, stack_crops
from semjscc.data.specs import photo_files
from semjscc.train.trainer import TrainConfig, Trainer


@pytest.fixture
def photographs(tmp_path):
    """A folder of four photographs of different sizes, one smaller than a crop."""
    rng = np.random.default_rng(0)
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, (height, width) in enumerate([(96, 128), (120, 80), (64, 96), (24, 40)]):
        # smooth content (a codec can learn it in a few steps) plus a little texture
        rows, columns = np.mgrid[0:height, 0:width]
        base = np.stack([rows * 2 + index * 20, columns * 2, (rows + columns) % 256], axis=-1)
        image = np.clip(base + rng.integers(0, 16, (height, width, 3)), 0, 255).astype(np.uint8)
        Image.fromarray(image).save(folder / f"{index:04d}.png")
    return folder


def test_crops_are_pieces_of_their_photograph_new_each_epoch_and_reproducible(photographs):
    files = photo_files(str(photographs))
    crops = RandomCrops(files, size=32, per_image=3, seed=5)
    first = crops[0]
    assert first.shape == (3, 3, 32, 32) and first.dtype == torch.uint8
    image = np.asarray(Image.open(files[0]).convert("RGB"))
    windows = np.lib.stride_tricks.sliding_window_view(image, (32, 32, 3))[..., 0, :, :, :]
    for crop in first.permute(0, 2, 3, 1).numpy():
        assert (windows == crop).all(axis=(-3, -2, -1)).any()  # found in the photograph
    assert torch.equal(RandomCrops(files, 32, 3, seed=5)[0], first)  # same seed and epoch: same crops
    crops.set_epoch(1)
    assert not torch.equal(crops[0], first)
    small = crops[3]  # 24x40 is edge-padded up to a crop
    assert small.shape == (3, 3, 32, 32) and torch.equal(small[:, :, 24:], small[:, :, 23:24].expand(-1, -1, 8, -1))
    assert stack_crops([crops[0], crops[1]]).shape == (6, 3, 32, 32)
    assert center_crops([image, np.zeros((20, 20, 3), np.uint8)], 32).shape == (2, 32, 32, 3)


def test_photo_files_count_and_refuse_what_is_not_on_disk(photographs, tmp_path):
    assert [f.name for f in photo_files(str(photographs))] == ["0000.png", "0001.png", "0002.png", "0003.png"]
    (tmp_path / "kodak").symlink_to(photographs)
    assert len(photo_files("kodak:2", tmp_path)) == 2
    with pytest.raises(ValueError, match="not a set of photographs"):
        photo_files("cifar10:train", tmp_path)
    with pytest.raises(FileNotFoundError, match="semjscc data fetch div2k"):
        photo_files("div2k:train", tmp_path)


@pytest.mark.parametrize("workers", [0, 1])
def test_a_codec_trains_on_crops_of_photographs_and_validates_on_centre_crops(photographs, tmp_path, workers):
    config = TrainConfig(width=16, blocks=1, k_over_n=1 / 12, epochs=3, batch_size=8, lr=3e-3, lr_min=3e-3,
                         data=str(photographs), val_data=str(photographs), val_snr=[10.0], crop=32,
                         crops_per_image=4, workers=workers, threads=1)
    trainer = Trainer(config, tmp_path / "hr.pt")
    meta = trainer.run()
    assert meta["training"]["train_images"] == 4 and meta["training"]["crop"] == 32
    first, last = trainer.history[0], trainer.history[-1]
    assert last["train_mse"] < first["train_mse"] and last["psnr_10dB"] > first["psnr_10dB"]
    assert trainer.val_images.shape == (4, 3, 32, 32)


def test_visits_per_epoch_take_new_crops_of_every_photograph_within_one_epoch(photographs, tmp_path):
    config = TrainConfig(width=8, k_over_n=1 / 12, batch_size=8, data=str(photographs), val_data=str(photographs),
                         crop=16, crops_per_image=2, visits_per_epoch=3, threads=1)
    trainer = Trainer(config, tmp_path / "hr.pt")
    assert trainer.train_count == 12 and trainer.meta()["training"]["train_images"] == 4
    first, second = trainer.crops[0], trainer.crops[4]  # the same photograph, visited twice
    assert not torch.equal(first, second)
    with pytest.raises(ValueError, match="at least 1"):
        Trainer(TrainConfig(width=8, data=str(photographs), val_data=str(photographs), crop=16, visits_per_epoch=0),
                tmp_path / "m.pt")


def test_crops_refuse_a_side_the_codec_cannot_code_and_a_task_loss(photographs, tmp_path):
    with pytest.raises(ValueError, match="multiple of"):
        Trainer(TrainConfig(width=8, data=str(photographs), val_data=str(photographs), crop=30), tmp_path / "m.pt")
    with pytest.raises(ValueError, match="needs labelled images"):
        Trainer(TrainConfig(width=8, data=str(photographs), val_data=str(photographs), crop=32, loss="tosc-sr",
                            task_model="task_resnet"), tmp_path / "m.pt")


def test_a_counted_photo_spec_reads_only_the_photographs_it_names(photographs, tmp_path, monkeypatch):
    import semjscc.data.images as images_module
    from semjscc.data import load_dataset

    (tmp_path / "div2k").mkdir()
    (tmp_path / "div2k" / "DIV2K_valid_HR").symlink_to(photographs)
    reads = []
    real_read = images_module.read_image
    monkeypatch.setattr(images_module, "read_image", lambda path, *a, **k: reads.append(path) or real_read(path))
    dataset = load_dataset("div2k:valid:2", tmp_path)
    assert len(dataset) == 2 and [p.name for p in reads] == ["0000.png", "0001.png"]
