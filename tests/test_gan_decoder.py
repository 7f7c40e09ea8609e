"""The generative (GAN) decoder: its attention module, discriminator, losses, distances and training."""

import json

import pytest
import torch

from semjscc.codec.checkpoint import load_model, save_checkpoint
from semjscc.codec.discriminator import PatchDiscriminator
from semjscc.codec.grow import generative_from
from semjscc.codec.layers import GlobalContext
from semjscc.codec.models import AdaptiveJSCC, GenerativeJSCC
from semjscc.link.models import load_link_codec
from semjscc.semantic.feature_distance import frechet_distance, kernel_distance
from semjscc.semantic.task_models import build_task_model
from semjscc.store.checkpoint import CheckpointError, read_checkpoint, weights_id
from semjscc.train.gan import GanConfig, GanTrainer, feature_matching_loss, hinge_discriminator_loss


def small_codec(tmp_path):
    """A tiny main codec and the two classifiers a GAN run reads, as files."""
    codec = AdaptiveJSCC(1 / 6, width=8, blocks=1)
    save_checkpoint(tmp_path / "codec.pt", codec, {"family": "adaptive", "snr_range_db": [0.0, 20.0]})
    for name, arch in (("task.pt", "resnet"), ("unseen.pt", "vgg")):
        save_checkpoint(tmp_path / name, build_task_model({"arch": arch, "width": 4}), {"family": "task"})
    return codec


def small_config(tmp_path, **overrides):
    values = dict(encoder=str(tmp_path / "codec.pt"), task_model=str(tmp_path / "task.pt"),
                  unseen_model=str(tmp_path / "unseen.pt"), grid=2, heads=2, data="sample:cifar10:test:64",
                  val_data="sample:cifar10:test:16", batch_size=16, epochs=1, discriminator_width=8, threads=1,
                  val_snr=[5.0])
    return GanConfig(**{**values, **overrides})


def test_a_grown_generative_codec_starts_as_the_mse_codec():
    codec = AdaptiveJSCC(1 / 12, width=16, blocks=1).eval()
    generative = generative_from(codec, grid=2, heads=2).eval()
    images = torch.rand(3, 3, 32, 48)
    with torch.no_grad():
        symbols = codec.encode(images, 5.0)
        assert torch.equal(generative.encode(images, 5.0), symbols)
        assert torch.allclose(generative.decode(symbols, (32, 48), 5.0), codec.decode(symbols, (32, 48), 5.0),
                              atol=1e-6)


def test_global_context_reads_the_whole_image_at_any_size():
    torch.manual_seed(1)
    context = GlobalContext(8, grid=2, heads=2)
    torch.nn.init.normal_(context.project.weight)  # as after training: the global branch contributes
    x = torch.randn(2, 8, 6, 10)
    far = x.clone()
    far[..., -1, -1] += 5.0  # one corner changes...
    near, moved = context(x), context(far)
    assert near.shape == x.shape
    assert (moved[..., 0, 0] - near[..., 0, 0]).abs().max() > 1e-4  # ...and the opposite corner sees it


def test_a_generative_codec_refuses_an_encoder_it_cannot_carry():
    with pytest.raises(ValueError, match="main"):
        generative_from(GenerativeJSCC(1 / 6, width=8))
    with pytest.raises(ValueError, match="heads"):
        GenerativeJSCC(1 / 6, width=10, heads=4)


def test_discriminator_scores_patches_and_hinge_losses_on_constructed_scores():
    scores, features = PatchDiscriminator(8)(torch.rand(2, 3, 32, 32))
    assert scores.shape == (2, 1, 8, 8) and len(features) == 3
    confident = hinge_discriminator_loss(torch.full((4,), 2.0), torch.full((4,), -2.0))
    fooled = hinge_discriminator_loss(torch.full((4,), -1.0), torch.full((4,), 1.0))
    assert confident.item() == 0.0 and fooled.item() == pytest.approx(4.0)
    same = [torch.ones(2, 3)]
    assert feature_matching_loss(same, same).item() == 0.0
    assert feature_matching_loss([torch.zeros(2, 3)], same).item() == pytest.approx(1.0)


