import pytest
import torch

from semjscc.channel import build_channel
from semjscc.cli import main
from semjscc.codec.checkpoint import save_checkpoint
from semjscc.store.checkpoint import CheckpointError, read_checkpoint
from semjscc.codec.grow import grow_model, with_bandwidth
from semjscc.codec.models import AdaptiveJSCC, BaselineJSCC
from semjscc.train.promotion import promote
from semjscc.train.trainer import TrainConfig, Trainer


def trained_like(model: AdaptiveJSCC) -> AdaptiveJSCC:
    """Perturb every parameter so no weight keeps its special initial value (identity GDN, 0.25 slopes)."""
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    return model.eval()


@pytest.mark.parametrize("size", [(32, 32), (48, 64)])
@pytest.mark.parametrize("width, blocks", [(24, 1), (16, 3), (24, 2)])
def test_a_grown_codec_computes_the_same_symbols_and_images(size, width, blocks):
    old = trained_like(AdaptiveJSCC(1 / 6, width=16, blocks=1))
    grown = grow_model(old, width, blocks).eval()
    assert (grown.width, grown.blocks) == (width, blocks)
    assert sum(p.numel() for p in grown.parameters()) > sum(p.numel() for p in old.parameters())
    images = torch.rand(3, 3, *size)
    with torch.no_grad():
        for snr in (0.0, 10.0, 20.0):
            symbols = old.encode(images, snr)
            torch.testing.assert_close(grown.encode(images, snr), symbols, atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(grown.decode(symbols, size, snr), old.decode(symbols, size, snr),
                                       atol=1e-5, rtol=1e-4)


def test_adding_csi_keeps_the_function_until_training_uses_the_gains():
    old = trained_like(AdaptiveJSCC(1 / 6, width=16, blocks=1))
    grown = grow_model(old, 16, 1, csi=True).eval()
    assert grown.csi and grown.config()["csi"] is True and "csi" not in old.config()
    symbols = old.encode(torch.rand(2, 3, 32, 32), 10.0).detach()
    gains = torch.rand(symbols.shape) * 2
    with torch.no_grad():
        reference = old.decode(symbols, (32, 32), 10.0)
        torch.testing.assert_close(grown.decode(symbols, (32, 32), 10.0, gains), reference, atol=1e-5, rtol=1e-4)
        first = grown.decoder_net.head[0].weight
        first[:, old.latent_channels:] = 0.1  # once the gains' weights move, the gains change the image
        assert not torch.allclose(grown.decode(symbols, (32, 32), 10.0, gains), reference, atol=1e-3)
        assert torch.allclose(grown.decode(symbols, (32, 32), 10.0), grown.decode(symbols, (32, 32), 10.0,
                                                                                    torch.ones(symbols.shape)))


def test_the_new_channels_get_gradients_at_once():
    old = trained_like(AdaptiveJSCC(1 / 12, width=16, blocks=1))
    grown = grow_model(old, 24, 1).train()
    images = torch.rand(4, 3, 32, 32)
    loss = (grown(images, build_channel("awgn"), 10.0) - images).pow(2).mean()
    loss.backward()
    head = grown.encoder_net.head.weight.grad
    assert head[:, 16:].abs().sum() > 0  # weights from the new channels into the latent start at 0 but move


def test_shrinking_or_growing_a_baseline_is_refused():
    old = AdaptiveJSCC(1 / 6, width=32, blocks=2)
    with pytest.raises(ValueError, match="cannot shrink.*width 32 and 2 block"):
        grow_model(old, 16, 2)
    with pytest.raises(ValueError, match="cannot shrink"):
        grow_model(old, 32, 1)
    with pytest.raises(ValueError, match="only the adaptive codec"):
        grow_model(BaselineJSCC(1 / 6), 32, 1)


def test_a_codec_at_another_bandwidth_sends_the_first_latent_channels_of_its_init(tmp_path, sample_root):
    old = trained_like(AdaptiveJSCC(1 / 12, width=8, blocks=1))  # 8 latent channels
    images = torch.rand(2, 3, 32, 32)
    with torch.no_grad():
        latent = old.encoder_net(images, torch.full((2,), 10.0))
        narrow = with_bandwidth(old, 1 / 16)  # 6 channels
        assert narrow.k_over_n == 1 / 16 and narrow.latent_channels == 6
        torch.testing.assert_close(narrow.encoder_net(images, torch.full((2,), 10.0)), latent[:, :6])
        wide = with_bandwidth(old, 1 / 6)  # 16 channels: the new ones are read through zeros
        received = torch.randn(2, 16, 8, 8)
        torch.testing.assert_close(wide.decoder_net(received, torch.full((2,), 10.0)),
                                   old.decoder_net(received[:, :8], torch.full((2,), 10.0)))
    shipped = tmp_path / "model.pt"
    save_checkpoint(shipped, old, {"training": {"epochs_done": 1}})
    trainer = adaptive_run(tmp_path / "narrow.pt", sample_root, k_over_n=1 / 16, init=str(shipped))
    assert trainer.model.k_over_n == 1 / 16
    with pytest.raises(ValueError, match="only the main"):
        with_bandwidth(BaselineJSCC(1 / 6), 1 / 12)


def adaptive_run(out, sample_root, **overrides):
    values = dict(arch="adaptive", k_over_n=1 / 12, width=8, blocks=1, epochs=1, batch_size=32,
                  data="sample:cifar10:test:64", val_data="sample:cifar10:test:16", val_snr=[10.0])
    values.update(overrides)
    return Trainer(TrainConfig(**values), out, data_root=sample_root)


def test_training_from_a_smaller_init_names_grow_and_grows_with_it(tmp_path, sample_root):
    shipped = tmp_path / "model.pt"
    small = trained_like(AdaptiveJSCC(1 / 12, width=8, blocks=1))
    save_checkpoint(shipped, small, {"training": {"epochs_done": 1}})
    with pytest.raises(CheckpointError, match="pass --grow"):
        adaptive_run(tmp_path / "wide.pt", sample_root, width=12, init=str(shipped))

    trainer = adaptive_run(tmp_path / "training" / "model_grown.pt", sample_root, width=12, blocks=2,
                           init=str(shipped), grow=True)
    images = trainer.val_images.contiguous()
    with torch.no_grad():
        torch.testing.assert_close(trainer.model.eval().encode(images), small.encode(images), atol=1e-5, rtol=1e-4)
    trainer.run()

    promote(trainer.out, shipped)
    payload = read_checkpoint(shipped)
    assert (payload["model"]["width"], payload["model"]["blocks"]) == (12, 2)
    assert payload["meta"]["stages"][-1]["grow"] is True


def test_promote_still_refuses_a_wider_model_that_was_not_grown(tmp_path, sample_root):
    shipped = tmp_path / "model.pt"
    save_checkpoint(shipped, AdaptiveJSCC(1 / 12, width=8), {"training": {"epochs_done": 1}})
    wider = adaptive_run(tmp_path / "wider.pt", sample_root, width=12)
    wider.run()
    payload = read_checkpoint(wider.out)
    payload["meta"]["training"]["init"] = str(shipped)
    torch.save(payload, wider.out)
    assert main(["promote", str(wider.out), "--into", str(shipped)]) == 2


def test_a_fine_tune_takes_the_size_of_its_init_unless_told(tmp_path):
    from semjscc.cli import inherit_size_from_init

    init = tmp_path / "wide.pt"
    save_checkpoint(init, AdaptiveJSCC(1 / 6, width=24, blocks=2), {})
    config = TrainConfig(init=str(init))
    inherit_size_from_init(config, given=set())
    assert (config.width, config.blocks) == (24, 2)
    told = TrainConfig(init=str(init), width=32)
    inherit_size_from_init(told, given={"width"})
    assert (told.width, told.blocks) == (32, 2)


def test_a_grown_run_records_the_bandwidth_of_its_init_and_refuses_another(tmp_path):
    """The model keeps its --init's k/n when it grows; the run's recorded config must say so (it once said the
    default 1/6 for a grown 1/12 codec)."""
    from semjscc.cli import inherit_size_from_init

    init = str(tmp_path / "small.pt")
    save_checkpoint(init, AdaptiveJSCC(1 / 12, width=8), {"training": {"epochs_done": 1}})
    config = TrainConfig(init=init, grow=True, width=16, blocks=2)
    inherit_size_from_init(config, {"width", "blocks"})
    assert (config.k_over_n, config.width, config.blocks) == (1 / 12, 16, 2)
    config = TrainConfig(init=init, grow=True, k_over_n=1 / 6)
    with pytest.raises(ValueError, match="--grow keeps the bandwidth"):
        inherit_size_from_init(config, {"k_over_n"})
