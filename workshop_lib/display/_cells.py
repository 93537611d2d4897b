"""Which notebook cell is running: so an object shown live in a cell is not shown again there."""

from __future__ import annotations

__all__ = ["current_cell"]


def current_cell() -> int | None:
    """The execution count of the notebook cell running now (None outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return getattr(shell, "execution_count", None) if shell is not None else None