def test_feature_distances_are_zero_for_one_distribution_and_grow_with_a_shift():
    generator = torch.Generator().manual_seed(0)
    real = torch.randn(400, 16, generator=generator)
    alike = torch.randn(400, 16, generator=generator)
    shifted = alike + 0.5
    same = abs(kernel_distance(real, alike, subsets=20, subset_size=200))
    assert kernel_distance(real, shifted, subsets=20, subset_size=200) > 20 * same
    assert kernel_distance(real, alike + 0.2, subsets=20, subset_size=200) > 5 * same
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-6)
    # a pure mean shift of 0.5 in 16 dimensions adds 16 * 0.25 to the Frechet distance
    assert frechet_distance(alike, shifted) == pytest.approx(4.0, rel=1e-6)
    with pytest.raises(ValueError, match="two images"):
        kernel_distance(real[:1], alike[:1])


def test_gan_training_moves_only_the_decoder_resumes_and_keeps_the_encoders_identity(tmp_path, sample_root):
    codec = small_codec(tmp_path)
    out = tmp_path / "gan.pt"
    first = GanTrainer(small_config(tmp_path), out, data_root=sample_root)
    first.run()
    gan, payload = load_model(out)
    assert isinstance(gan, GenerativeJSCC)
    for name, tensor in codec.encoder_net.state_dict().items():
        assert torch.equal(gan.encoder_net.state_dict()[name], tensor), f"the encoder's {name} moved"
    moved = [name for name, tensor in codec.decoder_net.state_dict().items()
             if not torch.equal(gan.decoder_net.state_dict()[name], tensor)]
    assert moved, "the decoder did not train"
    row = payload["meta"]["history"][0]
    assert {"train_discriminator", "train_adversarial", "kid_unseen_5dB", "psnr_5dB"} <= set(row)
    assert payload["meta"]["family"] == "gan-decoder"
    # on the air it is the encoder's codec: a receiver with it accepts that transmitter's frames
    encoder_uid = weights_id(read_checkpoint(tmp_path / "codec.pt"))
    assert load_link_codec(str(out), "cpu").uid == encoder_uid != weights_id(payload)

    resumed = GanTrainer(small_config(tmp_path, epochs=2), out, data_root=sample_root)
    assert resumed.resume() and resumed.epoch == 1
    resumed.run()
    assert [row["epoch"] for row in read_checkpoint(out)["meta"]["history"]] == [1, 2]


def test_a_pixel_stage_then_an_adversarial_stage_keep_both_in_the_card_record(tmp_path, sample_root):
    small_codec(tmp_path)
    pixel = tmp_path / "pixel.pt"
    GanTrainer(small_config(tmp_path, adversarial_weight=0.0, feature_matching_weight=0.0), pixel,
               data_root=sample_root).run()
    assert "train_discriminator" not in read_checkpoint(pixel)["meta"]["history"][0]
    adversarial = tmp_path / "adversarial.pt"
    GanTrainer(small_config(tmp_path, init=str(pixel)), adversarial, data_root=sample_root).run()
    meta = read_checkpoint(adversarial)["meta"]
    assert [stage["adversarial_weight"] for stage in meta["stages"]] == [0.0, 0.003]
    assert len(meta["history"]) == 2


def test_init_from_a_decoder_of_another_encoder_is_refused(tmp_path, sample_root):
    small_codec(tmp_path)
    other = tmp_path / "other.pt"
    save_checkpoint(other, GenerativeJSCC(1 / 6, width=8, grid=2, heads=2), {"encoder_uid": "0" * 16})
    with pytest.raises(CheckpointError, match="not a generative decoder of"):
        GanTrainer(small_config(tmp_path, init=str(other)), tmp_path / "x.pt", data_root=sample_root)


def test_train_gan_command_writes_a_checkpoint_and_its_log(tmp_path, sample_root):
    from semjscc.cli import main

    small_codec(tmp_path)
    out = tmp_path / "cli.pt"
    assert main(["train-gan", "--out", str(out), "--encoder", str(tmp_path / "codec.pt"),
                 "--task-model", str(tmp_path / "task.pt"), "--unseen-model", str(tmp_path / "unseen.pt"),
                 "--data", "sample:cifar10:test:32", "--val-data", "sample:cifar10:test:8", "--epochs", "1",
                 "--batch-size", "16", "--grid", "2", "--threads", "1", "--data-root", str(sample_root)]) == 0
    rows = [json.loads(line) for line in out.with_suffix(".log.jsonl").read_text().splitlines()]
    assert [row["epoch"] for row in rows] == [1] and read_checkpoint(out)["model"]["grid"] == 2


