"""Every shipped model still decodes the shipped sample as well as its card says (quality regression)."""

import json
from pathlib import Path

import pytest

from semjscc.codec.checkpoint import load_model
from semjscc.data import load_dataset
from semjscc.evaluate.quality import evaluate

MODELS = Path(__file__).resolve().parents[1] / "models"
INDEX = json.loads((MODELS / "index.json").read_text())


def card_psnr(card: dict, channel: str, snr: float, allocation: str = None) -> float:
    """The card's PSNR on the 1,000 lossless test images (a rate-adaptive codec's: at ``allocation``, else at its
    full budget, the table without one)."""
    for table in card["measured"]:
        if table["data"] == "cifar10:test" and table["channel"] == channel and table.get("allocation") == allocation:
            return {row["snr_db"]: row["psnr"] for row in table["results"]}[snr]
    raise AssertionError(f"{card['name']}: the card has no cifar10:test table for {channel} at {allocation}")


def test_index_lists_every_checkpoint_with_a_card():
    shipped = {p.name for p in MODELS.glob("*.pt") if not p.name.endswith(".state.pt")}
    assert {entry["file"] for entry in INDEX} == shipped
    for entry in INDEX:
        card = json.loads((MODELS / entry["card"]).read_text())
        assert card["file"] == entry["file"] and card["epochs"] >= 1 and card["training_wall_time_s"] > 0
        assert entry["family"] in ("baseline", "adaptive", "adaptive-hr", "semantic-importance", "tosc-sr", "task",
                                  "gan-decoder", "rate-adaptive")


CODECS = [entry for entry in INDEX if entry["family"] != "task"]
TASKS = [entry for entry in INDEX if entry["family"] == "task"]


def shipped(entry: dict, sample_root) -> tuple:
    """(model, card, the shipped sample's 256 CIFAR-10 test images) of an index entry."""
    model, _ = load_model(MODELS / entry["file"])
    card = json.loads((MODELS / entry["card"]).read_text())
    return model, card, load_dataset("sample:cifar10:test:256", sample_root)


@pytest.mark.parametrize("entry", CODECS, ids=[e["name"] for e in CODECS])
def test_shipped_model_decodes_the_sample_above_its_floor(entry, sample_root):
    model, card, sample = shipped(entry, sample_root)
    psnr = evaluate(model, sample, entry["channel"], [10.0], seed=0)["results"][0]["psnr"]
    # The sample is the first 256 of the 1,000 images the card was measured on.
    assert psnr > card_psnr(card, entry["channel"], 10.0) - 1.0
    assert psnr > 20.0


PHOTO_SCALE = [entry for entry in INDEX if entry["family"] == "adaptive-hr"]


@pytest.mark.parametrize("entry", PHOTO_SCALE, ids=[e["name"] for e in PHOTO_SCALE])
def test_photo_scale_codec_beats_the_cifar_trained_one_on_shipped_kodak_crops(entry, sample_root):
    """The point of training on photographs: on the shipped Kodak images' central 256x256 crops at 10 dB, the
    photo-scale codec is at least 1 dB above the CIFAR-10-trained main codec of its k/n."""
    from semjscc.data.images import ImageSet
    from semjscc.data.patches import center_crops

    kodak = load_dataset("sample:kodak", sample_root)
    crops = ImageSet(name="kodak crops", images=center_crops(kodak.images, 256), names=kodak.names)
    psnr = {}
    for name in (entry["name"], entry["name"].replace("adaptive_hr_", "adaptive_")):
        model, _ = load_model(MODELS / f"{name}.pt")
        psnr[name] = evaluate(model, crops, "awgn", [10.0], seed=0, batch_size=2)["results"][0]["psnr"]
    photo, cifar = psnr.values()
    assert photo > cifar + 1.0 and photo > 30.0, psnr


RATE_ADAPTIVE = [entry for entry in INDEX if entry["family"] == "rate-adaptive"]


@pytest.mark.parametrize("entry", RATE_ADAPTIVE, ids=[e["name"] for e in RATE_ADAPTIVE])
def test_shipped_rate_adaptive_codec_decodes_the_sample_at_every_budget_above_its_floor(entry, sample_root):
    from semjscc.semantic.allocation import build_allocator

    model, card, sample = shipped(entry, sample_root)
    budgets = sorted({t["allocation"] for t in card["measured"] if t.get("allocation")})
    assert len(budgets) == model.groups - 1  # the full budget is the table without an allocation
    for budget in budgets:
        report = evaluate(model, sample, "awgn", [10.0], seed=0, allocator=build_allocator(budget, model))
        assert report["results"][0]["psnr"] > card_psnr(card, "awgn", 10.0, budget) - 1.0, budget


