"""Figures: invalidity per epoch (paper Fig. 2), written as PNG atomically."""

from __future__ import annotations

import contextlib
import pathlib

from keras_redact import io


@contextlib.contextmanager
def figure(path, figsize=(5, 3.5)):
    """Yields `(fig, ax)` of a headless matplotlib figure; saves it to `path` as PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=figsize, dpi=100)
    try:
        yield fig, ax
        fig.tight_layout()
        with io.atomic_path(pathlib.Path(path), suffix=".png") as tmp:
            fig.savefig(tmp, format="png")
    finally:
        plt.close(fig)


def plot_invalidity(curves: dict, path, title="Invalidity per epoch") -> pathlib.Path:
    """Writes invalidity-per-epoch curves of one or several runs (`{name: values}`), log y."""
    with figure(path) as (_, ax):
        for name, values in curves.items():
            ax.plot(range(len(values)), [max(v, 1e-5) for v in values], marker="o", label=name)
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.set_ylabel("invalidity (floored at 1e-5)")
        ax.set_title(title)
        ax.legend()
    return pathlib.Path(path)