def test_a_receiver_with_the_gan_decoder_takes_the_mse_codecs_frames(tmp_path, sample_root):
    from semjscc.data import load_dataset
    from semjscc.link.loopback import simulate_link

    small_codec(tmp_path)
    out = tmp_path / "gan.pt"
    GanTrainer(small_config(tmp_path), out, data_root=sample_root).run()
    images = load_dataset("sample:cifar10:test:4", sample_root)
    transmitter, receiver = load_link_codec(str(tmp_path / "codec.pt"), "cpu"), load_link_codec(str(out), "cpu")
    report = simulate_link(transmitter, images, 15.0, decoder=receiver)
    assert report["images_decoded"] == 4 and not report["frames_dropped"]
    other = tmp_path / "other.pt"  # a decoder of another encoder refuses them, as for any other model
    save_checkpoint(other, generative_from(AdaptiveJSCC(1 / 6, width=8), grid=2, heads=2), {})
    report = simulate_link(transmitter, images, 15.0, decoder=load_link_codec(str(other), "cpu"))
    assert report["images_decoded"] == 0 and report["frames_dropped"].get("model_mismatch", 0) > 0


def test_target_checks_read_the_issue_targets_off_constructed_rows():
    from semjscc.bench.gan import target_checks

    mse = [{"snr_db": 0.0, "kid_unseen": 0.004, "ms_ssim": 0.85, "accuracy": 0.40, "accuracy_unseen": 0.30,
            "psnr": 21.8}, {"snr_db": 10.0, "kid_unseen": 0.001, "ms_ssim": 0.96, "accuracy": 0.8,
                            "accuracy_unseen": 0.7, "psnr": 27.8}]
    good = [{**mse[0], "kid_unseen": 0.0027, "ms_ssim": 0.842, "accuracy": 0.45, "psnr": 21.5}, mse[1]]
    checks = target_checks(good, mse, {1: 1.4, 64: 1.9})
    assert set(checks) == {"0dB", "speed_met"}  # only the low SNRs are targets
    assert checks["0dB"]["kid_met"] and checks["0dB"]["ms_ssim_met"] and checks["0dB"]["accuracy_met"]
    assert checks["0dB"]["kid_unseen_reduction"] == pytest.approx(0.325) and checks["speed_met"]
    assert checks["0dB"]["psnr_cost_db"] == pytest.approx(0.3)
    bad = [{**good[0], "kid_unseen": 0.003, "ms_ssim": 0.83, "accuracy_unseen": 0.29}, mse[1]]
    checks = target_checks(bad, mse, {1: 1.4, 64: 2.1})
    assert not (checks["0dB"]["kid_met"] or checks["0dB"]["ms_ssim_met"] or checks["0dB"]["accuracy_met"]
                or checks["speed_met"])


def test_gan_bench_writes_its_json_curve_and_gallery(tmp_path, sample_root):
    from semjscc.bench.gan import run_gan_bench
    from semjscc.bench.report import write_report

    small_codec(tmp_path)
    curve_dir = tmp_path / "curve"
    for weight in (0.0, 0.01):
        GanTrainer(small_config(tmp_path, adversarial_weight=weight), curve_dir / f"lambda_{weight}.pt",
                   data_root=sample_root).run()
    out = tmp_path / "results" / "gan"
    result = run_gan_bench(str(out), [str(curve_dir / "lambda_0.01.pt")], "sample:cifar10:test:16",
                           [0.0, 5.0], str(curve_dir), "sample:kodak:1", str(tmp_path / "task.pt"),
                           str(tmp_path / "unseen.pt"))
    card = json.loads((curve_dir / "lambda_0.01.json").read_text())
    assert card["family"] == "gan-decoder" and card["encoder_uid"] and "kid_unseen" in card["measured"][0]["results"][0]
    comparison = result["comparisons"][0]
    assert [row["snr_db"] for row in comparison["gan"]] == [0.0, 5.0]
    assert {"kid_unseen", "fd_unseen", "accuracy", "ms_ssim"} <= set(comparison["gan"][0])
    assert set(comparison["targets"]) == {"0dB", "5dB", "speed_met"}
    curve_file = out / "gan_curve.json"
    assert [point["adversarial_weight"] for point in json.loads(curve_file.read_text())["points"]] == [0.0, 0.01]
    for name in ("gan.json", "gan.png", "gallery.png"):
        assert (out / name).stat().st_size > 1000
    before = curve_file.read_text()  # a run without the sweep's decoders keeps the measured curve
    run_gan_bench(str(out), [str(curve_dir / "lambda_0.01.pt")], "sample:cifar10:test:8", [0.0], "",
                  "sample:kodak:1", str(tmp_path / "task.pt"), str(tmp_path / "unseen.pt"))
    assert curve_file.read_text() == before
    summary = write_report(tmp_path / "results")
    assert "MSE decoder → GAN decoder" in summary and "distortion-perception over the adversarial weight" in summary
