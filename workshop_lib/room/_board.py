"""The room's picture of the class: one row per learner, one column per exercise.

Built only from the events learners send (see `_events`); kept in memory, guarded by a lock,
because the server answers several learners at once.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from .. import constants as C
from ._events import MalformedEvent, parse_time, validate

Clock = Callable[[], datetime]
MAX_LEARNERS = 500
"""A room this full is refusing a flood of made-up learners, not a class."""


class RoomFull(Exception):
    """A new learner when the room already has `MAX_LEARNERS`."""


@dataclass
class Cell:
    """One learner's history with one exercise."""

    status: str | None = None  # the best so far: a pass is kept
    attempts: int = 0
    last: str | None = None  # the latest verdict
    first_failed: datetime | None = None  # start of the current run of failures
    last_time: datetime | None = None
    mistakes: Counter[str] = field(default_factory=Counter)


@dataclass
class Learner:
    key: str
    name: str
    joined: datetime
    last_seen: datetime
    left: bool = False
    notebook: str | None = None
    catch_ups: list[int] = field(default_factory=list)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    seen_ids: set[str] = field(default_factory=set)
    last_check: tuple[str, str] | None = None


@dataclass(frozen=True)
class Stuck:
    learner: str
    notebook: str
    exercise: str
    reason: str


@dataclass(frozen=True)
class Summary:
    notebook: str
    exercise: str
    title: str
    passed: int
    tried: int
    common_mistake: str | None
    common_count: int


