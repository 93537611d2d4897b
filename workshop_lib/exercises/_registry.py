"""Every exercise of the workbook, by notebook, for progress reports and checker proofs."""

from __future__ import annotations

import importlib
import pkgutil

from ._exercise import Exercise


def all_exercises() -> dict[str, list[Exercise]]:
    """notebook name -> its exercises, in order (from the modules `exercises.nbNN`)."""
    from .. import exercises

    found: dict[str, list[Exercise]] = {}
    for module_info in sorted(pkgutil.iter_modules(exercises.__path__), key=lambda m: m.name):
        if not module_info.name.startswith("nb"):
            continue
        module = importlib.import_module(f"{exercises.__name__}.{module_info.name}")
        items = [value for value in vars(module).values() if isinstance(value, Exercise)]
        if items:
            found[items[0].notebook] = items
    return found


def catalog() -> dict[str, dict[str, str]]:
    """notebook -> exercise key -> title: what the instructor's room shows (the room sits below
    the exercises, so it is handed this rather than importing them)."""
    return {nb: {e.key: e.title for e in items} for nb, items in all_exercises().items()}
