"""Short, readable text for the parts of a state machine the diagram spells out.

Choice rules become `$.validation.isValid == true`, Catch edges name their errors, Retry policies
become a one-line badge, and each state type gets a caption (the service a Task calls, how long a
Wait waits, how many items a Map runs at once).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..asl import DEFAULT_BACKOFF_RATE, DEFAULT_INTERVAL_SECONDS, DEFAULT_MAX_ATTEMPTS

# Data-test comparisons: the operator to print, keyed by the rule's field name (without `Path`).
_COMPARISONS: dict[str, str] = {}
for _family in ("String", "Numeric", "Boolean", "Timestamp"):
    for _suffix, _operator in (
        ("Equals", "=="),
        ("LessThan", "<"),
        ("GreaterThan", ">"),
        ("LessThanEquals", "<="),
        ("GreaterThanEquals", ">="),
    ):
        _COMPARISONS[_family + _suffix] = _operator
_COMPARISONS["StringMatches"] = "matches"

# Type tests: what to print when the rule says true, and when it says false.
_TYPE_TESTS: dict[str, tuple[str, str]] = {
    "IsNull": ("is null", "is not null"),
    "IsPresent": ("is present", "is missing"),
    "IsNumeric": ("is a number", "is not a number"),
    "IsString": ("is a string", "is not a string"),
    "IsBoolean": ("is a boolean", "is not a boolean"),
    "IsTimestamp": ("is a timestamp", "is not a timestamp"),
}

_JSONATA = re.compile(r"^\s*\{%(.*)%\}\s*$", re.DOTALL)


def condition_text(rule: Mapping[str, Any]) -> str:
    """A Choice rule as one readable expression, such as `$.count > 3 and $.ok == true`."""
    if "Condition" in rule:  # JSONata rules carry their test as an expression string.
        return _strip_jsonata(str(rule["Condition"]))
    if "And" in rule:
        return " and ".join(_grouped(part) for part in _rules(rule["And"]))
    if "Or" in rule:
        return " or ".join(_grouped(part) for part in _rules(rule["Or"]))
    if "Not" in rule:
        inner = rule["Not"]
        return f"not ({condition_text(inner) if isinstance(inner, Mapping) else '?'})"
    variable = str(rule.get("Variable", "?"))
    for key, value in rule.items():
        if key in _TYPE_TESTS:
            when_true, when_false = _TYPE_TESTS[key]
            return f"{variable} {when_true if value else when_false}"
        base, is_path = (key[:-4], True) if key.endswith("Path") else (key, False)
        if base in _COMPARISONS:
            shown = str(value) if is_path else _literal(value)
            return f"{variable} {_COMPARISONS[base]} {shown}"
    return f"{variable} ?"


def _rules(value: Any) -> list[Mapping[str, Any]]:
    return [part for part in value if isinstance(part, Mapping)] if isinstance(value, list) else []


def _grouped(rule: Mapping[str, Any]) -> str:
    text = condition_text(rule)
    return f"({text})" if ("And" in rule or "Or" in rule) else text


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _strip_jsonata(text: str) -> str:
    match = _JSONATA.match(text)
    return match.group(1).strip() if match else text.strip()


def errors_text(errors: Sequence[str]) -> str:
    """A Catch edge's label: the first error name, and how many more there are."""
    names = [str(name) for name in errors] or ["?"]
    more = f" +{len(names) - 1}" if len(names) > 1 else ""
    return f"catch: {names[0]}{more}"


def retry_badge(retriers: Sequence[Mapping[str, Any]]) -> str | None:
    """One short line that says a state retries, e.g. `retry ×6: Lambda.ServiceException +2`."""
    if not retriers:
        return None
    active = [r for r in retriers if _attempts(r) > 0]
    if not active:
        return f"no retry: {_first_errors(retriers[0])}"
    first = active[0]
    others = f" (+{len(active) - 1} more)" if len(active) > 1 else ""
    return f"retry ×{_attempts(first)}: {_first_errors(first)}{others}"


