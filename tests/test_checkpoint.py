import pytest
import torch

from semjscc.codec.checkpoint import load_model, save_checkpoint

from semjscc.store.checkpoint import CheckpointError
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


def test_card_keeps_the_image_and_the_task_table_of_the_same_data_apart(tmp_path, model):
    from semjscc.codec.card import write_card

    path = tmp_path / "m.pt"
    save_checkpoint(path, model, {"family": "adaptive"})

    def table(psnr, accuracy=None):
        row = {"snr_db": 10.0, "psnr": psnr} | ({"accuracy": accuracy} if accuracy is not None else {})
        return {"model": "m", "data": "cifar10:test", "channel": "awgn", "results": [row]}

    write_card(path, [table(27.0, accuracy=0.8)])
    card = write_card(path, [table(27.5)])  # an image-quality benchmark run afterwards
    assert sorted(t["results"][0].get("accuracy", -1) for t in card["measured"]) == [-1, 0.8]
    card = write_card(path, [table(27.6, accuracy=0.85)])  # a newer task table replaces the older one
    assert sorted(t["results"][0].get("accuracy", -1) for t in card["measured"]) == [-1, 0.85]
    card = write_card(path, [table(24.0) | {"allocation": "1/24"}, table(26.0) | {"allocation": "1/12"}])
    assert sorted(t["results"][0]["psnr"] for t in card["measured"]) == [24.0, 26.0, 27.5, 27.6]  # one per budget


@pytest.mark.parametrize("field, value", [("width", 200000), ("blocks", 200000), ("width", -1)])
def test_a_forged_config_is_refused_before_anything_is_allocated(tmp_path, model, field, value):
    import time

    path = tmp_path / "m.pt"
    save_checkpoint(path, model)
    payload = torch.load(path, weights_only=True)
    payload["model"][field] = value
    torch.save(payload, path)
    started = time.time()
    with pytest.raises(CheckpointError, match=f"{field} = {value}"):
        load_model(path)
    assert time.time() - started < 2.0
