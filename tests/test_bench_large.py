"""A photograph through the whole loopback in bounded memory (``semjscc bench large``)."""

import os

import pytest

pytest.importorskip("gnuradio.gr")


@pytest.mark.slow
def test_a_1080p_photograph_crosses_the_loopback_in_bounded_memory(tmp_path):
    from semjscc.bench.large import run_large_bench

    (row,) = run_large_bench(str(tmp_path), sizes=((1920, 1080),))
    assert row["images_decoded"] == 1 and abs(row["psnr"] - row["sim_psnr"]) < 0.5
    assert row["early_tile_rows"] == 1  # of 3: the top decoded while the rest of the image was on the air
    # 1,038 MB measured; 1,850 MB before SSIM went in strips and the malloc arenas were bounded
    assert row["peak_rss_mb"] < 1300
    assert (tmp_path / "large.json").is_file() and (tmp_path / "large.png").is_file()


def test_malloc_arenas_are_bounded_unless_the_environment_says_otherwise(monkeypatch):
    from semjscc.gr.memory import limit_malloc_arenas

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert not limit_malloc_arenas()
    monkeypatch.delenv("MALLOC_ARENA_MAX")
    assert limit_malloc_arenas() == (os.uname().sysname == "Linux")
