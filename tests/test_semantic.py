import numpy as np
import pytest
import torch
from torch import nn

from semjscc.semantic.importance import importance_weights
from semjscc.semantic.losses import PixelLoss, SemanticImportanceLoss, TaskRateDistortionLoss, build_loss
from semjscc.semantic.task_models import build_task_model


class QuadrantTask(nn.Module):
    """Class 0's score is the sum of the top-left quadrant of feature channel 0, three times over."""

    def features(self, images):
        feature = images * 1.0
        score0 = 3 * feature[:, 0, :16, :16].sum(dim=(1, 2))
        score1 = 0.01 * feature[:, 1].sum(dim=(1, 2))
        return {"layer": feature, "logits": torch.stack([score0, score1], dim=1)}

    def forward(self, images):
        return self.features(images)["logits"]

    def parameters(self, recurse=True):
        return iter(())


def test_importance_is_high_where_the_task_gradient_is_high():
    images = torch.rand(2, 3, 32, 32)
    weights, features = importance_weights(QuadrantTask(), images, "layer", norm="max")
    assert weights.shape == features.shape == images.shape
    assert torch.allclose(weights[:, 0, :16, :16], torch.ones(2, 16, 16))
    assert weights[:, 0, 16:, :].max() == 0 and weights[:, 2].max() == 0
    mean_norm, _ = importance_weights(QuadrantTask(), images, "layer", norm="mean")
    assert torch.allclose(mean_norm.flatten(1).mean(dim=1), torch.ones(2))


def test_importance_names_bad_options():
    task = build_task_model({"arch": "vgg", "width": 4})
    with pytest.raises(ValueError, match="no layer"):
        importance_weights(task, torch.rand(1, 3, 32, 32), "layer9")
    with pytest.raises(ValueError, match="norm"):
        importance_weights(task, torch.rand(1, 3, 32, 32), "block1", norm="l2")


@pytest.mark.parametrize("make_loss", [
    lambda task, w: SemanticImportanceLoss(task, weight=w, layer="layer1"),
    lambda task, w: TaskRateDistortionLoss(task, weight=w, divergence="ce"),
    lambda task, w: TaskRateDistortionLoss(task, weight=w, divergence="kl"),
])
def test_semantic_losses_are_differentiable_and_reduce_to_mse_at_zero(make_loss):
    task = build_task_model({"arch": "resnet", "width": 4}).eval()
    images = torch.rand(4, 3, 32, 32)
    labels = torch.tensor([0, 1, 2, 3])
    decoded = torch.rand(4, 3, 32, 32, requires_grad=True)
    at_zero, _ = make_loss(task, 0.0)(decoded, images, labels)
    assert torch.allclose(at_zero, PixelLoss()(decoded, images)[0])
    loss, parts = make_loss(task, 1.0)(decoded, images, labels)
    assert loss > parts["mse"]
    loss.backward()
    assert decoded.grad is not None and decoded.grad.abs().sum() > 0
    assert all(p.grad is None for p in task.parameters())  # the task network stays frozen


def test_loss_factory_requires_a_task_for_semantic_losses():
    assert isinstance(build_loss("mse"), PixelLoss)
    with pytest.raises(ValueError, match="task network"):
        build_loss("tosc-sr")


