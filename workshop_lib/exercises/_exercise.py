"""Exercises that check themselves, with progressive hints and a solution (learntools-style).

In a notebook::

    from workshop_lib.exercises import ____, nb03
    retry_policy = ____          # your code here
    nb03.retry_policy.check(retry_policy)
    nb03.retry_policy.hint()     # hint(2) for the next one
    nb03.retry_policy.solution()
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from IPython.display import HTML, display

from ..display import Displayable, current_cell, protect, theme
from . import _progress


class _Blank:
    """The `____` learners replace with their answer."""

    _instance: _Blank | None = None

    def __new__(cls) -> _Blank:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"


____ = _Blank()


class Mistake(Exception):
    """A checker found a specific, common mistake; the message says how to fix it."""


@dataclass(frozen=True)
class Outcome(Displayable):
    exercise: str
    status: str  # "correct", "incorrect", "not attempted"
    message: str
    shown_in_cell: int | None = field(default=None, compare=False, repr=False)
    """The notebook cell where `check()` showed it; set so a cell ending in `check()`
    does not show the verdict a second time."""

    @property
    def correct(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        mark = {"correct": "✔", "incorrect": "✘", "not attempted": "…"}[self.status]
        return f"{mark} {self.exercise}: {self.message}"

    def _html(self) -> str:
        colour = {
            "correct": theme.SUCCESS,
            "incorrect": theme.FAILURE,
            "not attempted": theme.NEUTRAL,
        }[self.status]
        mark = {
            "correct": "✔ Correct",
            "incorrect": "✘ Not yet",
            "not attempted": "… Not attempted yet",
        }[self.status]
        return (
            f"<div style='border-left:4px solid {colour};padding:2px 10px'>"
            f"<b style='color:{colour}'>{mark}</b> — {html.escape(self.message)}</div>"
        )

    def _ipython_display_(self) -> None:
        if self.shown_in_cell is not None and self.shown_in_cell == current_cell():
            return  # check() showed it already, in this very cell
        display({"text/plain": str(self), "text/html": self._repr_html_()}, raw=True)


@dataclass
class Exercise:
    """One exercise: a checker, hints from gentle to explicit, and a reference solution."""

    key: str
    notebook: str
    title: str
    checker: Callable[[Any], str | None]
    hints: Sequence[str]
    solution_code: str
    solution_value: Callable[[], Any]
    known_wrong: Sequence[tuple[Any, str]] = field(default_factory=tuple)
    """(a wrong answer, a phrase its feedback must contain): proves the checker in CI."""

    def evaluate(self, answer: Any) -> Outcome:
        if answer is ____ or answer is None or answer is Ellipsis:
            return Outcome(
                self.title,
                "not attempted",
                "replace ____ with your answer, then run the cell again. Stuck? hint() helps.",
            )
        try:
            praise = self.checker(answer)
        except Mistake as mistake:
            return Outcome(self.title, "incorrect", str(mistake))
        return Outcome(self.title, "correct", praise or "well done.")

    def check(self, answer: Any = ____) -> Outcome:
        """Check an answer, show the verdict, and remember it in your progress file."""
        outcome = self.evaluate(answer)
        _progress.record(self.notebook, self.key, outcome.status)
        from ..room import report_check  # queued for the room only if the learner joined one

        report_check(self, outcome)
        display(outcome)
        return replace(outcome, shown_in_cell=current_cell())

    def hint(self, number: int = 1) -> None:
        number = max(1, min(number, len(self.hints)))
        more = f" (hint({number + 1}) for another)" if number < len(self.hints) else ""
        display(
            HTML(
                protect(
                    f"<div style='border-left:4px solid {theme.WARNING};padding:2px 10px'>"
                    f"<b>Hint {number} of {len(self.hints)}</b>{more}: "
                    f"{html.escape(self.hints[number - 1])}</div>"
                )
            )
        )

    def solution(self) -> None:
        display(
            HTML(
                protect(
                    f"<div style='border-left:4px solid {theme.INFO};padding:2px 10px'>"
                    f"<b>A solution</b><pre>{html.escape(self.solution_code)}</pre></div>"
                )
            )
        )

    def answer_or_solution(self, answer: Any) -> Any:
        """Your answer if it is correct, else the reference one, so the notebook can go on."""
        if self.evaluate(answer).correct:
            return answer
        display(
            HTML(
                protect(
                    f"<div style='color:{theme.NEUTRAL}'>Using the reference solution for "
                    f"{html.escape(self.title)} so the rest of the notebook can run.</div>"
                )
            )
        )
        return self.solution_value()


def as_json(value: Any) -> Any:
    """Accept a dict or a JSON string for ASL answers; a clear mistake otherwise."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise Mistake(f"that is not valid JSON: {error}") from None
    return value
