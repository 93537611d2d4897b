"""Exercises of notebook 02 (Santa's workflow): the TransformData state, paths included.

The checker reads the state like Step Functions would and then runs its InputPath, ResultPath
and OutputPath on a sample input and a sample result, shaped like a real execution's.
"""

from __future__ import annotations

import json
from typing import Any

from ..asl import MISSING, select
from ._checks import check_fields, check_path, fields_of, placed, python_value
from ._exercise import Exercise, Mistake

NOTEBOOK = "02_santas_workflow"
PLACEHOLDER = "${TransformFunctionArn}"
OTHER_PLACEHOLDERS = {
    "${ValidateFunctionArn}": "validate",
    "${NotifyFunctionArn}": "notify",
    "${FixItFunctionArn}": "FixIt",
}
_NOT_FOR_THIS_EXERCISE = (
    "Parameters",
    "ResultSelector",
    "Arguments",
    "Output",
    "Assign",
    "QueryLanguage",
)
TASK_FIELDS = frozenset(
    {
        "Type",
        "Comment",
        "Resource",
        "InputPath",
        "ResultPath",
        "OutputPath",
        "Retry",
        "Catch",
        "Next",
        "End",
        "TimeoutSeconds",
        "HeartbeatSeconds",
        *_NOT_FOR_THIS_EXERCISE,
    }
)

# What a real execution hands TransformData (validate's ResultPath added validatedData)...
_SOURCE = {
    "bucket": "workshop-santa-input-123456789012-us-east-1",
    "key": "by-hand/good_list.json",
    "versionId": "3sL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY",
}
SAMPLE_INPUT: dict[str, Any] = {
    **_SOURCE,
    "validatedData": {
        **_SOURCE,
        "etag": '"6f1c2c5b0a4de3f1b27e0e8c9a1d7e42"',
        "bytes": 31250,
        "kids": 360,
        "gifts": 698,
    },
}
# ... and what the transform elf answers.
SAMPLE_RESULT: dict[str, Any] = {
    "status": "SUCCEEDED",
    "bucket": "workshop-santa-output-1a2b3c",
    "key": "stamped/by-hand/good_list.4f9e0a1b2c3d.json",
    "kids": 360,
    "gifts": 698,
    "stamped": 360,
    "alreadyExisted": False,
    "source": _SOURCE,
}

_TRANSFORM_STATE = """transform_state = {
    "Type": "Task",
    "Resource": "${TransformFunctionArn}",
    "InputPath": "$.validatedData",
    "ResultPath": "$.transformedData",
    "OutputPath": "$.transformedData",
    "Next": "Notify",
}
"""


def _transform_state() -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": PLACEHOLDER,
        "InputPath": "$.validatedData",
        "ResultPath": "$.transformedData",
        "OutputPath": "$.transformedData",
        "Next": "Notify",
    }


def _check_transform_state(answer: Any) -> str:
    state = python_value(answer, dict, "the state")
    check_fields(state, TASK_FIELDS, "A Task state")
    extra = [name for name in _NOT_FOR_THIS_EXERCISE if name in state]
    if extra:
        raise Mistake(
            f"{extra[0]} is a fine tool, but this exercise is about InputPath, ResultPath and "
            f"OutputPath: leave {extra[0]} out and use those three."
        )
    _check_shape(state)
    for field in ("TimeoutSeconds", "HeartbeatSeconds"):
        value = state.get(field, 1)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise Mistake(f"{field} is a whole number of seconds, 1 or more, not {value!r}.")
    if not isinstance(state.get("Comment", ""), str):
        raise Mistake("a Comment is text, in quotes.")
    input_path = state.get("InputPath", "$")
    result_path = state.get("ResultPath", "$")
    output_path = state.get("OutputPath", "$")
    for field, path in (
        ("InputPath", input_path),
        ("ResultPath", result_path),
        ("OutputPath", output_path),
    ):
        check_path(field, path)
    _check_received(select(SAMPLE_INPUT, input_path), input_path)
    if result_path is None:
        raise Mistake(
            "ResultPath null throws transform's answer away: Notify would never hear where the "
            'stamped list is. Put the answer beside the input instead: "$.transformedData".'
        )
    combined = placed(
        SAMPLE_INPUT,
        SAMPLE_RESULT,
        result_path,
        'Put the answer beside the input: "$.transformedData".',
    )
    _check_handed_on(select(combined, output_path), combined, result_path, output_path)
    if result_path == "$":
        return (
            "transform gets validate's summary, and Notify exactly transform's answer. Shorter "
            'than Santa\'s file, and just as right: with ResultPath "$" the answer replaces '
            "the input, so there is nothing for OutputPath to pick."
        )
    return (
        f"transform gets only validate's summary, its answer is put at {result_path} beside "
        f"the rest, and {output_path} hands exactly that answer on to Notify."
    )


