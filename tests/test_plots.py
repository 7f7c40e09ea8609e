"""The shared figure helper: a PNG on success, nothing (and no open figure) when plotting fails."""

import matplotlib.pyplot as plt
import pytest

from semjscc.evaluate.plots import figure, label_axes


def test_figure_writes_a_png_into_a_new_folder(tmp_path):
    path = tmp_path / "deeper" / "curve.png"
    with figure(path, 1, 2, figsize=(4, 2)) as (_, (left, right)):
        for ax in (left, right):
            ax.plot([0, 10, 20], [20, 25, 28], label="model")
            label_axes(ax, "SNR (dB)", "PSNR (dB)")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert plt.get_fignums() == []


def test_a_failing_plot_leaves_no_file_and_no_open_figure(tmp_path):
    path = tmp_path / "broken.png"
    with pytest.raises(KeyError):
        with figure(path) as (_, ax):
            ax.plot([0, 1], [0, 1])
            raise KeyError("psnr")
    assert not path.exists()
    assert plt.get_fignums() == []
