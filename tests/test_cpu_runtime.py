"""The OpenVINO runtime of the codecs: the same function as PyTorch's, chosen by the link's device."""

import copy

import pytest
import torch

from semjscc.codec.cpu_runtime import compile_codec
from semjscc.codec.models import build_model
from semjscc.data import load_dataset
from semjscc.evaluate.quality import evaluate
from semjscc.link import models as link_models
from semjscc.link import load_link_codec

TINY = [
    {"arch": "baseline", "k_over_n": 1 / 6},
    {"arch": "adaptive", "k_over_n": 1 / 12, "width": 16, "blocks": 1},
    {"arch": "adaptive", "k_over_n": 1 / 6, "width": 16, "blocks": 1, "csi": True},
    {"arch": "rate-adaptive", "k_over_n": 1 / 6, "width": 16, "blocks": 1},
    {"arch": "adaptive-gan", "k_over_n": 1 / 12, "width": 16, "blocks": 1},
]


def _pair(config):
    model = build_model(config).eval()
    return model, compile_codec(copy.deepcopy(model), threads=1)


@pytest.mark.parametrize("config", TINY, ids=[c["arch"] + ("-csi" if c.get("csi") else "") for c in TINY])
@pytest.mark.parametrize("batch, size", [(1, (32, 32)), (3, (48, 64))])
def test_openvino_networks_compute_the_pytorch_function(config, batch, size):
    eager, compiled = _pair(config)
    images = torch.rand(batch, 3, *size)
    with torch.inference_mode():
        sent = eager.encode(images, 7.0)
        assert torch.allclose(compiled.encode(images, 7.0), sent, atol=1e-4)
        received = sent + 0.1 * torch.randn_like(sent)
        options = {"reliability": torch.rand(sent.shape) + 0.5} if eager.csi else {}
        if eager.allocates:  # a partial allocation: half the concepts at depth 1
            depth = eager.full_depth(batch, *size)
            depth[:, ::2] = 1
            options = {"depth": depth}
        expected = eager.decode(received, size, 7.0, **options)
        assert torch.allclose(compiled.decode(received, size, 7.0, **options), expected, atol=1e-4)


def test_a_compiled_network_refuses_to_train():
    _, compiled = _pair(TINY[1])
    with pytest.raises(RuntimeError, match="no gradients"):
        compiled.encode(torch.rand(1, 3, 32, 32, requires_grad=True), 10.0)


@pytest.mark.skipif(torch.cuda.is_available(), reason="auto takes the GPU when there is one")
def test_the_link_device_picks_the_runtime(monkeypatch):
    assert load_link_codec("adaptive_awgn_kn1-12", "auto").runtime == "openvino"
    assert load_link_codec("adaptive_awgn_kn1-12", "openvino").runtime == "openvino"
    plain = load_link_codec("adaptive_awgn_kn1-12", "cpu")
    assert plain.runtime == "torch" and isinstance(plain.codec.decoder_net, torch.nn.Module)
    monkeypatch.setattr(link_models, "openvino_available", lambda: False)
    assert load_link_codec("adaptive_awgn_kn1-12", "auto").runtime == "torch"
    with pytest.raises(ValueError, match="pip install openvino"):
        load_link_codec("adaptive_awgn_kn1-12", "openvino")


def test_a_shipped_model_on_openvino_keeps_its_psnr_on_the_sample(sample_root):
    sample = load_dataset("sample:cifar10:test:64", sample_root)
    psnr = {device: evaluate(load_link_codec("adaptive_awgn_kn1-6", device).codec, sample, "awgn", [5.0, 15.0],
                             seed=3)["results"] for device in ("cpu", "openvino")}
    for eager, compiled in zip(psnr["cpu"], psnr["openvino"]):
        assert compiled["psnr"] == pytest.approx(eager["psnr"], abs=0.01)


def test_throughput_bench_times_both_runtimes_in_turn(tmp_path):
    from semjscc.bench.codec import bench_throughput

    rows = bench_throughput(tmp_path, batch_sizes=(2,), repeats=1, filter_text="adaptive_awgn_kn1-12")
    assert [(row["model"], row["runtime"]) for row in rows] == [("adaptive_awgn_kn1-12", "torch"),
                                                                 ("adaptive_awgn_kn1-12", "openvino")]
    assert all(row["decode_images_per_s"] > 0 for row in rows)
    assert (tmp_path / "throughput.json").is_file()


def test_the_loopback_flowgraph_runs_its_codecs_on_openvino(tmp_path, sample_root, monkeypatch):
    pytest.importorskip("gnuradio.gr")
    from semjscc.run.loopback import run_loopback

    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    report = run_loopback("adaptive_awgn_kn1-12", "sample:cifar10:test:8", 20.0, cfo=0.001, out=str(tmp_path),
                          device="openvino", timeout_s=120, save_images=False)
    assert report["device"] == "cpu (openvino)"
    assert report["images_decoded"] == report["images_sent"] == 8
    assert abs(report["impl_loss_db"]) < 0.5