def test_digital_baseline_respects_the_capacity_budget():
    import numpy as np

    from semjscc.digital.capacity import capacity_bytes, compress_to_budget

    assert capacity_bytes(32, 32, 1 / 6, 10.0) == int(3 / 6 * np.log2(11) * 1024 // 8)
    image = (np.random.default_rng(0).random((32, 32, 3)) * 255).astype(np.uint8)
    assert compress_to_budget(image, 20) is None  # below any WebP file: the image is lost
    decoded = compress_to_budget(image, 2000)
    assert decoded.shape == image.shape
    with pytest.raises(ValueError, match="codec"):
        compress_to_budget(image, 100, "bpg")


@pytest.mark.parametrize("codec", ["webp", "jpeg2000"])
def test_several_budgets_at_once_match_one_at_a_time(codec, sample_root):
    from semjscc.data import load_dataset
    from semjscc.digital.capacity import compress_to_budget, compress_to_budgets

    image = load_dataset("sample:cifar10:test:1", sample_root).images[0]
    budgets = [0, 60, 300, 900, 3000]
    together = compress_to_budgets(image, budgets, codec)
    for budget, decoded in zip(budgets, together):
        alone = compress_to_budget(image, budget, codec)
        assert (decoded is None and alone is None) or np.array_equal(decoded, alone)
    assert together[0] is None and together[-1] is not None


def test_eval_task_writes_top1_into_the_card_and_the_index_lists_it(tmp_path, sample_root):
    import json

    from semjscc.cli import main
    from semjscc.codec.card import write_index
    from semjscc.codec.checkpoint import save_checkpoint

    path = tmp_path / "task_tiny.pt"
    save_checkpoint(path, build_task_model({"arch": "vgg", "width": 4}),
                    {"family": "task", "training": {"epochs_done": 1, "wall_time_s": 1.0}})
    assert main(["eval-task", "--model", str(path), "--data", "sample:cifar10:test:64",
                 "--data-root", str(sample_root)]) == 0
    card = json.loads(path.with_suffix(".json").read_text())
    (row,) = card["measured"]
    assert card["family"] == "task" and row["data"] == "sample:cifar10:test:64" and row["n_images"] == 64
    from semjscc.data import load_dataset
    from semjscc.semantic.task_models import dataset_accuracy, load_task_model

    expected = dataset_accuracy(load_task_model(path), load_dataset("sample:cifar10:test:64", sample_root))
    assert row["top1"] == pytest.approx(expected, abs=1e-4)
    assert [entry["family"] for entry in write_index(tmp_path)] == ["task"]


def test_semantic_bench_compares_with_plain_and_control_and_reuses_evaluations(tmp_path, sample_root, monkeypatch):
    import json

    import semjscc.bench.semantic as bench
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.codec.models import build_model

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    save_checkpoint(tmp_path / "task.pt", build_task_model({"arch": "vgg", "width": 4}), {"family": "task"})
    runs = {"plain": ("mse", 0.0, None), "control": ("mse", 0.0, "plain.pt"),
            "tosc": ("tosc-sr", 0.01, "plain.pt"), "tosc_big": ("tosc-sr", 0.1, "plain.pt")}
    for name, (loss, weight, init) in runs.items():
        model = build_model({"arch": "adaptive", "k_over_n": 1 / 12, "width": 8, "blocks": 1})
        save_checkpoint(tmp_path / f"{name}.pt", model, {"family": "tosc-sr" if weight else "adaptive", "training": {
            "loss": loss, "semantic_weight": weight, "init": init}})
    models = [str(tmp_path / f"{name}.pt") for name in ("plain", "control", "tosc")]
    out = tmp_path / "out"
    bench.run_semantic_bench(str(out), models, str(tmp_path / "task.pt"), "", "sample:cifar10:test:16", [0.0, 10.0],
                             sweep=(str(tmp_path / "tosc_big.pt"),))
    summary = json.loads((out / "semantic_kn12.json").read_text())
    assert [r["model"] for r in summary["reports"]][:3] == ["plain", "control", "tosc"]
    (row,) = summary["comparison"]  # tosc at 0 dB: the only semantic model at SNR <= 5 dB
    assert row["snr_db"] == 0.0 and row["lambda"] == 0.01
    plain0 = summary["reports"][0]["results"][0]
    assert row["psnr_minus_plain_db"] == pytest.approx(row["psnr"] - plain0["psnr"], abs=1e-3)
    assert {"accuracy_x_plain", "accuracy_x_control", "psnr_minus_control_db"} <= set(row)
    points = json.loads((out / "tradeoff_kn12.json").read_text())["points"]
    assert sorted({(p["loss"], p["lambda"]) for p in points}) == [("mse", 0.0), ("tosc-sr", 0.01), ("tosc-sr", 0.1)]
    assert (out / "semantic_accuracy.png").is_file() and (out / "tradeoff_kn12.png").is_file()

    def no_evaluation(*args, **kwargs):
        raise AssertionError("a stored evaluation was computed again")

    monkeypatch.setattr(bench, "evaluate", no_evaluation)
    again = bench.run_semantic_bench(str(out), models, str(tmp_path / "task.pt"), "", "sample:cifar10:test:16", [0.0, 10.0])
    assert [r["results"] for r in again] == [r["results"] for r in summary["reports"][:3]]


def test_stored_evaluation_is_reused_but_takes_the_checkpoints_current_identity(tmp_path):
    from semjscc.bench.semantic import stored

    path, calls = tmp_path / "eval.json", []

    def compute():
        calls.append(1)
        return {"results": [{"snr_db": 0.0, "accuracy": 0.5}]}

    first = stored(path, "k1", compute, current={"init": "models/plain.pt"})
    again = stored(path, "k1", compute, current={"init": None})  # the same weights, promoted: now plain
    assert len(calls) == 1 and again["results"] == first["results"] and again["init"] is None
    assert stored(path, "k1", compute)["init"] is None  # the file was brought up to date
    stored(path, "k2", compute)  # other weights: evaluated afresh
    assert len(calls) == 2


def test_task_trainer_learns_checkpoints_and_resumes(tmp_path, sample_root):
    from semjscc.semantic.task_models import load_task_model
    from semjscc.store.checkpoint import read_checkpoint
    from semjscc.train.task_trainer import TaskTrainConfig, TaskTrainer

    config = TaskTrainConfig(arch="vgg", width=8, epochs=2, batch_size=16, lr=0.01, data="sample:cifar10:test:256",
                             val_data="sample:cifar10:test:64")
    out = tmp_path / "task.pt"
    TaskTrainer(config, out, data_root=sample_root).run()
    history = read_checkpoint(out)["meta"]["history"]
    assert [row["epoch"] for row in history] == [1, 2]
    assert history[1]["train_loss"] < history[0]["train_loss"]
    assert load_task_model(out).config() == {"arch": "vgg", "width": 8, "classes": 10}
    longer = TaskTrainer(TaskTrainConfig(**{**config.__dict__, "epochs": 3}), out, data_root=sample_root)
    assert longer.resume() and longer.epoch == 2
    assert [row["epoch"] for row in longer.run()["history"]] == [1, 2, 3]
