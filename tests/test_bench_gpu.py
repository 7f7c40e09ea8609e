"""`semjscc bench gpu` on whatever device there is: the CPU here, CUDA where a GPU is lent."""

import json

import pytest
import torch

import semjscc.bench.gpu as gpu_bench
from semjscc.bench.gpu import codec_speed, run_gpu_bench


def test_codec_speed_rows_cover_every_batch_on_the_cpu():
    rows = codec_speed("baseline_awgn_kn1-6_snr10", torch.device("cpu"), batches=(1, 4), repeats=1)
    assert [row["batch"] for row in rows] == [1, 4]
    assert all(row["encode_msym_per_s"] > 0 and row["decode_msym_per_s"] > 0 for row in rows)


@pytest.mark.slow
@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device here"))])
def test_gpu_bench_writes_codec_and_link_speed(tmp_path, device):
    results = run_gpu_bench(str(tmp_path), ["baseline_awgn_kn1-6_snr10"], device, "sample:cifar10:test:8",
                            batches=(1, 16))
    assert results["device"].startswith(device)
    (link,) = results["link"]
    assert link["images_decoded"] == 8 and list(link["rtf"]) == ["1 Msps", "10 Msps", "50 Msps"]
    assert link["rtf"]["1 Msps"] == pytest.approx(10 * link["rtf"]["10 Msps"], rel=0.02)
    assert json.loads((tmp_path / "gpu.json").read_text())["codec"][0]["batch"] == 1
    assert (tmp_path / "gpu.png").stat().st_size > 0


@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not torch.cuda.is_available(), reason="no CUDA device here"))])
def test_without_gnu_radio_the_link_speed_comes_from_the_offline_twin(tmp_path, monkeypatch, device):
    monkeypatch.setattr(gpu_bench, "flowgraph_available", lambda: False)
    results = run_gpu_bench(str(tmp_path), ["baseline_awgn_kn1-6_snr10"], device, "sample:cifar10:test:8",
                            batches=(1,))
    (link,) = results["link"]
    assert link["link_runner"] == "offline twin" and link["images_decoded"] == 8 and link["psnr"] > 20
    assert link["rtf"]["1 Msps"] == pytest.approx(50 * link["rtf"]["50 Msps"], rel=0.02)
