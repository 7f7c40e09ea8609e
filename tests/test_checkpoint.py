import pytest
import torch

from semjscc.codec.checkpoint import CheckpointError, load_model, save_checkpoint
from semjscc.codec.models import build_model


@pytest.fixture
def model():
    return build_model({"arch": "adaptive", "k_over_n": 1 / 6, "width": 8, "blocks": 1})


def test_round_trip_keeps_weights_config_and_meta(tmp_path, model):
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"family": "adaptive", "note": "x"})
    loaded, payload = load_model(path)
    assert payload["meta"]["note"] == "x"
    assert loaded.config() == model.config()
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key])
    torch.load(path, weights_only=True)  # loads without unpickling arbitrary objects


def test_corrupt_file_gets_a_clear_error(tmp_path, model):
    path = tmp_path / "m.pt"
    save_checkpoint(path, model)
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_model(path)


def test_foreign_and_missing_files(tmp_path):
    foreign = tmp_path / "other.pt"
    torch.save({"weights": torch.zeros(3)}, foreign)
    with pytest.raises(CheckpointError, match="not a gr-semjscc checkpoint"):
        load_model(foreign)
    with pytest.raises(CheckpointError, match="not found"):
        load_model(tmp_path / "nope.pt")


def test_mismatched_weights_and_ratio_are_named(tmp_path, model):
    path = tmp_path / "m.pt"
    save_checkpoint(path, model)
    payload = torch.load(path, weights_only=True)
    payload["model"]["width"] = 16
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match="do not match"):
        load_model(path)
    save_checkpoint(path, model)
    with pytest.raises(CheckpointError, match="k/n"):
        load_model(path, expected_k_over_n=1 / 12)
