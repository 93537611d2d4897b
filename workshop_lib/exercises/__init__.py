"""Exercises that check themselves (`check()`, `hint()`, `solution()`), and your progress."""

from ._exercise import Exercise, Mistake, Outcome, ____
from ._files import handler_file, handlers_folder
from ._registry import all_exercises

__all__ = [
    "Exercise",
    "Mistake",
    "Outcome",
    "____",
    "all_exercises",
    "handler_file",
    "handlers_folder",
]
