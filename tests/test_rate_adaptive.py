"""The rate-adaptive codec: nested groups per concept, masks rebuilt from the depth map alone."""

import collections

import numpy as np
import pytest
import torch

from semjscc.channel import build_channel
from semjscc.codec.checkpoint import save_checkpoint
from semjscc.codec.grow import rate_adaptive_from
from semjscc.codec.models import AdaptiveJSCC, RateAdaptiveJSCC, build_model
from semjscc.codec.rate import budget_label, concept_grid, latent_mask, symbols_sent, uniform_depth
from semjscc.train.trainer import TrainConfig, Trainer, initial_model


def trained_like(model):
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return model.eval()


def assert_same_full_rate_function(old, new):
    """``new`` (rate-adaptive, at full depth) encodes and decodes as ``old`` does."""
    images = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        symbols = old.encode(images, 10.0)
        torch.testing.assert_close(new.encode(images, 10.0), symbols, atol=1e-5, rtol=1e-4)
        torch.testing.assert_close(new.decode(symbols, (32, 32), 10.0), old.decode(symbols, (32, 32), 10.0),
                                   atol=1e-5, rtol=1e-4)


@pytest.fixture(scope="module")
def codec():
    torch.manual_seed(0)
    return trained_like(RateAdaptiveJSCC(1 / 6, width=16, blocks=1, groups=4, region=2))


def test_budgets_are_nested_fractions_of_the_full_rate():
    assert [budget_label(1 / 6, depth, 4) for depth in range(1, 5)] == ["1/24", "1/12", "1/8", "1/6"]
    depth = uniform_depth(3, 32, 32, 2, 2)
    assert depth.shape == (3, 4, 4)
    assert symbols_sent(depth, 16, 4, 2).tolist() == [256, 256, 256]  # 1/12 of 3072 values
    assert symbols_sent(uniform_depth(1, 32, 32, 2, 4), 16, 4, 2).item() == 512


def test_a_depth_map_sends_the_first_groups_of_each_concept_only():
    depth = torch.tensor([[[0, 1], [3, 4]]])
    mask = latent_mask(depth, channels=8, groups=4, region=2)
    assert mask.shape == (1, 8, 4, 4)
    per_concept_channels = mask[0, :, ::2, ::2].sum(dim=0)  # channels sent at one pixel of each concept
    assert per_concept_channels.tolist() == [[0, 2], [6, 8]]
    assert mask[0, :2, 2:, :2].all() and not mask[0, 6:, 2:, :2].any()  # depth 3 of 4: groups 0..2
    assert mask.sum().item() == symbols_sent(depth, 8, 4, 2).item() * 2


def test_the_sent_symbols_have_unit_power_and_the_rest_are_zero(codec):
    images = torch.rand(4, 3, 32, 32)
    depth = torch.randint(0, 5, (4, 4, 4))
    depth[:, 0, 0] = 1
    with torch.no_grad():
        symbols = codec.encode(images, 10.0, depth)
    sent = symbols_sent(depth, codec.latent_channels, 4, 2)
    assert ((symbols != 0).sum(dim=1) == sent).all()
    torch.testing.assert_close(symbols.abs().pow(2).sum(dim=1) / sent, torch.ones(4))


def test_a_prefix_of_a_longer_budget_decodes_as_the_shorter_budget(codec):
    images = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        long = codec.encode(images, 10.0, uniform_depth(2, 32, 32, 2, 4))
        short_depth = uniform_depth(2, 32, 32, 2, 2)
        short = codec.encode(images, 10.0, short_depth)
        kept = codec.mask(short_depth)[:, :, :, ::2].reshape(2, -1).bool()
        prefix = torch.where(kept, long, torch.zeros_like(long))
        prefix = prefix * torch.sqrt(256 / prefix.abs().pow(2).sum(dim=1, keepdim=True))  # the TX's power per budget
        torch.testing.assert_close(prefix, short, atol=1e-5, rtol=1e-4)
        decoded = codec.decode(prefix, (32, 32), 10.0, depth=short_depth)
        torch.testing.assert_close(decoded, codec.decode(short, (32, 32), 10.0, depth=short_depth))


