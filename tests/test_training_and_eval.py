import json

import pytest
import torch

from semjscc.cli import main
from semjscc.train.trainer import TrainConfig, Trainer


def small_config(**overrides):
    values = dict(arch="adaptive", k_over_n=1 / 12, width=16, blocks=1, epochs=3, batch_size=32,
                  lr=3e-3, data="sample:cifar10:test:128", val_data="sample:cifar10:test:32", val_snr=[10.0])
    values.update(overrides)
    return TrainConfig(**values)


def test_short_training_lowers_the_loss_and_resumes(tmp_path, sample_root):
    out = tmp_path / "m.pt"
    trainer = Trainer(small_config(epochs=2), out, data_root=sample_root)
    trainer.run()
    first, last = trainer.history[0]["train_mse"], trainer.history[-1]["train_mse"]
    assert last < first
    assert out.is_file() and out.with_suffix(".state.pt").is_file()
    resumed = Trainer(small_config(epochs=3), out, data_root=sample_root)
    assert resumed.resume() and resumed.epoch == 2
    resumed.run()
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]
    assert len(out.with_suffix(".log.jsonl").read_text().splitlines()) == 3


def test_resuming_another_models_state_names_the_file(tmp_path, sample_root):
    from semjscc.store.checkpoint import CheckpointError

    out = tmp_path / "m.pt"
    Trainer(small_config(epochs=1), out, data_root=sample_root).run()
    wider = Trainer(small_config(epochs=2, width=24), out, data_root=sample_root)
    with pytest.raises(CheckpointError, match="m.state.pt was saved by a run of another model"):
        wider.resume()


def test_eval_cli_writes_the_documented_json(tmp_path, sample_root):
    model = tmp_path / "m.pt"
    Trainer(small_config(epochs=1), model, data_root=sample_root).run()
    report_path = tmp_path / "eval.json"
    code = main(["eval", "--model", str(model), "--data", "sample:cifar10:test:16", "--snr", "0,10",
                 "--json", str(report_path), "--data-root", str(sample_root)])
    assert code == 0
    report = json.loads(report_path.read_text())
    assert {"model", "data", "n_images", "channel", "k_over_n", "results"} <= report.keys()
    assert report["n_images"] == 16 and report["channel"] == "awgn"
    assert report["k_over_n"] == pytest.approx(1 / 12)
    assert [r["snr_db"] for r in report["results"]] == [0.0, 10.0]
    for row in report["results"]:
        assert 5 < row["psnr"] < 60 and 0 < row["ssim"] <= 1 and 0 < row["ms_ssim"] <= 1
    assert report_path.with_suffix(".png").is_file()