def retry_detail(retriers: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each retrier in full, for the hover text."""
    lines = []
    for retrier in retriers:
        errors = ", ".join(str(name) for name in retrier.get("ErrorEquals", [])) or "?"
        attempts = _attempts(retrier)
        if attempts == 0:
            lines.append(f"Never retried: {errors}")
            continue
        interval = retrier.get("IntervalSeconds", DEFAULT_INTERVAL_SECONDS)
        backoff = retrier.get("BackoffRate", DEFAULT_BACKOFF_RATE)
        text = f"Retry {errors}: up to {attempts}×, first after {interval} s, backoff ×{backoff}"
        if "MaxDelaySeconds" in retrier:
            text += f", at most {retrier['MaxDelaySeconds']} s apart"
        if retrier.get("JitterStrategy") == "FULL":
            text += ", with jitter"
        lines.append(text)
    return lines


def _attempts(retrier: Mapping[str, Any]) -> int:
    value = retrier.get("MaxAttempts", DEFAULT_MAX_ATTEMPTS)
    return value if isinstance(value, int) else DEFAULT_MAX_ATTEMPTS


def _first_errors(retrier: Mapping[str, Any]) -> str:
    names = [str(name) for name in retrier.get("ErrorEquals", [])] or ["?"]
    return names[0] + (f" +{len(names) - 1}" if len(names) > 1 else "")


def task_caption(resource: Any) -> str | None:
    """What a Task calls: `lambda:invoke`, `s3:getObject`, `lambda:MyFunction`..."""
    if not isinstance(resource, str) or not resource:
        return None
    if not resource.startswith("arn:"):
        return resource  # a ${Placeholder} from DefinitionSubstitutions, shown as written
    parts = resource.split(":")
    service = parts[2] if len(parts) > 2 else ""
    if service == "states":
        tail = parts[5:]
        if tail[:1] == ["aws-sdk"]:
            tail = tail[1:]
        if tail[:1] == ["activity"]:
            return "activity:" + ":".join(tail[1:])
        return ":".join(tail) or None
    if service == "lambda" and "function" in parts:
        name = parts[parts.index("function") + 1 :]
        return "lambda:" + (name[0] if name else "?")
    return service or None


def wait_caption(state: Mapping[str, Any]) -> str | None:
    """How long a Wait state waits."""
    if "Seconds" in state:
        return f"{_strip_jsonata(str(state['Seconds']))} s"  # a number, or a JSONata expression
    if "SecondsPath" in state:
        return str(state["SecondsPath"])
    if "Timestamp" in state:
        return f"until {_strip_jsonata(str(state['Timestamp']))}"
    if "TimestampPath" in state:
        return f"until {state['TimestampPath']}"
    return None


def map_caption(state: Mapping[str, Any]) -> str:
    """How a Map runs its items: concurrency first, since that is what learners tune."""
    parts = []
    processor = state.get("ItemProcessor")
    config = processor.get("ProcessorConfig", {}) if isinstance(processor, Mapping) else {}
    if isinstance(config, Mapping) and config.get("Mode") == "DISTRIBUTED":
        parts.append("distributed")
    if "MaxConcurrency" in state:
        limit = state["MaxConcurrency"]
        shown = _strip_jsonata(limit) if isinstance(limit, str) else limit
        parts.append("max concurrency: no limit" if limit == 0 else f"max concurrency {shown}")
    elif "MaxConcurrencyPath" in state:
        parts.append(f"max concurrency {state['MaxConcurrencyPath']}")
    items = state.get("ItemsPath") or state.get("Items")
    if isinstance(items, str):
        parts.append(f"items {_strip_jsonata(items)}")
    elif "ItemReader" in state:
        parts.append("items from ItemReader")
    return " · ".join(parts) or "one iteration per item"


def parallel_caption(branch_count: int) -> str:
    return f"{branch_count} branch{'es' if branch_count != 1 else ''} at once"