@pytest.mark.parametrize("entry", TASKS, ids=[e["name"] for e in TASKS])
def test_shipped_classifier_labels_the_sample_above_its_floor(entry, sample_root):
    from semjscc.semantic.task_models import dataset_accuracy, load_task_model

    card = json.loads((MODELS / entry["card"]).read_text())
    clean = {row["data"]: row["top1"] for row in card["measured"]}["cifar10:test"]
    accuracy = dataset_accuracy(load_task_model(MODELS / entry["file"]), load_dataset("sample:cifar10:test:256", sample_root))
    # 256 of the 1,000 images the card was measured on: allow for the smaller sample
    assert accuracy > clean - 0.05 and accuracy > 0.5


SEMANTIC = [entry for entry in INDEX if entry["family"] in ("semantic-importance", "tosc-sr")]


@pytest.mark.slow
@pytest.mark.parametrize("entry", SEMANTIC, ids=[e["name"] for e in SEMANTIC])
def test_shipped_semantic_model_keeps_its_accuracy_gain_on_the_sample(entry, sample_root):
    from semjscc.semantic.task_models import load_task_model

    card = json.loads((MODELS / entry["card"]).read_text())
    table = next(t for t in card["measured"] if t["data"] == "cifar10:test" and "accuracy" in t["results"][0])
    expected = {row["snr_db"]: row["accuracy"] for row in table["results"]}[0.0]
    plain = next(e for e in INDEX if e["family"] == "adaptive" and e["channel"] == "awgn"
                 and e["k_over_n"] == entry["k_over_n"])
    task = load_task_model(MODELS / "task_resnet.pt")
    sample = load_dataset("sample:cifar10:test:256", sample_root)

    def accuracy_at_0db(name):
        model, _ = load_model(MODELS / name)
        return evaluate(model, sample, "awgn", [0.0], seed=0, task=task)["results"][0]["accuracy"]

    semantic = accuracy_at_0db(entry["file"])
    # 256 of the 1,000 images the card was measured on: allow for the smaller sample
    assert semantic > expected - 0.06
    assert semantic > accuracy_at_0db(plain["file"])


@pytest.mark.slow
def test_main_model_beats_every_baseline_of_its_ratio_on_the_sample(sample_root):
    from semjscc.bench.codec import main_vs_baselines

    groups = main_vs_baselines(load_dataset("sample:cifar10:test:256", sample_root), [0.0, 10.0, 20.0])
    assert {round(1 / g["k_over_n"]) for g in groups} == {6, 12}
    for group in groups:
        for point in group["points"]:
            assert point["margin_db"] == pytest.approx(point["main_psnr"] - point["best_baseline_psnr"])
            assert point["margin_db"] > 0, f"{group['model']} loses to {point['best_baseline']} at {point['snr_db']} dB"


def test_codec_benchmarks_skip_the_task_networks(tmp_path):
    from semjscc.bench.codec import bench_throughput, shipped_models

    assert TASKS, "the index lists the receiver's classifiers"
    assert {entry["name"] for entry in shipped_models()} == {entry["name"] for entry in CODECS}
    rows = bench_throughput(tmp_path, batch_sizes=(1,), repeats=1, runtimes=("torch",))
    assert {row["model"] for row in rows} == {entry["name"] for entry in CODECS}
    assert all(row["encode_symbols_per_s"] > 0 for row in rows)


GANS = [entry for entry in INDEX if entry["family"] == "gan-decoder"]


@pytest.mark.slow
@pytest.mark.parametrize("entry", GANS, ids=[e["name"] for e in GANS])
def test_shipped_gan_decoder_beats_its_mse_decoder_on_the_distribution_distance_on_the_sample(entry, sample_root):
    from semjscc.semantic.task_models import load_task_model

    card = json.loads((MODELS / entry["card"]).read_text())
    task, unseen = (load_task_model(MODELS / f"{name}.pt") for name in ("task_resnet", "task_vgg_unseen"))
    sample = load_dataset("sample:cifar10:test:256", sample_root)

    def at_0db(path):
        model, _ = load_model(path)
        return evaluate(model, sample, "awgn", [0.0], seed=0, task=task, unseen=unseen)["results"][0]

    gan, mse = at_0db(MODELS / entry["file"]), at_0db(MODELS / f"{card['encoder']}.pt")
    assert gan["kid_unseen"] < 0.85 * mse["kid_unseen"]
    assert gan["ms_ssim"] > mse["ms_ssim"] - 0.01
    assert gan["accuracy"] > mse["accuracy"] - 0.02  # 256 images: one or two either way is noise
