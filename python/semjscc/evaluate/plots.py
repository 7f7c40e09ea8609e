"""Figure set-up shared by the benchmarks, the evaluation and the demo: headless, 120 dpi PNGs."""

from contextlib import contextmanager
from pathlib import Path


@contextmanager
def figure(path, rows: int = 1, columns: int = 1, figsize=(6, 4), squeeze: bool = True):
    """Yields (fig, axes) as ``plt.subplots`` makes them (squeeze=False: a 2-D array); saves the PNG on exit.

    The Agg backend is chosen here so that a benchmark never needs a display.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(rows, columns, figsize=figsize, squeeze=squeeze)
    try:
        yield fig, axes
        fig.tight_layout()
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120, bbox_inches="tight")  # legends placed outside the axes stay in the picture
    finally:
        plt.close(fig)


def label_axes(ax, xlabel: str, ylabel: str, legend_size: int = 7, outside: bool = False, **legend) -> None:
    """Axis labels, a light grid and the legend, the same on every plot; ``outside`` puts the legend right of
    the axes, where it cannot hide a curve (plots with many curves)."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, alpha=0.3)
    if outside:
        legend = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0, **legend}
    ax.legend(fontsize=legend_size, **legend)