class Board:
    """The class's progress, fed by `accept`; read by the dashboard, the CSV and the JSON view."""

    def __init__(
        self,
        exercises: Mapping[str, Mapping[str, str]],
        *,
        clock: Clock | None = None,
        stuck_minutes: float = C.ROOM_STUCK_MINUTES,
        stuck_repeats: int = C.ROOM_STUCK_REPEATS,
    ) -> None:
        self.exercises = {nb: dict(items) for nb, items in exercises.items()}
        self._clock = clock or (lambda: datetime.now(UTC))
        self.stuck_minutes = stuck_minutes
        self.stuck_repeats = stuck_repeats
        self._learners: dict[str, Learner] = {}
        self._lock = threading.Lock()
        self.rejected: Counter[str] = Counter()
        """Why requests or events were refused: "malformed event", "wrong token", ..."""

    # -- writing ---------------------------------------------------------------------------

    def count_rejected(self, reason: str) -> None:
        with self._lock:
            self.rejected[reason] += 1

    def hello(self, key: str, name: str) -> None:
        with self._lock:
            learner = self._learner(key, name)
            learner.left = False

    def leave(self, key: str) -> bool:
        with self._lock:
            learner = self._learners.get(key)
            if learner is None:
                return False
            learner.left = True
            learner.last_seen = self._clock()
            return True

    def accept(self, key: str, name: str, events: list[Any]) -> dict[str, Any]:
        """Record a batch; malformed events are refused one by one and counted, the rest kept.
        An event seen before (a resend) is ignored, so resending is always safe."""
        accepted = duplicates = 0
        errors: list[str] = []
        with self._lock:
            learner = self._learner(key, name)
            learner.left = False
            for index, raw in enumerate(events):
                try:
                    event = validate(raw, self.exercises)
                except MalformedEvent as error:
                    self.rejected["malformed event"] += 1
                    errors.append(f"event {index}: {error}")
                    continue
                if event["id"] in learner.seen_ids:
                    duplicates += 1
                    continue
                learner.seen_ids.add(event["id"])
                self._apply(learner, event)
                accepted += 1
        return {
            "accepted": accepted,
            "duplicates": duplicates,
            "rejected": len(errors),
            "errors": errors[:20],
        }

    def _learner(self, key: str, name: str) -> Learner:
        now = self._clock()
        learner = self._learners.get(key)
        if learner is None and len(self._learners) >= MAX_LEARNERS:
            self.rejected["room full"] += 1
            raise RoomFull(f"the room already has {MAX_LEARNERS} learners")
        if learner is None:
            learner = self._learners[key] = Learner(key, name, joined=now, last_seen=now)
        learner.name = name
        learner.last_seen = now
        return learner

    def _apply(self, learner: Learner, event: dict[str, Any]) -> None:
        # A learner's clock may run ahead; an event is never later than its arrival.
        when = min(parse_time(event["time"]), self._clock())
        if event["kind"] == "catch-up":
            learner.catch_ups.append(event["notebook"])
            return
        place = (event["notebook"], event["exercise"])
        cell = learner.cells.setdefault(place, Cell())
        status = event["status"]
        if cell.last_time is not None and when < cell.last_time:
            # Delivered late (the learner was offline): it counts, but does not replace a
            # newer verdict.
            cell.attempts += status != "not attempted"
            if status == "correct":
                cell.status = "correct"
            if status == "incorrect":
                cell.mistakes[event["mistake"]] += 1
            return
        cell.attempts += status != "not attempted"
        cell.last = status
        cell.last_time = when
        if status == "correct":
            cell.status = "correct"
            cell.first_failed = None
        elif cell.status != "correct":
            cell.status = status
        if status == "incorrect":
            cell.mistakes[event["mistake"]] += 1
            if cell.first_failed is None:
                cell.first_failed = when
        if learner.last_check is None or when >= self._latest_check_time(learner):
            learner.last_check = place
            learner.notebook = event["notebook"]

    @staticmethod
    def _latest_check_time(learner: Learner) -> datetime:
        if learner.last_check is None:
            return datetime.min.replace(tzinfo=UTC)
        cell = learner.cells[learner.last_check]
        return cell.last_time or datetime.min.replace(tzinfo=UTC)

    # -- reading ---------------------------------------------------------------------------

    def columns(self) -> list[tuple[str, str, str]]:
        """(notebook, exercise key, title) in course order."""
        return [
            (nb, key, title) for nb, items in self.exercises.items() for key, title in items.items()
        ]

    def snapshot(self) -> dict[str, Any]:
        """Everything the dashboard shows, as plain data (also the JSON view)."""
        with self._lock:
            now = self._clock()
            learners = sorted(self._learners.values(), key=lambda item: item.name.lower())
            rows = [self._row(learner, now) for learner in learners]
            stuck = [s for learner in learners for s in self._stuck(learner, now)]
            summaries = [self._summary(nb, key, t, learners) for nb, key, t in self.columns()]
            rejected = dict(self.rejected)
        return {
            "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "columns": [
                {"notebook": nb, "exercise": key, "title": t} for nb, key, t in self.columns()
            ],
            "learners": rows,
            "stuck": [s.__dict__ for s in stuck],
            "summary": [s.__dict__ for s in summaries],
            "rejected": rejected,
            "stuck_rule": {"minutes": self.stuck_minutes, "repeats": self.stuck_repeats},
        }

    def _row(self, learner: Learner, now: datetime) -> dict[str, Any]:
        stuck_on = {(s.notebook, s.exercise): s.reason for s in self._stuck(learner, now)}
        cells = {}
        for nb, key, _ in self.columns():
            cell = learner.cells.get((nb, key))
            if cell is None:
                continue
            common = cell.mistakes.most_common(1)
            cells[f"{nb}/{key}"] = {
                "status": cell.status,
                "attempts": cell.attempts,
                "mistake": common[0][0] if common and cell.status != "correct" else None,
                "stuck": stuck_on.get((nb, key)),
            }
        return {
            "name": learner.name,
            "notebook": learner.notebook,
            "last_seen": learner.last_seen.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "minutes_since_seen": round((now - learner.last_seen).total_seconds() / 60, 1),
            "left": learner.left,
            "passed": sum(c.status == "correct" for c in learner.cells.values()),
            "catch_ups": list(learner.catch_ups),
            "cells": cells,
        }

    def _stuck(self, learner: Learner, now: datetime) -> list[Stuck]:
        """Stuck on an exercise not passed yet, still the one they are on: failing for more than
        `stuck_minutes`, or the same mistake `stuck_repeats` times or more."""
        if learner.left or learner.last_check is None:
            return []
        nb, key = learner.last_check
        cell = learner.cells[learner.last_check]
        if cell.status == "correct" or cell.first_failed is None:
            return []
        reasons = []
        failing = now - cell.first_failed
        if failing > timedelta(minutes=self.stuck_minutes):
            reasons.append(f"failing for {int(failing.total_seconds() // 60)} min")
        mistake, count = cell.mistakes.most_common(1)[0]
        if count >= self.stuck_repeats:
            reasons.append(f"{count}× {mistake}")
        return [Stuck(learner.name, nb, key, "; ".join(reasons))] if reasons else []

    def _summary(self, nb: str, key: str, title: str, learners: list[Learner]) -> Summary:
        cells = [learner.cells[(nb, key)] for learner in learners if (nb, key) in learner.cells]
        mistakes: Counter[str] = Counter()
        for cell in cells:
            mistakes.update(cell.mistakes)
        common = mistakes.most_common(1)
        return Summary(
            nb,
            key,
            title,
            passed=sum(cell.status == "correct" for cell in cells),
            tried=sum(cell.attempts > 0 for cell in cells),
            common_mistake=common[0][0] if common else None,
            common_count=common[0][1] if common else 0,
        )

    def csv(self) -> str:
        """One row per learner: name, where they are, passes, then each exercise's status."""
        data = self.snapshot()
        out = io.StringIO()
        writer = csv.writer(out)
        columns = [f"{c['notebook']}/{c['exercise']}" for c in data["columns"]]
        writer.writerow(
            ["learner", "notebook", "last_seen", "passed", "stuck_on", "catch_ups", *columns]
        )
        stuck = {(s["learner"], f"{s['notebook']}/{s['exercise']}") for s in data["stuck"]}
        for row in data["learners"]:
            on = [col for col in columns if (row["name"], col) in stuck]
            statuses = []
            for col in columns:
                cell = row["cells"].get(col)
                if cell is None:
                    statuses.append("")
                elif cell["status"] == "incorrect":
                    statuses.append(f"incorrect: {cell['mistake']}")
                else:
                    statuses.append(cell["status"])
            writer.writerow(
                [
                    _safe_cell(row["name"]),
                    row["notebook"] or "",
                    row["last_seen"],
                    row["passed"],
                    " ".join(on),
                    " ".join(str(n) for n in row["catch_ups"]),
                    *(_safe_cell(s) for s in statuses),
                ]
            )
        return out.getvalue()


def _safe_cell(text: str) -> str:
    """A learner-chosen name cannot become a spreadsheet formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
