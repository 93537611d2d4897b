"""How data moved through one Task state: InputPath, ResultPath and OutputPath, box by box
(or, in a JSONata state, Arguments, the result, Assign and Output).

    from workshop_lib.dataflow import data_flow
    data_flow(execution.step("TransformData"))

A Task state does four things with JSON, in this order:

1. InputPath picks the part of the state's input that the Lambda function receives.
2. The function runs and returns a result.
3. ResultPath says where that result goes: into the state's input at a path, replacing the whole
   input ("$", the default), or nowhere (null: the input passes through unchanged).
4. OutputPath picks the part of that document that becomes the state's output.

Every value shown comes from the execution's history, except step 3's document, which Step
Functions does not record; it is worked out from the input, the result and the ResultPath by
`workshop_lib.asl.place`, the same rule the exercise checks use.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from .asl import MISSING, parse_json, place, select
from .display import Displayable, theme

__all__ = ["DataFlow", "FlowBox", "data_flow", "inspection_flow"]

_SUCCEEDED = {"LambdaFunctionSucceeded", "TaskSucceeded"}
_FAILED = {"LambdaFunctionFailed", "TaskFailed", "LambdaFunctionTimedOut", "TaskTimedOut"}


class _Event(Protocol):
    type: str
    details: Any


class _Step(Protocol):
    """What `workshop_lib.executions.Step` offers (only these attributes are read)."""

    name: str
    input: Any
    output: Any
    parameters: Any
    state_definition: Any
    events: Any


@dataclass(frozen=True)
class FlowBox:
    """One stage: a title, the rule that produced it, and the JSON at that point."""

    title: str
    rule: str
    value: Any
    known: bool = True
    """False when Step Functions did not record it (and it could not be worked out)."""


_RULE_WIDTH = "22em"
"""The widest a data-flow view's label column (a stage and its rule) grows in HTML."""


@dataclass(frozen=True)
class DataFlow(Displayable):
    state: str
    boxes: list[FlowBox]

    def __str__(self) -> str:
        parts = [f"Data flow through {self.state}"]
        for number, box in enumerate(self.boxes, start=1):
            parts.append(f"{number}. {box.title}  [{box.rule}]")
            parts.append(_indent(_json(box.value) if box.known else "(not recorded)"))
        return "\n".join(parts)

    def _html(self) -> str:
        rows = []
        for number, box in enumerate(self.boxes, start=1):
            body = html.escape(_json(box.value)) if box.known else "<i>(not recorded)</i>"
            # The label column keeps to _RULE_WIDTH and a long rule (an Assign) wraps: left
            # unwrapped, it took half the table and the JSON beside it broke mid-string.
            rows.append(
                "<tr><td style='vertical-align:top;text-align:left'>"
                f"<div style='max-width:{_RULE_WIDTH}'>"
                f"<b style='white-space:nowrap'>{number}. {html.escape(box.title)}</b><br>"
                f"<code style='color:{theme.ACCENT};white-space:pre-wrap'>"
                f"{html.escape(box.rule)}</code></div></td>"
                "<td style='text-align:left'><pre style='margin:0;white-space:pre-wrap;"
                f"max-height:18em;overflow:auto'>{body}</pre></td></tr>"
            )
        return (
            f"<div><b>Data flow through <code>{html.escape(self.state)}</code></b>"
            f"<table>{''.join(rows)}</table></div>"
        )


def data_flow(step: _Step) -> DataFlow:
    """The stages of one Task step, from an `Execution.step(...)` of workshop_lib.executions."""
    definition = step.state_definition or {}
    if _is_jsonata(definition):
        return _jsonata_flow(step, definition)
    input_path = definition.get("InputPath", "$")
    result_path = definition.get("ResultPath", "$")
    output_path = definition.get("OutputPath", "$")
    result, error = _task_outcome(step.events or [])

    boxes = [FlowBox("State input", "what the previous state handed over", step.input)]
    sent = step.parameters if step.parameters is not None else select(step.input, input_path)
    boxes.append(
        FlowBox(
            "The function received",
            _path_rule("InputPath", input_path, "the whole input"),
            sent,
            sent is not MISSING,
        )
    )
    if result is MISSING:
        boxes.append(FlowBox("The function failed", "no result", error, error is not None))
        return DataFlow(step.name, boxes)
    boxes.append(FlowBox("The function returned", "its result", result))
    combined = place(step.input, result, result_path)
    boxes.append(
        FlowBox(
            "Result placed in the input",
            _result_rule(result_path),
            combined,
            combined is not MISSING,
        )
    )
    boxes.append(
        FlowBox(
            "State output",
            _path_rule("OutputPath", output_path, "everything"),
            step.output,
            step.output is not None,
        )
    )
    return DataFlow(step.name, boxes)


