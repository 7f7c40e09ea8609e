"""The radio benchmark's pieces, on a few images (the benchmark itself runs them at full size)."""

from pathlib import Path

import pytest

pytest.importorskip("gnuradio.gr")

from semjscc.bench import radio  # noqa: E402

SHIPPED_BASELINE = Path(__file__).resolve().parents[1] / "models" / "baseline_awgn_kn1-6_snr10.pt"


def test_noise_alone_makes_no_frame():
    result = radio.false_alarms(300_000)
    assert result["samples"] == 300_000 and result["frames_detected"] == 0


@pytest.mark.slow
def test_impairment_and_snr_rows_feed_the_plot(tmp_path, sample_root, monkeypatch):
    monkeypatch.setenv("SEMJSCC_DATA", str(sample_root))
    rows = radio.impairment_table(str(SHIPPED_BASELINE), "sample:cifar10:test:8", [15], tmp_path)
    (row,) = rows
    assert row["images_decoded"] == 8 and abs(row["impl_loss_db"]) < 1.0
    estimates = radio.snr_estimates(str(SHIPPED_BASELINE), "sample:cifar10:test:8", [10], tmp_path)
    assert abs(estimates[0]["error_db"]) < 1.0
    radio.plot_radio({"implementation_loss": rows, "snr_estimate": estimates}, tmp_path)
    assert (tmp_path / "radio.png").stat().st_size > 10_000


def test_rtf_bench_times_each_codec_device_on_the_same_images(tmp_path):
    rows = radio.run_rtf_bench(str(tmp_path), ["adaptive_awgn_kn1-12"], data=("sample:cifar10:test:4",), repeats=1,
                               devices=("cpu", "openvino"))
    assert [row["device"] for row in rows] == ["cpu", "openvino"]
    assert all(row["images"] == 4 and row["rtf"] > 0 and row["samples"] > 0 for row in rows)
    assert (tmp_path / "rtf.json").is_file()


@pytest.mark.slow
def test_the_receiver_alone_is_timed_on_a_recording_until_its_last_image(tmp_path):
    (row,) = radio.run_rtf_bench(str(tmp_path), ["adaptive_awgn_kn1-12"], data=("sample:cifar10:test:16",),
                                 repeats=1, devices=("cpu",), receive_only=True)
    assert row["stage"] == "receive" and row["images"] == 16 and row["rtf"] > 0
    assert row["samples"] > 16 * 256 * 4  # the symbols of 16 images at 4 samples each, and more (preambles)
    assert (tmp_path / "rtf_receive.json").is_file() and not list(tmp_path.glob("*.cfile"))
