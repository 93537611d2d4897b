"""Exercises that check themselves (`check()`, `hint()`, `solution()`), and your progress."""

from ._exercise import Exercise, Mistake, Outcome, ____
from ._files import handler_file, handlers_folder
from ._progress import load as load_progress
from ._progress import progress_file
from ._registry import all_exercises, catalog

__all__ = [
    "Exercise",
    "Mistake",
    "Outcome",
    "____",
    "all_exercises",
    "catalog",
    "handler_file",
    "handlers_folder",
    "load_progress",
    "progress_file",
]