def _check_shape(state: dict[str, Any]) -> None:
    if state.get("Type") != "Task":
        raise Mistake(
            f"the Type is {state.get('Type')!r}. TransformData calls a Lambda function, so it is "
            'a "Task" state.'
        )
    resource = state.get("Resource")
    if isinstance(resource, str) and resource in OTHER_PLACEHOLDERS:
        raise Mistake(
            f"{resource} would call the {OTHER_PLACEHOLDERS[resource]} elf. TransformData calls "
            f"the transform elf: {PLACEHOLDER}."
        )
    if resource != PLACEHOLDER:
        raise Mistake(
            f'in Santa\'s ASL file the Resource is the placeholder "{PLACEHOLDER}", not '
            f"{resource!r}: the SAM template puts the real function ARN there when it deploys, "
            "so the same file works in every account."
        )
    if state.get("End") is True or "Next" not in state:
        raise Mistake(
            'TransformData is not the last state: Notify comes after it. Use "Next": "Notify" '
            '(and no "End").'
        )
    if state["Next"] != "Notify":
        raise Mistake(f'after TransformData comes "Notify", not {state["Next"]!r}.')
    if "End" in state:
        raise Mistake('a state has either "Next" or "End": true, never both. Keep "Next".')


def _check_received(received: Any, input_path: Any) -> None:
    summary = SAMPLE_INPUT["validatedData"]
    if received is MISSING:
        raise Mistake(
            f"InputPath {input_path!r} matches nothing in the state's input (its fields are "
            f"{fields_of(SAMPLE_INPUT)}), and Step Functions would stop the whole execution "
            "with States.Runtime. Check the spelling: validate's summary is at "
            '"$.validatedData".'
        )
    if received == summary:
        return
    if received == SAMPLE_INPUT:
        raise Mistake(
            "transform would receive the whole input: the upload and validate's summary. It "
            'should get only the summary, the file it has to stamp: "InputPath": '
            '"$.validatedData".'
        )
    raise Mistake(
        f"transform would receive {json.dumps(received)}, but it needs validate's summary, "
        'which is at "$.validatedData".'
    )


def _check_handed_on(output: Any, combined: Any, result_path: str, output_path: Any) -> None:
    if output is MISSING:
        if result_path == "$":
            raise Mistake(
                "without a ResultPath, transform's answer replaces the whole input, so "
                f"OutputPath {output_path!r} looks inside the answer itself and finds nothing: "
                "the slip you ran above, which failed with States.Runtime. Add "
                '"ResultPath": "$.transformedData".'
            )
        raise Mistake(
            f"OutputPath {output_path!r} matches nothing: ResultPath put transform's answer at "
            f"{result_path!r}, so that is the path to hand on."
        )
    if output == SAMPLE_RESULT:
        return
    if output == combined:
        raise Mistake(
            "Notify would receive everything: the upload, validate's summary and, at "
            f"{result_path}, transform's answer. It needs transform's answer alone, with its "
            f'"status" at the top: add "OutputPath": "{result_path}".'
        )
    raise Mistake(
        f"Notify would receive {json.dumps(output)[:200]}, but it needs transform's answer "
        f"alone (ResultPath put it at {result_path!r})."
    )


_SLIP = {
    "Type": "Task",
    "Resource": PLACEHOLDER,
    "InputPath": "$.validatedData",
    "OutputPath": "$.transformedData",
    "Next": "Notify",
}

transform_state = Exercise(
    key="transform_state",
    notebook=NOTEBOOK,
    title="TransformData, paths and all",
    checker=_check_transform_state,
    hints=[
        'Four fields are the same as in every Task of Santa\'s file: "Type": "Task", the '
        'Resource placeholder "${TransformFunctionArn}", and "Next": "Notify". The work is in '
        "the three paths.",
        'The summary transform needs is at "$.validatedData" (InputPath). Its answer should '
        'go beside everything else at "$.transformedData" (ResultPath).',
        "Without ResultPath the answer replaces the input, so OutputPath cannot find "
        '"$.transformedData". With ResultPath set, "OutputPath": "$.transformedData" hands on '
        "the answer alone.",
    ],
    solution_code=_TRANSFORM_STATE,
    solution_value=_transform_state,
    known_wrong=[
        (_SLIP, "replaces the whole input"),
        ({**_transform_state(), "InputPath": "$"}, "whole input"),
        ({k: v for k, v in _transform_state().items() if k != "OutputPath"}, "everything"),
        ({**_transform_state(), "InputPath": "validatedData"}, "starts with $"),
        ({**_transform_state(), "InputPath": "$.validateData"}, "matches nothing"),
        ({**_transform_state(), "ResultPath": None}, "throws transform's answer away"),
        ({**_transform_state(), "ResultPath": "$.validatedData.kids.result"}, "no object"),
        ({**_transform_state(), "OutputPath": "$.result"}, "ResultPath put"),
        ({**_transform_state(), "Resource": "santa-elf-transform"}, "placeholder"),
        ({**_transform_state(), "Resource": "${ValidateFunctionArn}"}, "validate elf"),
        (
            {k: v for k, v in {**_transform_state(), "End": True}.items() if k != "Next"},
            "Notify comes after it",
        ),
        ({**_transform_state(), "Next": "FixIt"}, 'comes "Notify"'),
        ({**_transform_state(), "Type": "Pass"}, '"Task"'),
        (
            {**{k: v for k, v in _transform_state().items() if k != "InputPath"}, "inputPath": "$"},
            'Did you mean "InputPath"',
        ),
        ({**_transform_state(), "Parameters": {"bucket.$": "$.bucket"}}, "leave Parameters"),
        ({**_transform_state(), "TimeoutSeconds": "30"}, "whole number of seconds"),
        (json.dumps(_transform_state()), "Python dictionary"),
    ],
)
