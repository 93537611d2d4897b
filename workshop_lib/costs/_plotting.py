"""matplotlib figures that display once in a notebook and never open a window elsewhere."""

from __future__ import annotations

from typing import Any


def new_figure(rows: int = 1, *, height: float = 3.6, sharex: bool = False) -> tuple[Any, Any]:
    """A figure and its axes. The figure is closed in pyplot so Jupyter shows only the return."""
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(rows, 1, figsize=(8, height * rows), sharex=sharex, squeeze=False)
    plt.close(figure)
    return figure, [row[0] for row in axes]
