import json

import pytest
import torch

from semjscc.cli import main
from semjscc.codec.card import write_card
from semjscc.store.checkpoint import CheckpointError, read_checkpoint
from semjscc.train.promotion import promote
from semjscc.train.trainer import TrainConfig, Trainer


def train(out, sample_root, epochs, **overrides):
    values = dict(arch="baseline", k_over_n=1 / 12, epochs=epochs, batch_size=32, lr=3e-3,
                  data="sample:cifar10:test:64", val_data="sample:cifar10:test:16", val_snr=[10.0])
    values.update(overrides)
    Trainer(TrainConfig(**values), out, data_root=sample_root).run()
    return out


def test_promote_keeps_every_stage_and_numbers_the_history_on(tmp_path, sample_root):
    shipped = train(tmp_path / "model.pt", sample_root, epochs=2)
    write_card(shipped, [{"model": "x", "data": "cifar10:test", "channel": "awgn", "results": []}])
    longer = train(tmp_path / "training" / "model_longer.pt", sample_root, epochs=3, lr=1e-3, init=str(shipped))
    assert main(["promote", str(longer), "--into", str(shipped)]) == 0

    payload = read_checkpoint(shipped)
    assert [stage["epochs_done"] for stage in payload["meta"]["stages"]] == [2, 3]
    assert [row["epoch"] for row in payload["meta"]["history"]] == [1, 2, 3, 4, 5]
    for name, tensor in read_checkpoint(longer)["state_dict"].items():
        assert torch.equal(payload["state_dict"][name], tensor)
    log = [json.loads(line) for line in shipped.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in log] == [1, 2, 3, 4, 5]

    assert not shipped.with_suffix(".state.pt").exists()  # the first stage's state held the old weights

    card_file = shipped.with_suffix(".json")
    assert "measured" not in json.loads(card_file.read_text())  # it described the old weights
    card = write_card(shipped)
    assert card["epochs"] == 5 and card["epochs_planned"] == 5
    stage_times = [stage["wall_time_s"] for stage in card["training_stages"]]
    assert card["training_wall_time_s"] == pytest.approx(sum(stage_times), abs=0.11)
    assert [stage["lr"] for stage in card["training_stages"]] == [3e-3, 1e-3]
    assert card["fine_tuned_from"] is None


def test_promote_refuses_a_model_not_trained_from_the_shipped_one(tmp_path, sample_root):
    shipped = train(tmp_path / "model.pt", sample_root, epochs=1)
    stranger = train(tmp_path / "other.pt", sample_root, epochs=1)
    with pytest.raises(CheckpointError, match="not trained from model.pt"):
        promote(stranger, shipped)


def test_promote_refuses_another_architecture(tmp_path, sample_root, capsys):
    shipped = train(tmp_path / "model.pt", sample_root, epochs=1)
    wider = train(tmp_path / "wider.pt", sample_root, epochs=1, k_over_n=1 / 6)
    payload = read_checkpoint(wider)
    payload["meta"]["training"]["init"] = str(shipped)
    torch.save(payload, wider)
    assert main(["promote", str(wider), "--into", str(shipped)]) == 2
    assert "k_over_n" in capsys.readouterr().err


def test_a_promoted_plain_model_stays_plain_and_its_control_stays_a_control(tmp_path, sample_root):
    from semjscc.bench.semantic import training_identity

    plain = train(tmp_path / "plain.pt", sample_root, epochs=1)
    control = train(tmp_path / "control.pt", sample_root, epochs=1, init=str(plain))
    longer = train(tmp_path / "training" / "plain_longer.pt", sample_root, epochs=1, init=str(plain))
    assert main(["promote", str(longer), "--into", str(plain)]) == 0

    assert training_identity(plain)["init"] is None
    assert training_identity(control)["init"] == str(plain)
    assert training_identity(plain)["loss"] == training_identity(control)["loss"] == "mse"


def test_promoting_an_ema_run_ships_the_average(tmp_path, sample_root):
    shipped = train(tmp_path / "model.pt", sample_root, epochs=1)
    longer = train(tmp_path / "training" / "model_longer.pt", sample_root, epochs=1, init=str(shipped), ema=0.9)
    average = read_checkpoint(longer)["state_dict"]
    promote(longer, shipped)

    for name, tensor in average.items():
        assert torch.equal(read_checkpoint(shipped)["state_dict"][name], tensor)
