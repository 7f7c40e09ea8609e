import numpy as np
import pytest
from PIL import Image

from semjscc.data import load_dataset


def test_cifar_sample_spec_with_count(sample_root):
    data = load_dataset("cifar10:test:10", sample_root)
    assert data.images.shape == (10, 32, 32, 3) and data.images.dtype == np.uint8
    assert data.labels.shape == (10,) and len(data.class_names) == 10


def test_kodak_sample_keeps_portrait_and_landscape(sample_root):
    data = load_dataset("kodak", sample_root)
    shapes = {img.shape for img in data.images}
    assert shapes == {(768, 512, 3), (512, 768, 3)}
    assert not data.uniform


def test_folder_with_class_subfolders_gives_labels(tmp_path):
    for cls in ("cat", "dog"):
        (tmp_path / cls).mkdir()
        for i in range(2):
            Image.fromarray(np.full((8, 8, 3), i * 50, np.uint8)).save(tmp_path / cls / f"{i}.png")
    data = load_dataset(str(tmp_path))
    assert list(data.labels) == [0, 0, 1, 1]
    assert list(data.class_names) == ["cat", "dog"]


def test_bad_specs_and_files_are_named(tmp_path, sample_root):
    with pytest.raises(ValueError, match="unknown dataset"):
        load_dataset("imagenet:val", sample_root)
    with pytest.raises(ValueError, match="unknown CIFAR-10 split"):
        load_dataset("cifar10:valid", sample_root)
    with pytest.raises(ValueError, match="bad image count"):
        load_dataset("cifar10:test:abc", sample_root)
    (tmp_path / "broken.png").write_bytes(b"not a png")
    with pytest.raises(ValueError, match="broken.png"):
        load_dataset(str(tmp_path))


def test_a_16_bit_image_is_scaled_to_8_bits_not_clipped(tmp_path):
    import numpy as np
    from PIL import Image

    from semjscc.data.images import read_image

    ramp = (np.arange(64 * 64).reshape(64, 64) * 16).astype(np.uint16)  # 0 .. 65520
    Image.fromarray(ramp).save(tmp_path / "deep.png")
    image = read_image(tmp_path / "deep.png")
    assert image.shape == (64, 64, 3) and image.dtype == np.uint8
    assert image[..., 0].max() == 255 and (image[..., 0] == 255).mean() < 0.01  # clipping saturated 99.7 %
    assert abs(float(image[..., 0].mean()) - 127.5) < 1.0