def test_eval_cli_names_a_bad_checkpoint(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    assert main(["eval", "--model", str(bad), "--data", "sample:cifar10:test:4"]) == 2
    assert "bad.pt" in capsys.readouterr().err


def test_eval_adds_accuracy_fields_with_task_networks(tmp_path, sample_root):
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.semantic.task_models import build_task_model

    model = tmp_path / "m.pt"
    Trainer(small_config(epochs=1), model, data_root=sample_root).run()
    for name, arch in (("task.pt", "resnet"), ("unseen.pt", "vgg")):
        save_checkpoint(tmp_path / name, build_task_model({"arch": arch, "width": 4}), {"family": "task"})
    report_path = tmp_path / "eval.json"
    assert main(["eval", "--model", str(model), "--data", "sample:cifar10:test:20", "--snr", "5",
                 "--task-model", str(tmp_path / "task.pt"), "--unseen-model", str(tmp_path / "unseen.pt"),
                 "--json", str(report_path), "--data-root", str(sample_root)]) == 0
    row = json.loads(report_path.read_text())["results"][0]
    assert 0.0 <= row["accuracy"] <= 1.0 and 0.0 <= row["accuracy_unseen"] <= 1.0
    # 20 images: accuracy is a multiple of 1/20
    assert abs(row["accuracy"] * 20 - round(row["accuracy"] * 20)) < 1e-6
    for key in ("kid", "kid_unseen", "fd", "fd_unseen"):
        assert key in row and row[key] == row[key]  # present and not NaN
    assert row["fd"] >= 0 and row["fd_unseen"] >= 0


def test_semantic_training_runs_with_a_task_network(tmp_path, sample_root):
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.semantic.task_models import build_task_model

    save_checkpoint(tmp_path / "task.pt", build_task_model({"arch": "resnet", "width": 4}), {"family": "task"})
    for loss in ("semantic-importance", "tosc-sr"):
        config = small_config(epochs=1, loss=loss, task_model=str(tmp_path / "task.pt"), semantic_weight=0.5,
                              semantic_layer="layer1")
        trainer = Trainer(config, tmp_path / f"{loss}.pt", data_root=sample_root)
        meta = trainer.run()
        assert meta["family"] == loss and trainer.history[0]["train_mse"] > 0


@pytest.mark.slow
def test_bf16_training_lowers_the_loss_and_keeps_float32_weights(tmp_path, sample_root):
    trainer = Trainer(small_config(epochs=2, precision="bf16"), tmp_path / "m.pt", data_root=sample_root)
    trainer.run()
    assert trainer.history[-1]["train_mse"] < trainer.history[0]["train_mse"]
    assert all(p.dtype == torch.float32 for p in trainer.model.parameters())
    assert trainer.meta()["training"]["precision"] == "bf16"


def test_unknown_precision_is_named(tmp_path, sample_root):
    with pytest.raises(ValueError, match="precision"):
        Trainer(small_config(epochs=1, precision="fp8"), tmp_path / "m.pt", data_root=sample_root)


def test_emulated_bf16_warns_before_a_run_and_native_does_not(monkeypatch):
    import warnings

    from semjscc.codec import precision

    monkeypatch.setattr(precision, "native_bf16", lambda device: False)
    with pytest.warns(RuntimeWarning, match="--precision fp32"):
        precision.check_precision("bf16", "cpu")
    monkeypatch.setattr(precision, "native_bf16", lambda device: True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        precision.check_precision("bf16", "cpu")
        monkeypatch.setattr(precision, "native_bf16", lambda device: False)
        precision.check_precision("fp32", "cpu")


def test_bf16_evaluation_agrees_with_float32(tmp_path, sample_root):
    from semjscc.codec.checkpoint import load_model
    from semjscc.data import load_dataset
    from semjscc.evaluate.quality import evaluate

    Trainer(small_config(epochs=1), tmp_path / "m.pt", data_root=sample_root).run()
    model, _ = load_model(tmp_path / "m.pt")
    sample = load_dataset("sample:cifar10:test:64", sample_root)
    full = evaluate(model, sample, "awgn", [10.0])["results"][0]
    fast = evaluate(model, sample, "awgn", [10.0], precision="bf16", image_quality=False)["results"][0]
    assert fast["psnr"] == pytest.approx(full["psnr"], abs=0.3)
    assert "ssim" in full and "ssim" not in fast


def test_ema_ships_the_average_and_resumes_it(tmp_path, sample_root):
    from semjscc.store.checkpoint import read_checkpoint

    out = tmp_path / "m.pt"
    trainer = Trainer(small_config(epochs=1, ema=0.9), out, data_root=sample_root)
    trainer.run()
    shipped = read_checkpoint(out)["state_dict"]
    state = torch.load(out.with_suffix(".state.pt"), weights_only=True)
    name = next(key for key in shipped if key.endswith("weight"))
    assert torch.equal(shipped[name], trainer.average.module.state_dict()[name])
    assert not torch.equal(shipped[name], state["state_dict"][name])  # the trained weights are kept to resume
    assert {"psnr_10dB", "raw_psnr_10dB"} <= set(trainer.history[0])
    steps = int(trainer.average.n_averaged)

    resumed = Trainer(small_config(epochs=2, ema=0.9), out, data_root=sample_root)
    assert resumed.resume() and int(resumed.average.n_averaged) == steps
    assert torch.equal(resumed.shipped_model().state_dict()[name], shipped[name])
    resumed.run()
    assert int(resumed.average.n_averaged) == 2 * steps


def test_ema_decay_outside_zero_one_is_named(tmp_path, sample_root):
    with pytest.raises(ValueError, match="--ema is a decay between 0 and 1"):
        Trainer(small_config(ema=1.5), tmp_path / "m.pt", data_root=sample_root)


def test_eval_pads_and_crops_images_of_any_size_as_the_link_does(tmp_path, sample_root):
    import numpy as np

    from semjscc.codec.checkpoint import load_model
    from semjscc.data import ImageSet
    from semjscc.evaluate.quality import evaluate

    model = tmp_path / "m.pt"
    Trainer(small_config(epochs=1), model, data_root=sample_root).run()
    codec, _ = load_model(model)
    odd = ImageSet("odd", [np.random.default_rng(0).integers(0, 256, (30, 41, 3), dtype=np.uint8)])
    report = evaluate(codec, odd, "awgn", [20.0])
    assert report["results"][0]["psnr"] > 10


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here")
@pytest.mark.parametrize("channel", ["awgn", "fading", "ofdm"])
def test_training_and_evaluation_run_on_cuda_through_every_channel(tmp_path, sample_root, channel):
    from semjscc.data import load_dataset
    from semjscc.evaluate.quality import evaluate

    trainer = Trainer(small_config(epochs=1, channel=channel, csi=channel == "ofdm"), tmp_path / "m.pt",
                      data_root=sample_root, device="cuda")
    trainer.run()
    assert {buffer.device.type for buffer in trainer.channel.buffers()} <= {"cuda"}
    sample = load_dataset("sample:cifar10:test:16", sample_root)
    report = evaluate(trainer.model, sample, channel, [10.0], device="cuda")
    assert report["results"][0]["psnr"] > 10.0