_JSONATA_FIELDS = ("Arguments", "Output", "Assign")


def _is_jsonata(definition: Any) -> bool:
    """A JSONata state: it says so, or carries JSONata's fields and none of JSONPath's."""
    if not isinstance(definition, dict):
        return False
    if "QueryLanguage" in definition:
        return definition["QueryLanguage"] == "JSONata"
    jsonpath = ("InputPath", "Parameters", "ResultSelector", "ResultPath", "OutputPath")
    return any(k in definition for k in ("Arguments", "Output")) and not any(
        k in definition for k in jsonpath
    )


def _expression(value: Any, default: str) -> str:
    """A field as one line: its JSONata expression, or its template, or what AWS does without it."""
    if value is None:
        return default
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _jsonata_flow(step: _Step, definition: dict[str, Any]) -> DataFlow:
    """A JSONata Task: Arguments build what the function receives, Output what the state hands on
    ($states.input is the state's input, $states.result the function's result)."""
    result, error = _task_outcome(step.events or [])
    boxes = [FlowBox("State input", "$states.input", step.input)]
    sent = step.parameters
    boxes.append(
        FlowBox(
            "The function received",
            "Arguments: " + _expression(definition.get("Arguments"), "the whole input"),
            sent,
            sent is not None,
        )
    )
    if result is MISSING:
        boxes.append(
            FlowBox("The function failed", "$states.errorOutput", error, error is not None)
        )
        return DataFlow(step.name, boxes)
    boxes.append(FlowBox("The function returned", "$states.result", result))
    if definition.get("Assign"):
        boxes.append(
            FlowBox(
                "Variables assigned",
                "Assign: " + _expression(definition["Assign"], ""),
                getattr(step, "assigned_variables", None),
                getattr(step, "assigned_variables", None) is not None,
            )
        )
    boxes.append(
        FlowBox(
            "State output",
            "Output: " + _expression(definition.get("Output"), "the result ($states.result)"),
            step.output,
            step.output is not None,
        )
    )
    return DataFlow(step.name, boxes)


_TEST_STATE_BOXES = (
    ("input", "State input", "what the state received"),
    ("afterInputPath", "After InputPath", "InputPath"),
    ("afterParameters", "After Parameters", "Parameters"),
    ("afterArguments", "After Arguments", "Arguments (JSONata)"),
    ("result", "Result", "what the state's work returned"),
    ("afterResultSelector", "After ResultSelector", "ResultSelector"),
    ("afterResultPath", "After ResultPath", "ResultPath: the result placed in the input"),
)


def inspection_flow(answer: Mapping[str, Any], state: str = "TestState") -> DataFlow:
    """The data-flow boxes of a DEBUG `stepfunctions.test_state` answer (its inspectionData),
    then the state's output, error or next state."""
    data = answer.get("inspectionData") or {}
    boxes = [
        FlowBox(title, rule, parse_json(data[key]))
        for key, title, rule in _TEST_STATE_BOXES
        if key in data
    ]
    if "variables" in data:
        boxes.append(
            FlowBox("Variables", "after the state's Assign", parse_json(data["variables"]))
        )
    status = answer.get("status", "?")
    if "output" in answer:
        following = f", next: {answer['nextState']}" if answer.get("nextState") else ""
        boxes.append(FlowBox("State output", f"{status}{following}", parse_json(answer["output"])))
    elif "error" in answer:
        failure = {"Error": answer.get("error"), "Cause": answer.get("cause")}
        boxes.append(FlowBox("The state failed", status, failure))
    return DataFlow(state, boxes)


def _task_outcome(events: Any) -> tuple[Any, Any]:
    """The last attempt's result, or its error."""
    result: Any = MISSING
    error: Any = None
    for event in events:
        if event.type in _SUCCEEDED:
            result, error = parse_json(event.details.get("output")), None
        elif event.type in _FAILED:
            result = MISSING
            error = {"Error": event.details.get("error"), "Cause": event.details.get("cause")}
    return result, error


def _path_rule(field: str, path: Any, default_meaning: str) -> str:
    if path is None:
        return f'"{field}": null'
    if path == "$":
        return f'"{field}": "$" ({default_meaning})'
    return f'"{field}": "{path}"'


def _result_rule(path: Any) -> str:
    if path is None:
        return '"ResultPath": null (result thrown away)'
    if path == "$":
        return '"ResultPath": "$" (result replaces the input)'
    return f'"ResultPath": "{path}"'


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def _indent(text: str) -> str:
    return "\n".join("   " + line for line in text.splitlines())
