import subprocess
import sys

import pytest

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


@pytest.mark.slow
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
    (tmp_path / "cliff").mkdir()
    shutil.copy(results / "cliff" / "cliff.json", tmp_path / "cliff")
    shutil.copytree(results / "profile", tmp_path / "profile")
    shutil.copytree(results / "photo", tmp_path / "photo")
    shutil.copytree(results / "rate", tmp_path / "rate")
    text = write_report(tmp_path)
    assert (tmp_path / "summary.md").read_text() == text
    assert "| adaptive_awgn_kn1-6 | awgn |" in text and "implementation loss" in text
    assert "k/n = 1/6, AWGN" in text and "| digital envelope, headers known |" in text
    assert "| neural decoder (+ task network) |" in text and "| single-carrier |" in text and "| burst_stream |" in text
    assert "| adaptive_hr_awgn_kn1-12 | wikiphotos:train |" in text and "WITT 35.0" in text
    assert "| 5 dB | per-image policy |" in text and "| 5 dB | 90% of clean |" in text


def test_bench_photo_takes_a_cards_table_only_when_it_covers_the_snrs(tmp_path):
    import json

    from semjscc.bench.photo import _card_table

    table = {"data": "kodak", "channel": "awgn", "n_images": 24,
             "results": [{"snr_db": snr, "psnr": 30.0 + snr / 10, "ms_ssim": 0.9} for snr in (0.0, 10.0)]}
    (tmp_path / "m.json").write_text(json.dumps({"measured": [{**table, "data": "cifar10:test"}, table]}))
    assert _card_table(tmp_path / "m.pt", "kodak", (0.0, 10.0)) == table
    assert _card_table(tmp_path / "m.pt", "kodak", (0.0, 5.0, 10.0)) is None
    assert _card_table(tmp_path / "other.pt", "kodak", (0.0,)) is None



@pytest.mark.parametrize("argv, says", [
    (["loopback", "--snr", "nan"], "SNR"), (["loopback", "--snr", "inf"], "SNR"), (["loopback", "--snr", "-100"], "SNR"),
    (["loopback", "--cfo", "nan"], "frequency offset"), (["loopback", "--taps", "0"], "not all zero"),
    (["loopback", "--epsilon", "0"], "epsilon"), (["loopback", "--device", "foo"], "device"),
    (["loopback", "--samp-rate", "0"], "sample rate"), (["eval", "--model", "x", "--snr", "0:20:0"], "never reaches"),
    (["eval", "--model", "x", "--snr", "20:0:5"], "never reaches"),
    (["train", "--out", "x.pt", "--k-over-n", "1/0"], "k/n"),
])
def test_bad_arguments_get_a_one_line_error_before_anything_runs(argv, says, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert says in err.splitlines()[-1] and "Traceback" not in err


@pytest.mark.parametrize("argv, path", [(["--json", "/dev/null/report.json"], "/dev/null/report.json"),
                                        (["--out", "/dev/null/rx"], "/dev/null/rx/metrics.json")])
def test_an_unwritable_output_fails_before_the_run(argv, path, capsys):
    assert main(["loopback", *argv]) == 2
    assert f"cannot write {path}" in capsys.readouterr().err


def test_an_oversized_image_is_refused_by_name(tmp_path, capsys):
    from PIL import Image

    Image.new("1", (5000, 5000)).save(tmp_path / "huge.png")
    assert main(["loopback", "--data", str(tmp_path / "huge.png"), "--out", str(tmp_path / "rx")]) == 2
    assert "5000x5000" in capsys.readouterr().err


def test_json_reports_carry_null_not_nan(tmp_path):
    import json

    from semjscc.store.jsonio import write_json

    write_json(tmp_path / "r.json", {"psnr": float("nan"), "rows": [float("inf"), 1.0]})
    assert json.loads((tmp_path / "r.json").read_text()) == {"psnr": None, "rows": [None, 1.0]}
    assert "NaN" not in (tmp_path / "r.json").read_text()


def test_version_lives_in_one_place(capsys):
    from importlib.metadata import version

    import semjscc

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"semjscc {semjscc.__version__}" == f"semjscc {version('semjscc')}"


@pytest.mark.slow
def test_set_up_installs_what_gnu_radio_companion_needs():
    """`make grc` needs GTK 3's introspection data, which Debian's gnuradio package does not pull in."""
    import gi

    gi.require_version("Gtk", "3.0")


def test_every_command_line_option_says_what_it_does():
    from semjscc.cli import build_parser

    commands = next(a for a in build_parser()._actions if a.__class__.__name__ == "_SubParsersAction").choices
    silent = [f"{name} {action.option_strings or action.dest}" for name, parser in commands.items()
              for action in parser._actions if action.help is None]
    assert silent == []
