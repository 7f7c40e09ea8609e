import subprocess
import sys

from semjscc.cli import main, parse_snr_list
from semjscc.phy.taps import parse_taps


def test_snr_lists():
    assert parse_snr_list("0,5,10") == [0.0, 5.0, 10.0]
    assert parse_snr_list("-5:20:5") == [-5.0, 0.0, 5.0, 10.0, 15.0, 20.0]


def test_taps_accept_complex_literals_and_name_bad_input():
    assert parse_taps("1, 0.3j, 0.1+0.05j") == [1 + 0j, 0.3j, 0.1 + 0.05j]
    try:
        parse_taps("1, x")
    except ValueError as err:
        assert "complex literals" in str(err)
    else:
        raise AssertionError("bad taps were accepted")


def test_loopback_rejects_bad_taps_before_starting(capsys):
    assert main(["loopback", "--taps", "1,oops"]) == 2
    assert "channel taps" in capsys.readouterr().err


def test_info_reports_versions_and_models(python_env):
    out = subprocess.run([sys.executable, "-m", "semjscc", "info", "--no-devices"], env=python_env,
                         capture_output=True, text=True, check=True).stdout
    assert "GNU Radio" in out and "torch" in out and "numpy" in out
    assert "adaptive_awgn_kn1-6" in out


def test_bench_report_writes_the_summary_tables(tmp_path):
    import shutil
    from pathlib import Path

    from semjscc.bench.report import write_report

    results = Path(__file__).resolve().parents[1] / "bench" / "results"
    shutil.copy(results / "quality_cifar10_test.json", tmp_path)
    (tmp_path / "radio").mkdir()
    shutil.copy(results / "radio" / "radio.json", tmp_path / "radio")
    text = write_report(tmp_path)
    assert (tmp_path / "summary.md").read_text() == text
    assert "| adaptive_awgn_kn1-6 | awgn |" in text and "implementation loss" in text