def test_the_decoder_ignores_what_was_not_sent(codec):
    images = torch.rand(2, 3, 32, 32)
    depth = torch.randint(0, 5, (2, 4, 4))
    with torch.no_grad():
        symbols = codec.encode(images, 10.0, depth)
        noisy = symbols + (symbols == 0) * torch.randn_like(symbols) * 5  # junk where nothing was sent
        torch.testing.assert_close(codec.decode(noisy, (32, 32), 10.0, depth=depth),
                                   codec.decode(symbols, (32, 32), 10.0, depth=depth))


def test_a_depth_map_that_does_not_fit_the_image_is_refused(codec):
    images = torch.rand(1, 3, 32, 32)
    with pytest.raises(ValueError, match="4x4 concepts"):
        codec.encode(images, 10.0, torch.ones(1, 2, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="0..4"):
        codec.encode(images, 10.0, torch.full((1, 4, 4), 5))
    with pytest.raises(ValueError, match="multiple of 8"):
        concept_grid(36, 32, 2)


def test_starting_from_a_main_codec_keeps_its_full_rate_function():
    old = trained_like(AdaptiveJSCC(1 / 6, width=16, blocks=1))
    new = rate_adaptive_from(old, groups=4, region=2).eval()
    assert build_model(new.config()).config() == new.config()
    assert_same_full_rate_function(old, new)
    with pytest.raises(ValueError, match="cannot be split"):
        RateAdaptiveJSCC(1 / 6, width=16, groups=3)


def test_a_main_codec_grown_into_a_rate_adaptive_one_keeps_its_full_rate_function(tmp_path):
    old = trained_like(AdaptiveJSCC(1 / 6, width=8, blocks=1)).eval()
    save_checkpoint(tmp_path / "main.pt", old, {"family": "adaptive"})
    config = TrainConfig(arch="rate-adaptive", width=12, blocks=2, init=str(tmp_path / "main.pt"), grow=True)
    new = initial_model(config).eval()
    assert isinstance(new, RateAdaptiveJSCC) and (new.width, new.blocks) == (12, 2)
    assert_same_full_rate_function(old, new)


def test_training_reports_every_budget_and_learns(tmp_path, sample_root):
    config = TrainConfig(arch="rate-adaptive", width=16, blocks=1, epochs=2, batch_size=16, lr=2e-3, lr_min=2e-3,
                         data="sample:cifar10:test:64", val_data="sample:cifar10:test:16", val_snr=[10.0], threads=1)
    trainer = Trainer(config, tmp_path / "ra.pt", data_root=sample_root)
    trainer.run()
    first, last = trainer.history
    assert [key for key in last if key.startswith("psnr")] == [f"psnr_10dB@{b}" for b in ("1/24", "1/12", "1/8", "1/6")]
    assert last["train_mse"] < first["train_mse"]
    depth = trainer.sample_depth(torch.zeros(400, 3, 32, 32))
    per_image = (depth == depth[:, :1, :1]).flatten(1).all(dim=1)
    assert 0.6 < per_image.float().mean() < 0.9 and depth.min() == 0 and depth.max() == 4


def test_budget_weights_set_how_often_each_budget_is_trained(tmp_path, sample_root):
    config = TrainConfig(arch="rate-adaptive", width=8, blocks=1, data="sample:cifar10:test:16", val_data="sample:cifar10:test:16",
                         concept_fraction=0.0, budget_weights=[0.0, 1.0, 0.0, 3.0])
    trainer = Trainer(config, tmp_path / "ra.pt", data_root=sample_root)
    depth = trainer.sample_depth(torch.zeros(4000, 3, 32, 32))[:, 0, 0]
    assert set(depth.unique().tolist()) == {2, 4}
    assert 0.7 < (depth == 4).float().mean() < 0.8
    trainer.config.budget_weights = [1.0, 1.0]
    with pytest.raises(ValueError, match="needs 4 non-negative weights"):
        trainer.sample_depth(torch.zeros(4, 3, 32, 32))


def test_one_encoder_pass_decodes_a_stack_of_allocations_as_each_would_alone(codec):
    images = torch.rand(3, 3, 32, 32)
    lossless = lambda symbols, snr_db: symbols  # noqa: E731 (no noise: the comparison is exact)
    depths = torch.stack([uniform_depth(3, 32, 32, 2, level) for level in (1, 3)] +
                         [torch.randint(0, 5, (3, 4, 4))])
    with torch.no_grad():
        stacked = codec(images, lossless, 10.0, depth=depths)
        alone = torch.stack([codec(images, lossless, 10.0, depth=depth) for depth in depths])
    assert stacked.shape == (3, 3, 3, 32, 32)
    torch.testing.assert_close(stacked, alone)


def test_the_every_budget_loss_weighs_each_budget_in_db(tmp_path, sample_root):
    config = TrainConfig(arch="rate-adaptive", width=8, blocks=1, data="sample:cifar10:test:16",
                         val_data="sample:cifar10:test:16", concept_fraction=0.2, budget_weights=[0.0, 1.0, 0.0, 3.0],
                         budget_loss="every-budget")
    trainer = Trainer(config, tmp_path / "ra.pt", data_root=sample_root)
    batch = torch.full((2, 3, 4, 4), 0.5)
    errors = torch.tensor([0.1, 0.01, 0.1, 0.001, 0.01])  # RMS error of each allocation: MSE 1e-2, 1e-4, .., 1e-6, 1e-4
    decoded = batch + errors.view(5, 1, 1, 1, 1)
    loss, parts = trainer.every_budget_loss(decoded, batch)
    expected = 0.8 * (0.25 * -40 + 0.75 * -60) + 0.2 * -40  # budgets 1/12 and 1/6 at 1:3, then the concept maps
    assert loss.item() == pytest.approx(expected, abs=1e-3)
    assert parts["mse"].item() == pytest.approx((errors ** 2).mean().item(), rel=1e-4)
    assert trainer.every_allocation(torch.zeros(2, 3, 32, 32)).shape == (5, 2, 4, 4)


def test_every_budget_training_learns_and_is_refused_where_it_does_not_apply(tmp_path, sample_root):
    config = TrainConfig(arch="rate-adaptive", width=16, blocks=1, epochs=2, batch_size=16, lr=2e-3, lr_min=2e-3,
                         data="sample:cifar10:test:64", val_data="sample:cifar10:test:16", val_snr=[10.0], threads=1,
                         budget_loss="every-budget")
    first, last = Trainer(config, tmp_path / "ra.pt", data_root=sample_root).run()["history"]
    assert last["train_mse"] < first["train_mse"]
    with pytest.raises(ValueError, match="rate-adaptive codec with the mse loss"):
        Trainer(TrainConfig(arch="adaptive", width=8, data="sample:cifar10:test:16", val_data="sample:cifar10:test:16",
                            budget_loss="every-budget"), tmp_path / "a.pt", data_root=sample_root)
    with pytest.raises(ValueError, match="--budget-loss is one of"):
        Trainer(TrainConfig(arch="rate-adaptive", width=8, data="sample:cifar10:test:16",
                            val_data="sample:cifar10:test:16", budget_loss="summed"), tmp_path / "b.pt",
                data_root=sample_root)


@pytest.fixture
def rate_link(tmp_path):
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.link import load_link_codec

    save_checkpoint(tmp_path / "ra.pt", trained_like(RateAdaptiveJSCC(1 / 6, width=8, blocks=1)),
                    {"family": "rate-adaptive"})
    return load_link_codec(str(tmp_path / "ra.pt"), "cpu")


def images_of(count, size, seed=0):
    return np.random.default_rng(seed).integers(0, 256, (count, *size, 3), dtype=np.uint8)


class Alternating:
    """Image i of a batch: depth i % 5 everywhere, and every third image a map of its own."""

    def __call__(self, images, snr_db, codec):
        rows, columns = codec.concepts(*images.shape[-2:])
        depth = torch.stack([torch.full((rows, columns), i % 5) for i in range(images.shape[0])])
        depth[::3] = torch.randint(0, 5, (len(depth[::3]), rows, columns), generator=torch.Generator().manual_seed(1))
        return depth


def test_the_allocation_map_travels_with_the_frames_and_every_image_decodes_at_its_budget(rate_link):
    from semjscc.data import ImageSet
    from semjscc.link import Encoder, LinkProfile
    from semjscc.link.loopback import simulate_link
    from semjscc.link.transmitter import frames

    profile = LinkProfile(max_payload=700)
    images = images_of(7, (32, 32))
    batch, symbols = Encoder(rate_link, 10.0, Alternating()).encode([({"image_id": i}, im) for i, im in
                                                                     enumerate(images)])
    lengths = batch.image_lengths()
    assert len(symbols) == sum(lengths) and lengths[1] == 128 and lengths[4] == 512
    framed = frames(batch, symbols, profile)
    assert len(framed) > 1 and all(0 < meta.map_length and meta.payload_length <= 700 for meta, _ in framed)
    report = simulate_link(rate_link, ImageSet("random", images), 25.0, cfo=0.001, profile=profile,
                           allocator=Alternating(), seed=4)
    assert report["images_sent"] == report["images_decoded"] == 7 and report["accounted"]
    assert report["frames_sent"] == report["frames_decoded"] == len(framed)
    assert [row["k_over_n"] for row in report["images"]] == pytest.approx([n / 3072 for n in lengths])
    assert report["mean_k_over_n"] == pytest.approx(sum(lengths) / 7 / 3072)


def test_a_large_image_spans_frames_each_led_by_its_map(rate_link):
    from semjscc.data import ImageSet
    from semjscc.link import LinkProfile
    from semjscc.link.loopback import simulate_link
    from semjscc.semantic.allocation import FixedBudget

    report = simulate_link(rate_link, ImageSet("random", images_of(2, (64, 96))), 25.0,
                           profile=LinkProfile(max_payload=400), allocator=FixedBudget(3), seed=5)
    assert report["images_decoded"] == 2 and report["frames_sent"] == 2 * 9  # 2,304 symbols, 280 a frame
    assert report["mean_k_over_n"] == pytest.approx(1 / 8)


def test_a_corrupt_or_unexpected_map_drops_the_frame_and_counts_its_images(rate_link, tmp_path):
    from gr_helpers import tiny_checkpoint
    from semjscc.link import FrameMeta, Receiver, load_link_codec
    from semjscc.link.allocation import pack_map
    from semjscc.phy.side_info import side_info_symbols

    entries = pack_map(np.full((4, 4), 2)) + pack_map(np.full((4, 4), 1))
    head = side_info_symbols(entries)
    meta = FrameMeta(model_id=rate_link.wire_id, image_id=1, height=32, width=32, image_count=2,
                     payload_length=len(head) + 384, map_length=len(entries), reception={"snr_est_db": 20.0})
    body = np.zeros(384, np.complex64)
    receiver = Receiver(rate_link)
    assert len(receiver.accept(meta, np.concatenate([head, body]))) == 2
    flipped = head.copy()
    flipped[::3] *= -1  # beyond what the code corrects: the CRC fails
    assert receiver.accept(FrameMeta(**{**meta.__dict__, "image_id": 3}), np.concatenate([flipped, body])) == []
    assert receiver.accept(FrameMeta(**{**meta.__dict__, "image_id": 5}), np.concatenate([head, body[:-2]]))[:1] == []
    fixed_rate = load_link_codec(tiny_checkpoint(tmp_path / "tiny.pt"), "cpu")
    other = Receiver(fixed_rate)
    assert other.accept(FrameMeta(**{**meta.__dict__, "model_id": fixed_rate.wire_id}),
                        np.concatenate([head, body])) == []
    assert receiver.counters()["dropped"] == {"bad_allocation_map": 2, "size_mismatch": 2, "missing_chunks": 0}
    assert other.counters()["dropped"] == {"unexpected_allocation": 2, "missing_chunks": 0}


def test_the_loopback_flowgraph_sends_every_image_at_the_budget_asked_and_the_receiver_follows(
        tmp_path, sample_root, rate_link):
    from semjscc.run.loopback import run_loopback

    model = str(tmp_path / "ra.pt")
    report = run_loopback(model, "sample:cifar10:test:6", 20.0, out=str(tmp_path / "rx"), device="cpu", timeout_s=60,
                          data_root=str(sample_root), allocation="1/12")
    assert report["images_decoded"] == 6 and report["accounted"] and not report["timed_out"]
    assert report["mean_k_over_n"] == pytest.approx(1 / 12) and report["k_over_n"] == pytest.approx(1 / 12, abs=1e-6)
    assert abs(report["impl_loss_db"]) < 0.5  # the ideal reference is scored at the same budget
    per_concept = run_loopback(model, "sample:cifar10:test:6", 20.0, out=str(tmp_path / "rx3"), device="cpu", timeout_s=60,
                               data_root=str(sample_root), allocation="random:1/8")
    assert per_concept["images_decoded"] == 6 and per_concept["accounted"]
    assert per_concept["mean_k_over_n"] == pytest.approx(1 / 8)
    with pytest.raises(ValueError, match="offers 1/24, 1/12, 1/8, 1/6"):
        run_loopback(model, "sample:cifar10:test:2", 20.0, out=str(tmp_path / "rx2"), device="cpu", timeout_s=60,
                     data_root=str(sample_root), allocation="1/10")


def test_eval_reports_the_budget_it_was_asked_for(tmp_path, sample_root, rate_link, capsys):
    import json

    from semjscc.cli import main

    assert main(["eval", "--model", str(tmp_path / "ra.pt"), "--data", "sample:cifar10:test:8", "--snr", "10",
                 "--budget", "1/24", "--data-root", str(sample_root)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["allocation"] == "1/24" and report["results"][0]["mean_k_over_n"] == pytest.approx(1 / 24, abs=1e-6)
    assert main(["eval", "--model", str(tmp_path / "ra.pt"), "--data", "sample:cifar10:test:8", "--snr", "10",
                 "--budget", "1/5", "--data-root", str(sample_root)]) != 0
    assert "offers 1/24, 1/12, 1/8, 1/6" in capsys.readouterr().err


class TopLeftTask(torch.nn.Module):
    """A classifier that looks only at the image's top-left quadrant: all importance lies there."""

    def features(self, images):
        layer1 = images * 2.0
        logits = torch.stack([layer1[:, :, :16, :16].sum(dim=(1, 2, 3)), -layer1.sum(dim=(1, 2, 3)) * 0], dim=1)
        return {"layer1": layer1, "logits": logits}


def test_concept_importance_falls_where_the_task_looks():
    from semjscc.semantic.concepts import concept_importance

    importance = concept_importance(TopLeftTask(), torch.rand(3, 3, 32, 32), (4, 4))
    assert importance.shape == (3, 4, 4)
    torch.testing.assert_close(importance.flatten(1).sum(dim=1), torch.ones(3))
    assert importance[:, :2, :2].sum() == pytest.approx(3.0) and importance[:, 2:, :].sum() == 0


@pytest.mark.parametrize("total", [0, 5, 16, 37, 64])
def test_sharing_out_gives_each_image_its_exact_total_in_proportion(total):
    from semjscc.semantic.concepts import share_out

    weights = torch.rand(6, 4, 4) ** 3
    weights[0] = 0  # no preference: an even share
    depth = share_out(weights, torch.full((6,), total), 4)
    assert depth.min() >= 0 and depth.max() <= 4
    assert depth.flatten(1).sum(dim=1).tolist() == [total] * 6
    assert depth[0].max() - depth[0].min() <= 1
    for image in range(1, 6):  # a heavier concept never gets less than a lighter one
        order = weights[image].flatten().argsort()
        assert (depth[image].flatten()[order].diff() >= 0).all()


def test_the_heuristic_and_the_random_control_send_the_same_mean_budget(rate_link):
    from semjscc.semantic.allocation import ImportanceShare, RandomShare, build_allocator

    codec = rate_link.codec
    images = torch.rand(5, 3, 32, 32)
    heuristic = ImportanceShare(TopLeftTask(), mean_depth=2.0)(images, 10.0, codec)
    control = RandomShare(mean_depth=2.0)(images, 10.0, codec)
    assert (codec.symbols_sent(heuristic) == 256).all() and (codec.symbols_sent(control) == 256).all()
    assert (heuristic[:, :2, :2] == 4).all()  # the top-left concepts get every group
    assert isinstance(build_allocator("random:1/12", codec), RandomShare)
    with pytest.raises(ValueError, match="unknown rate allocation"):
        build_allocator("greedy:1/12", codec)


def test_a_per_image_budget_shared_out_by_importance_keeps_each_images_total(rate_link, tmp_path):
    from semjscc.semantic.agent import AllocationPolicy
    from semjscc.semantic.allocation import BudgetShare, build_allocator
    from semjscc.store.checkpoint import save_network

    codec = rate_link.codec

    def budgets(images, snr_db, codec):  # a per-image policy's answer: 1, 2, 3 groups per concept
        return torch.arange(1, 4)[:, None, None].expand(3, *codec.concepts(32, 32)).clone()

    depth = BudgetShare(budgets, TopLeftTask())(torch.rand(3, 3, 32, 32), 10.0, codec)
    assert depth.flatten(1).sum(dim=1).tolist() == [16, 32, 48]
    assert (depth[:, :2, :2] == 4).all() and depth[0, 2:].sum() == 0  # the important concepts first
    concept = AllocationPolicy(channels=16, groups=4, mode="concept")
    save_network(tmp_path / "agent.pt", concept.config(), concept.state_dict(), {"training": {}})
    with pytest.raises(ValueError, match="only a per-image policy"):
        build_allocator(f"policy+importance:{tmp_path / 'agent.pt'}", codec)


@pytest.mark.parametrize("mode", ["image", "concept"])
def test_a_short_policy_training_run_raises_the_reward_and_its_policy_drives_the_link(tmp_path, sample_root,
                                                                                       rate_link, mode):
    from semjscc.data import ImageSet, load_dataset
    from semjscc.link.loopback import simulate_link
    from semjscc.semantic.allocation import build_allocator
    from semjscc.train.policy import PolicyConfig, PolicyTrainer

    # an untrained codec is worth little, so at a high price of channel uses the best policy sends little
    config = PolicyConfig(codec=str(tmp_path / "ra.pt"), mode=mode, mu=3.0, mu_lr=0.0, epochs=3, images_per_epoch=64,
                          batch_size=16, lr=1e-2, data="sample:cifar10:test:64", val_data="sample:cifar10:test:16", threads=1)
    trainer = PolicyTrainer(config, tmp_path / "policy.pt", data_root=sample_root)
    trainer.run()
    first, last = trainer.history[0], trainer.history[-1]
    assert last["reward"] > first["reward"] and last["k_over_n"] < first["k_over_n"]
    resumed = PolicyTrainer(PolicyConfig(**{**config.__dict__, "epochs": 4}), tmp_path / "policy.pt",
                            data_root=sample_root)
    assert resumed.resume() and resumed.epoch == 3 and resumed.mu == 3.0
    allocator = build_allocator(f"policy:{tmp_path / 'policy.pt'}", rate_link.codec)
    images = load_dataset("sample:cifar10:test:4", sample_root)
    report = simulate_link(rate_link, ImageSet("sample", images.images), 25.0, allocator=allocator, seed=6)
    assert report["images_decoded"] == 4 and report["accounted"]
    assert report["mean_k_over_n"] == pytest.approx(last["k_over_n_5dB"], abs=0.05)


def test_a_policy_for_another_codec_or_a_file_that_is_no_policy_is_refused(tmp_path, rate_link):
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.semantic.agent import AllocationPolicy, PolicyAllocator, load_policy
    from semjscc.store.checkpoint import CheckpointError, save_network

    policy = AllocationPolicy(channels=8, groups=4)
    save_network(tmp_path / "p.pt", policy.config(), policy.state_dict())
    loaded, _ = load_policy(tmp_path / "p.pt")
    with pytest.raises(ValueError, match="trained for 8 channels"):
        PolicyAllocator(loaded, TopLeftTask())(torch.rand(1, 3, 32, 32), 10.0, rate_link.codec)
    with pytest.raises(CheckpointError, match="not an allocation policy"):
        load_policy(tmp_path / "ra.pt")


def test_channel_uses_for_an_accuracy_are_read_off_the_curve_between_points():
    from semjscc.bench.rate import claim, uses_for_accuracy

    points = [{"k_over_n": 0.1, "accuracy": 0.5}, {"k_over_n": 0.2, "accuracy": 0.7}, {"k_over_n": 0.3, "accuracy": 0.9}]
    assert uses_for_accuracy(points, 0.6) == pytest.approx(0.15)
    assert uses_for_accuracy(points, 0.4) == 0.1 and uses_for_accuracy(points, 0.95) is None
    agent = [{"k_over_n": 0.05, "accuracy": 0.5}, {"k_over_n": 0.1, "accuracy": 0.9}]
    rows = claim([{"name": "fixed-rate semantic JSCC", "points": points}, {"name": "per-concept agent",
                                                                         "points": agent}], 1.0)
    assert rows["90% of clean"]["fewer_uses_than_semantic_jscc"] == {"per-concept agent": pytest.approx(3.0)}


@pytest.mark.slow
def test_the_rate_benchmark_writes_every_curve_per_snr(tmp_path, sample_root, rate_link, monkeypatch):
    from semjscc.bench.rate import run_rate_bench
    from semjscc.semantic.agent import AllocationPolicy
    from semjscc.store.checkpoint import save_network

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    policy = AllocationPolicy(channels=16, groups=4, mode="concept")
    save_network(tmp_path / "agent.pt", policy.config(), policy.state_dict(), {"training": {}})
    reports = run_rate_bench(str(tmp_path / "out"), str(tmp_path / "ra.pt"), [str(tmp_path / "agent.pt")],
                             data="sample:cifar10:test:8", snrs=(5.0,))
    names = [curve["name"] for curve in reports[0]["curves"]]
    assert "per-concept agent" in names and "oracle (best budget per image)" in names and len(names) == 8
    for name in ("rate_snr5.json", "rate_snr5.png", "allocation_maps.png"):
        assert (tmp_path / "out" / name).is_file()
    fixed = reports[0]["curves"][0]["points"]
    assert [p["k_over_n"] for p in fixed] == pytest.approx([1 / 24, 1 / 12, 1 / 8, 1 / 6], abs=1e-6)


def test_a_concepts_reward_is_the_utility_it_adds_here_only_its_price(tmp_path, sample_root):
    """A decoder that ignores its input makes the task and perceptual terms constant: each action's reward
    is then minus the price of the groups it sends."""
    from semjscc.codec.checkpoint import save_checkpoint
    from semjscc.train.policy import PolicyConfig, PolicyTrainer

    codec = RateAdaptiveJSCC(1 / 6, width=8, blocks=1)
    with torch.no_grad():
        codec.decoder_net.head[0].weight.zero_()
    save_checkpoint(tmp_path / "deaf.pt", codec, {"family": "rate-adaptive"})
    trainer = PolicyTrainer(PolicyConfig(codec=str(tmp_path / "deaf.pt"), mu=2.0, data="sample:cifar10:test:8",
                                         val_data="sample:cifar10:test:8"), tmp_path / "p.pt", data_root=sample_root)
    images = torch.rand(3, 3, 32, 32)
    labels = torch.tensor([0, 1, 2])
    snr = torch.full((3,), 10.0)
    latent = trainer.codec.encoder_net(images, snr)
    noise = torch.zeros(3, 512, dtype=torch.complex64)
    before, share_before = trainer.utility(latent, torch.zeros(3, 16, dtype=torch.long), noise, snr, images, labels)
    depth = torch.zeros(3, 16, dtype=torch.long)
    depth[:, 5] = torch.tensor([1, 3, 4])
    after, share_after = trainer.utility(latent, depth, noise, snr, images, labels)
    torch.testing.assert_close(share_after - share_before, torch.tensor([1, 3, 4]) / 64.0)
    torch.testing.assert_close(after - before, -2.0 * torch.tensor([1, 3, 4]) / 64.0, atol=1e-5, rtol=0)


def test_the_agent_foresees_that_a_larger_budget_keeps_the_classifiers_answer(sample_root):
    """Analysis by synthesis at the transmitter: on the shipped codec at 20 dB, the classifier's own answer
    survives the full budget better than the smallest one, for most images and on average."""
    from semjscc.codec.checkpoint import load_model
    from semjscc.data import load_dataset
    from semjscc.semantic.agent import SURE_FEATURES, concept_states
    from semjscc.semantic.task_models import load_task_model
    from semjscc.store.paths import resolve_model

    codec, _ = load_model(resolve_model("rate_adaptive_awgn_kn1-6"))
    task = load_task_model(resolve_model("task_resnet"))
    images = torch.from_numpy(load_dataset("sample:cifar10:test:64", sample_root).images).permute(0, 3, 1, 2)
    torch.manual_seed(0)
    context = concept_states(codec, task, images.float() / 255, 20.0).context
    assert context.shape == (64, SURE_FEATURES + codec.groups)
    assert bool(((context >= -1) & (context <= 1)).all())
    smallest, full = context[:, SURE_FEATURES], context[:, -1]
    assert full.mean() > smallest.mean() and (full >= smallest).float().mean() > 0.5
