"""What a learner's workbook sends to the room, and how the room checks it.

Only these fields, nothing else (the README's "What the room sends" lists them):

    {"id": "4c1e...", "time": "2026-12-06T09:14:03Z", "kind": "check",
     "notebook": "02_santas_workflow", "exercise": "transform_state",
     "status": "incorrect", "mistake": "throws transform's answer away"}
    {"id": "9b0a...", "time": "2026-12-06T09:20:41Z", "kind": "catch-up", "notebook": 5}

A mistake is named by one of the exercise's own catalogued phrases (its `known_wrong` list),
written by the workbook's authors, never by the feedback text, which can quote the answer.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

STATUSES = ("correct", "incorrect", "not attempted")
KINDS = ("check", "catch-up")
OTHER_MISTAKE = "other mistake"

_FIELDS = {
    "check": {"id", "time", "kind", "notebook", "exercise", "status", "mistake"},
    "catch-up": {"id", "time", "kind", "notebook"},
}
_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")
_NAME = re.compile(r"[A-Za-z0-9_.-]{1,80}")
_MAX_TEXT = 120


class MalformedEvent(ValueError):
    """An event the room refuses; the message says which field is wrong."""


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def mistake_name(exercise: Any, message: str) -> str:
    """The catalogued phrase of `exercise` that its feedback `message` contains (the longest, as
    the most specific), or "other mistake"."""
    lowered = message.lower()
    phrases = [str(phrase) for _, phrase in getattr(exercise, "known_wrong", ())]
    found = [phrase for phrase in phrases if phrase and phrase.lower() in lowered]
    return max(found, key=len) if found else OTHER_MISTAKE


def check_event(exercise: Any, outcome: Any) -> dict[str, Any]:
    """The event for one `check()` result: which exercise, the verdict, the mistake's name."""
    mistake = mistake_name(exercise, outcome.message) if outcome.status == "incorrect" else None
    return {
        "id": uuid.uuid4().hex,
        "time": now_text(),
        "kind": "check",
        "notebook": exercise.notebook,
        "exercise": exercise.key,
        "status": outcome.status,
        "mistake": mistake,
    }


def catch_up_event(notebook: int) -> dict[str, Any]:
    return {"id": uuid.uuid4().hex, "time": now_text(), "kind": "catch-up", "notebook": notebook}


def validate(event: Any, exercises: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """The event if it is well formed (`exercises`: notebook -> exercise key -> title), else
    `MalformedEvent` saying what is wrong."""
    if not isinstance(event, Mapping):
        raise MalformedEvent(f"an event is a JSON object, not {type(event).__name__}")
    kind = event.get("kind")
    if kind not in KINDS:
        raise MalformedEvent(f"kind must be one of {', '.join(KINDS)}, not {kind!r:.40}")
    extra = set(event) - _FIELDS[kind]
    missing = _FIELDS[kind] - set(event)
    if extra or missing:
        raise MalformedEvent(
            f"a {kind} event has exactly the fields {', '.join(sorted(_FIELDS[kind]))}"
            + (f"; unexpected: {', '.join(sorted(map(str, extra)))[:80]}" if extra else "")
            + (f"; missing: {', '.join(sorted(missing))}" if missing else "")
        )
    if not isinstance(event["id"], str) or not _ID.fullmatch(event["id"]):
        raise MalformedEvent("id must be 8 to 64 letters, digits, - or _")
    try:
        parse_time(event["time"])
    except (TypeError, ValueError):
        raise MalformedEvent("time must read like 2026-12-06T09:14:03Z (UTC)") from None
    if kind == "catch-up":
        number = event["notebook"]
        if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number <= 99:
            raise MalformedEvent("a catch-up event's notebook is a number from 0 to 99")
        return dict(event)
    notebook, key = event["notebook"], event["exercise"]
    if not isinstance(notebook, str) or not _NAME.fullmatch(notebook):
        raise MalformedEvent("notebook must be a notebook's name, such as 02_santas_workflow")
    if notebook not in exercises:
        raise MalformedEvent(f"there is no notebook {notebook!r} with exercises")
    if not isinstance(key, str) or key not in exercises[notebook]:
        raise MalformedEvent(f"notebook {notebook} has no exercise {str(key)[:40]!r}")
    if event["status"] not in STATUSES:
        raise MalformedEvent(f"status must be one of {', '.join(STATUSES)}")
    mistake = event["mistake"]
    if event["status"] == "incorrect":
        if not isinstance(mistake, str) or not mistake.strip() or len(mistake) > _MAX_TEXT:
            raise MalformedEvent(f"an incorrect check names its mistake (1 to {_MAX_TEXT} chars)")
        if not mistake.isprintable():
            raise MalformedEvent("a mistake's name is printable text on one line")
    elif mistake is not None:
        raise MalformedEvent("only an incorrect check names a mistake (null otherwise)")
    return dict(event)
