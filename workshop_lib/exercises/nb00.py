"""Exercises of notebook 00 (setup and modes)."""

from __future__ import annotations

from typing import Any

from ._context import call, load_handler
from ._exercise import Exercise, Mistake

NOTEBOOK = "00_setup_and_modes"

_GREETER = """def lambda_handler(event, context):
    name = event.get("name", "world")
    return {"message": f"Hello, {name}!"}
"""


def _check_greeter(source: Any) -> str:
    handler = load_handler(source)
    result = call(handler, {"name": "Dasher"})
    if not isinstance(result, dict):
        raise Mistake(
            f"it returned {result!r}; return a dictionary such as "
            '{"message": "Hello, Dasher!"} so callers get JSON they can read.'
        )
    if result.get("message") != "Hello, Dasher!":
        raise Mistake(
            f'for {{"name": "Dasher"}} the message was {result.get("message")!r}, '
            'not "Hello, Dasher!".'
        )
    advice = (
        'with an empty event it should say "Hello, world!": use '
        'event.get("name", "world") instead of event["name"].'
    )
    try:
        fallback = call(handler, {})
    except Mistake as mistake:
        raise Mistake(f"{advice} ({mistake})") from None
    if not isinstance(fallback, dict) or fallback.get("message") != "Hello, world!":
        raise Mistake(advice)
    return "your handler greets by name and falls back to the world."


greeter = Exercise(
    key="greeter",
    notebook=NOTEBOOK,
    title="A handler that greets",
    checker=_check_greeter,
    hints=[
        "A handler is `def lambda_handler(event, context):` and returns a dictionary.",
        'The name is in the event: `event.get("name", "world")` also works when it is missing.',
        'Return `{"message": f"Hello, {name}!"}`.',
    ],
    solution_code=_GREETER,
    solution_value=lambda: _GREETER,
    known_wrong=[
        ("def handler(event, context):\n    return {}\n", "no function called lambda_handler"),
        (
            "def lambda_handler(event, context):\n    return 'Hello, ' + event['name'] + '!'\n",
            "return a dictionary",
        ),
        (
            "def lambda_handler(event, context):\n    return {'message': 'Hello, ' + "
            "event['name'] + '!'}\n",
            "empty event",
        ),
        ("def lambda_handler(event, context)\n    return {}\n", "cannot read line 1"),
    ],
)
