"""Santa's states, tested one at a time with Step Functions' TestState API.

Run them like any project's tests, from the repository's folder:

    python -m pytest notebooks/santa_state_tests -q

Each test sends ONE state of Santa's real definition (infra/santa/statemachine) to TestState with
an input, and, instead of calling the Lambda function, a mocked result or a mocked error. The
answer says what the state would hand on, where it would go next, and whether an error would be
retried or caught. Nothing is deployed and no function runs, so the tests take a second, offline
(the local cloud) or in a real account (the same call, with your credentials).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

import workshop_lib as wl

HERE = Path(__file__).resolve().parent
STATE_MACHINES = HERE.parents[1] / "infra" / "santa" / "statemachine"
THROTTLED = {"error": "Lambda.TooManyRequestsException", "cause": "Rate exceeded"}
UPLOAD = {"bucket": "santa-input", "key": "uploads/good_list.json", "versionId": "v1"}
SUMMARY = {**UPLOAD, "etag": '"abc"', "bytes": 31250, "kids": 360, "gifts": 698}
STAMPED = {
    "status": "SUCCEEDED",
    "bucket": "santa-output",
    "key": "stamped/good_list.json",
    "kids": 360,
    "gifts": 698,
    "stamped": 360,
    "alreadyExisted": False,
    "source": UPLOAD,
}


@pytest.fixture(scope="session")
def sfn() -> Any:
    wl.connect()
    return wl.client("stepfunctions")


def santa_definition(sfn: Any, file_name: str) -> str:
    """The definition, its ${...FunctionArn} placeholders filled with function ARNs of this
    account and region. The functions are never called (every test mocks them), so they need
    not exist."""
    text = (STATE_MACHINES / file_name).read_text(encoding="utf-8")
    account = wl.client("sts").get_caller_identity()["Account"]
    arn = f"arn:aws:lambda:{sfn.meta.region_name}:{account}:function:santa-{{}}"
    return re.sub(r"\$\{(\w+)FunctionArn\}", lambda m: arn.format(m.group(1).lower()), text)


def ask(
    sfn: Any, state: str, input: Any, file_name: str = "santa.asl.json", **request: Any
) -> dict[str, Any]:
    """TestState's answer for one state, with DEBUG inspection data."""
    answer = sfn.test_state(
        definition=santa_definition(sfn, file_name),
        stateName=state,
        input=json.dumps(input),
        inspectionLevel="DEBUG",
        **request,
    )
    if "output" in answer:
        answer["output"] = json.loads(answer["output"])
    return answer


def mocked(result: Any) -> dict[str, Any]:
    return {"mock": {"result": json.dumps(result)}}


# -- data flow ---------------------------------------------------------------------------------


def test_validate_keeps_the_upload_beside_its_summary(sfn):
    answer = ask(sfn, "ValidateData", UPLOAD, **mocked(SUMMARY))
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "NeedsApproval"
    assert answer["output"] == {**UPLOAD, "validatedData": SUMMARY}


def test_transform_receives_only_the_summary_and_hands_on_only_its_answer(sfn):
    answer = ask(sfn, "TransformData", {**UPLOAD, "validatedData": SUMMARY}, **mocked(STAMPED))
    assert json.loads(answer["inspectionData"]["afterInputPath"]) == SUMMARY
    assert answer["output"] == STAMPED and answer["nextState"] == "Notify"


# -- Retry -------------------------------------------------------------------------------------


@pytest.mark.parametrize("retries_made", range(6))
def test_a_throttled_validate_is_retried_with_growing_waits(sfn, retries_made):
    answer = ask(
        sfn,
        "ValidateData",
        UPLOAD,
        mock={"errorOutput": THROTTLED},
        stateConfiguration={"retrierRetryCount": retries_made},
    )
    assert answer["status"] == "RETRIABLE"
    wait = answer["inspectionData"]["errorDetails"]["retryBackoffIntervalSeconds"]
    assert wait == 2 * 2**retries_made


# -- Catch -------------------------------------------------------------------------------------


def test_after_six_retries_the_list_goes_to_fixit_with_the_error(sfn):
    answer = ask(
        sfn,
        "ValidateData",
        UPLOAD,
        mock={"errorOutput": THROTTLED},
        stateConfiguration={"retrierRetryCount": 6},
    )
    assert answer["status"] == "CAUGHT_ERROR" and answer["nextState"] == "FixIt"
    assert answer["output"] == {
        **UPLOAD,
        "error": {"Error": THROTTLED["error"], "Cause": THROTTLED["cause"]},
    }


def test_a_bad_list_is_not_retried_but_sent_to_fixit(sfn):
    bad = {"error": "ListValidationError", "cause": "kid-0006 asked for 5 presents"}
    answer = ask(sfn, "ValidateData", UPLOAD, mock={"errorOutput": bad})
    assert answer["status"] == "CAUGHT_ERROR" and answer["nextState"] == "FixIt"
    assert answer["output"]["error"]["Error"] == "ListValidationError"


# -- the JSONata version (notebook 09): variables in, variables out ------------------------------


def test_jsonata_validate_keeps_the_upload_and_summary_in_variables(sfn):
    answer = ask(sfn, "ValidateData", UPLOAD, "santa_jsonata.asl.json", **mocked(SUMMARY))
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "NeedsApproval"
    variables = json.loads(answer["inspectionData"]["variables"])
    assert variables == {"upload": UPLOAD, "summary": SUMMARY}


def test_jsonata_fixit_receives_the_upload_and_the_error_from_variables(sfn):
    error = {"Error": "ListValidationError", "Cause": "kid-0006 asked for 5 presents"}
    answer = ask(
        sfn,
        "FixIt",
        error,
        "santa_jsonata.asl.json",
        variables=json.dumps({"upload": UPLOAD, "error": error}),
        **mocked({"status": "FAILED"}),
    )
    assert json.loads(answer["inspectionData"]["afterArguments"]) == {**UPLOAD, "error": error}
    assert answer["nextState"] == "NotifyFailure"


# -- a Choice ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kids", "next_state"),
    [
        (0, "NothingToStamp"),
        (1, "TransformData"),
        (10000, "TransformData"),
        (10001, "StampInBatches"),
    ],
)
def test_how_many_kids_picks_the_path(sfn, kids, next_state):
    answer = sfn.test_state(
        definition=(HERE / "how_many_kids.asl.json").read_text(encoding="utf-8"),
        input=json.dumps({**SUMMARY, "kids": kids}),
    )
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", next_state)


@pytest.mark.parametrize(
    ("approval", "next_state"),
    [
        (None, "TransformData"),
        ({"needed": False, "reasons": []}, "TransformData"),
        (
            {"needed": True, "reasons": ["360 kids, more than 100 without approval"]},
            "AnnounceApprovalNeeded",
        ),
    ],
)
@pytest.mark.parametrize("file_name", ["santa.asl.json", "santa_jsonata.asl.json"])
def test_a_list_that_needs_a_person_goes_to_approval(sfn, approval, next_state, file_name):
    summary = {**SUMMARY, **({"approval": approval} if approval else {})}
    jsonata = file_name == "santa_jsonata.asl.json"
    answer = ask(
        sfn,
        "NeedsApproval",
        {} if jsonata else {**UPLOAD, "validatedData": summary},
        file_name,
        **({"variables": json.dumps({"upload": UPLOAD, "summary": summary})} if jsonata else {}),
    )
    assert (answer["status"], answer["nextState"]) == ("SUCCEEDED", next_state)
