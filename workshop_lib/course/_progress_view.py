"""Your progress through the workbook, from the local progress file."""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..display import Displayable
from ..exercises import all_exercises, load_progress, progress_file

_MARKS = {"correct": "✔", "incorrect": "✘", "not attempted": "…", None: "·"}


@dataclass(frozen=True)
class Progress(Displayable):
    rows: list[tuple[str, str, str | None]]  # notebook, exercise title, status

    def passed(self) -> int:
        return sum(status == "correct" for _, _, status in self.rows)

    def __str__(self) -> str:
        lines = [
            f"Progress ({self.passed()} of {len(self.rows)} exercises pass), "
            f"kept in {progress_file()}"
        ]
        current = None
        for notebook, title, status in self.rows:
            if notebook != current:
                lines.append(notebook)
                current = notebook
            lines.append(f"  {_MARKS[status]} {title}" + (f" ({status})" if status else ""))
        return "\n".join(lines)

    def _html(self) -> str:
        body = "".join(
            f"<tr><td>{html.escape(n)}</td><td>{html.escape(t)}</td>"
            f"<td>{_MARKS[s]} {html.escape(s or 'not tried')}</td></tr>"
            for n, t, s in self.rows
        )
        return (
            f"<div><b>{self.passed()} of {len(self.rows)} exercises pass</b><table>"
            f"<tr><th>Notebook</th><th>Exercise</th><th>Status</th></tr>{body}</table></div>"
        )


def progress() -> Progress:
    recorded = load_progress()
    rows = []
    for notebook, exercises in all_exercises().items():
        for exercise in exercises:
            status = recorded.get(notebook, {}).get(exercise.key, {}).get("status")
            rows.append((notebook, exercise.title, status))
    return Progress(rows)
