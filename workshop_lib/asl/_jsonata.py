"""JSONata for Step Functions, evaluated in process as AWS evaluates it: the one engine the
local cloud's interpreter, the exercise checks and the conformance tests all use.

moto's interpreter (a port of LocalStack's) parses JSONata states but evaluates every
expression through a Java library that is not installed, so each one failed with
`States.Runtime` ("'NoneType' object is not callable"). Here expressions run on
`jsonata-python` (a pure-Python port of jsonata-java, kept up to date and passing the
JSONata test suite), parsed once and cached, with AWS's own bindings:

* `$states` (`input`, `context`, `result`, `errorOutput`) and the workflow variables are
  bound as values, not pasted into the expression's text;
* AWS's functions `$partition`, `$range`, `$hash`, `$random`, `$uuid` and `$parse`, with
  the argument checks AWS makes; `$eval` is disabled, as on AWS;
* a failing expression is `States.QueryEvaluationError` with AWS's words, naming the field
  it was written in (`Output/v`, `Arguments/Input/name`, `Assign/x`, ...).
"""

from __future__ import annotations

import copy
import decimal
import hashlib
import json
import math
import random
import threading
import uuid
from collections.abc import Callable
from typing import Any

from jsonata import functions, jexception, utils
from jsonata.jsonata import Jsonata


class _Undefined:
    """What an expression returns when it returns nothing (JSON has no such value)."""

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED: Any = _Undefined()

_CACHE_LIMIT = 4096
_cache: dict[str, Jsonata] = {}
_cache_lock = threading.Lock()
_evaluation_lock = threading.RLock()
_field = threading.local()


class QueryEvaluationFailed(Exception):
    """An expression failed to evaluate; `cause` is AWS's wording without the state prefix."""

    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


class _FunctionError(jexception.JException):
    """An argument check of one of AWS's functions failed."""

    def __init__(self, message: str) -> None:
        super().__init__("D3137", -1, message)  # D3137 carries a free message ({{{message}}})
        self.text = message


# -- evaluation -----------------------------------------------------------------------------


def compiled(expression: str) -> Jsonata:
    """The parsed expression (cached: a state machine evaluates the same text many times)."""
    parsed = _cache.get(expression)
    if parsed is None:
        parsed = Jsonata(expression)
        with _cache_lock:
            if len(_cache) >= _CACHE_LIMIT:
                _cache.clear()
            _cache[expression] = parsed
    return parsed


def evaluate(expression: str, bindings: dict[str, Any]) -> Any:
    """Evaluate `expression` with `bindings` (names without `$`); undefined is `UNDEFINED`.

    Raises `jexception.JException` for a parse or evaluation error.
    """
    # The library keeps per-call state on the expression object and in a thread-local
    # "current" instance ($now, $millis): each evaluation gets its own shallow copy.
    instance = copy.copy(compiled(expression))
    instance.set_output_convert_nulls(False)  # tell JSON null from undefined
    frame = dict(_AWS_FUNCTIONS)
    frame.update(bindings)
    # The library keeps evaluation state on shared objects (the thread's "current" instance,
    # the built-in functions); a Map's iterations evaluate from many threads. One evaluation at
    # a time is safe, and costs nothing: evaluation is CPU-bound under the GIL anyway.
    with _evaluation_lock:
        Jsonata.CURRENT.jsonata = instance
        return _to_json(instance.evaluate(None, frame))


def _to_json(value: Any) -> Any:
    """A plain JSON value: null as None, sequences as lists, whole numbers as ints."""
    if value is None:
        return UNDEFINED
    return _plain(value)


def _plain(value: Any) -> Any:
    if value is utils.Utils.NULL_VALUE:
        return None
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, float):
        # JSONata numbers are doubles; AWS writes a whole one without a fraction.
        if value.is_integer() and abs(value) <= 2**53:
            return int(value)
        if math.isnan(value) or math.isinf(value):
            return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, dict):
        # Inside a value, None is a JSON null from the input (JSONata drops undefined).
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    raise _Unsupported()  # a function, a regex: nothing JSON can carry


class _Unsupported(Exception):
    pass


def error_text(error: BaseException) -> str:
    """JSONata's own words for an error: `CODE: message`, as jsonata-js writes them."""
    if isinstance(error, _FunctionError):
        return error.text
    if isinstance(error, jexception.JException):
        # The Python port says "Object" wherever jsonata-js says "function".
        message = str(error).replace(" Object", " function").replace("Object ", "function ")
        return f"{error.error}: {message}"
    if isinstance(error, ZeroDivisionError | OverflowError):
        return "D1001: Number out of range"
    if isinstance(error, RecursionError):
        return "U1001: Stack overflow error: Check for non-terminating recursive function."
    return f"{type(error).__name__}: {error}"


def evaluate_field(expression: str, bindings: dict[str, Any]) -> Any:
    """Evaluate an expression written in the field being evaluated, failing as AWS fails."""
    where = f"The JSONata expression '{expression}' specified for the field '{field_path()}'"
    try:
        result = evaluate(expression, bindings)
    except _Unsupported:
        raise QueryEvaluationFailed(f"{where} returned an unsupported result type.") from None
    except RecursionError as error:
        raise QueryEvaluationFailed(
            f"{where} threw an error during evaluation. {error_text(error)}"
        ) from None
    except Exception as error:
        raise QueryEvaluationFailed(
            f"{where} threw an error during evaluation. {error_text(error)}"
        ) from None
    if result is UNDEFINED:
        raise QueryEvaluationFailed(f"{where} returned nothing (undefined).")
    return result


# -- the field being evaluated (AWS names it in every cause) ------------------------------------


