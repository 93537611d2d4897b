"""Running a learner's handler source in-process, the way Lambda would call it."""

from __future__ import annotations

import types
import uuid
from typing import Any

from ._exercise import Mistake


class FakeContext:
    function_name = "exercise"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:exercise"
    memory_limit_in_mb = "128"
    log_group_name = "/aws/lambda/exercise"
    log_stream_name = "exercise"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 3000


def load_handler(source: Any, name: str = "lambda_handler") -> Any:
    """Compile handler source code and return its handler function, or say what is wrong."""
    if not isinstance(source, str):
        raise Mistake(
            "the answer should be your handler's source code, as a string "
            "(a triple-quoted block of Python)."
        )
    try:
        code = compile(source, "<your handler>", "exec")
    except SyntaxError as error:
        raise Mistake(f"Python cannot read line {error.lineno}: {error.msg}.") from None
    module = types.ModuleType("exercise_handler")
    try:
        exec(code, module.__dict__)  # the learner's own code, run like Lambda imports it
    except Exception as error:
        raise Mistake(f"importing your code failed: {type(error).__name__}: {error}") from None
    handler = getattr(module, name, None)
    if handler is None:
        functions = [k for k, v in vars(module).items() if callable(v) and not k.startswith("_")]
        named = f" (it defines {', '.join(functions)})" if functions else ""
        raise Mistake(
            f"there is no function called {name}{named}. Lambda calls the handler "
            f"named in the settings, here {name}(event, context)."
        )
    return handler


def call(handler: Any, event: dict[str, Any]) -> Any:
    try:
        return handler(event, FakeContext())
    except Exception as error:
        raise Mistake(
            f"with the event {event} your handler raised {type(error).__name__}: {error}"
        ) from None