def _segments() -> list[str]:
    stack = getattr(_field, "stack", None)
    if stack is None:
        stack = _field.stack = []
    return stack


def field_path() -> str:
    """`Output/v`, `Arguments/items[0]`, `Assign/x`: the field under evaluation."""
    path = ""
    for segment in _segments():
        if not path or segment.startswith(("/", "[")):
            path += segment
        else:
            path += "/" + segment
    return path


class in_field:
    """Context manager: evaluation inside `segment` of the current field."""

    __slots__ = ("segment",)

    def __init__(self, segment: str) -> None:
        self.segment = segment

    def __enter__(self) -> None:
        _segments().append(self.segment)

    def __exit__(self, *exc: object) -> None:
        _segments().pop()


def reset_field() -> None:
    _segments().clear()


# -- numbers as text, as jsonata-js writes them ---------------------------------------------------


def js_number_text(value: float | int) -> str:
    """`$string(n)` as JSONata 2 (JavaScript) writes it: 15 significant digits, and an
    exponent only from 1e21 (or below 1e-6), where the Python port switched at 1e16."""
    number = float(f"{float(value):.15g}")
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    digits_tuple = decimal.Decimal(repr(abs(number))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    k = len(digits)
    n = int(digits_tuple.exponent) + k  # value = 0.digits x 10^n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
        text = f"{mantissa}e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + text


def _js_numbers_in_string() -> None:
    original = functions.Functions.Encoder.encode

    def encode(self: Any, arg: Any) -> str:
        if not isinstance(arg, bool) and isinstance(arg, int | float) and math.isfinite(arg):
            return js_number_text(arg)
        return original(self, arg)

    functions.Functions.Encoder.encode = encode


_js_numbers_in_string()


# -- AWS's functions ------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _signature_error(index: int, name: str) -> _FunctionError:
    return _FunctionError(
        f'T0410: Argument {index} of function "{name}" does not match function signature'
    )


def _check_numbers(name: str, args: tuple[Any, ...], count: int) -> None:
    if len(args) > count:
        raise _signature_error(count + 1, name)
    for index, value in enumerate(args, start=1):
        if value is not None and not _is_number(value):
            raise _signature_error(index, name)


def _partition(*args: Any) -> Any:
    if len(args) > 2:
        raise _signature_error(3, "partition")
    array = args[0] if args else None
    size = args[1] if len(args) > 1 else None
    if array is not None and not isinstance(array, list):
        raise _signature_error(1, "partition")
    if size is not None and not _is_number(size):
        raise _signature_error(2, "partition")
    if not array or size is None:
        return None  # undefined, as on AWS (the field then fails)
    chunk = int(size)  # AWS rounds a non-integer size towards zero
    if chunk <= 0:
        return None
    return [list(array[i : i + chunk]) for i in range(0, len(array), chunk)]


def _range(*args: Any) -> Any:
    _check_numbers("range", args, 3)
    if len(args) < 3 or any(value is None for value in args):
        return None
    start, end, step = (int(value) for value in args)  # towards zero, as on AWS
    if step == 0 or (step > 0 and start > end) or (step < 0 and start < end):
        return None
    values = list(range(start, end + (1 if step > 0 else -1), step))
    return values[0] if len(values) == 1 else values


_HASHES: dict[str, Callable[[bytes], Any]] = {
    "MD5": hashlib.md5,
    "SHA-1": hashlib.sha1,
    "SHA-256": hashlib.sha256,
    "SHA-384": hashlib.sha384,
    "SHA-512": hashlib.sha512,
}


def _hash(*args: Any) -> Any:
    if len(args) > 2:
        raise _signature_error(3, "hash")
    data = args[0] if args else None
    algorithm = args[1] if len(args) > 1 else None
    if data is not None and not isinstance(data, str):
        raise _signature_error(1, "hash")
    if algorithm is not None and not isinstance(algorithm, str):
        raise _signature_error(2, "hash")
    if data is None or algorithm is None:
        return None
    if algorithm not in _HASHES:
        raise _FunctionError(
            f"The hash algorithm '{algorithm}' is not supported. Supported algorithms: "
            + ", ".join(_HASHES)
        )
    return _HASHES[algorithm](data.encode("utf-8")).hexdigest()


def _random(*args: Any) -> Any:
    if len(args) > 1:
        raise _signature_error(2, "random")
    if not args or args[0] is None:
        return random.random()
    seed = args[0]
    if not _is_number(seed):
        raise _signature_error(1, "random")
    return random.Random(int(seed)).random()


def _uuid(*args: Any) -> str:
    if args:
        raise _signature_error(1, "uuid")
    return str(uuid.uuid4())


def _parse(*args: Any) -> Any:
    if len(args) > 1:
        raise _signature_error(2, "parse")
    text = args[0] if args else None
    if text is None:
        return None
    if not isinstance(text, str):
        raise _signature_error(1, "parse")
    try:
        value = json.loads(text)
    except ValueError:
        raise _FunctionError(f"The string '{text}' is not valid JSON.") from None
    return utils.Utils.NULL_VALUE if value is None else value


_AWS_FUNCTIONS: dict[str, Any] = {
    "partition": Jsonata.JLambda(_partition),
    "range": Jsonata.JLambda(_range),
    "hash": Jsonata.JLambda(_hash),
    "random": Jsonata.JLambda(_random),
    "uuid": Jsonata.JLambda(_uuid),
    "parse": Jsonata.JLambda(_parse),
    "eval": None,  # AWS disables $eval (use $parse): calling it is T1006, not a function
}


def aws_function_names() -> frozenset[str]:
    """The functions Step Functions adds to JSONata (without `$`)."""
    return frozenset(name for name, fn in _AWS_FUNCTIONS.items() if fn is not None)
