"""The image processor's state machines (infra/image_processor/statemachine), on stand-in steps.

Tiny stand-in functions replace the real handlers, so each behaviour of the definitions is
shown on its own, quickly: Choice, Parallel, Catch, Retry (and the MaxAttempts: 0 idiom), how
ResultPath and ResultSelector accumulate results, and the batch workflow's Map.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from workshop_lib import clients, cloud
from workshop_lib.graph import StateMachineGraph
from workshop_lib.paths import IMAGES_STATEMACHINES
from workshop_lib.waiting import wait_for_execution

STATEMACHINE = IMAGES_STATEMACHINES
SINGLE = json.loads((STATEMACHINE / "image_processor.asl.json").read_text(encoding="utf-8"))
BATCH = json.loads((STATEMACHINE / "image_batch.asl.json").read_text(encoding="utf-8"))
IMAGE_TASKS = ("ValidateImage", "ResizeImage", "ApplyFilters", "OptimizeImage")
PERMANENT = {"InvalidImageError", "UnknownFilterError"}

# Behaviour is chosen by the key, so one set of stand-ins serves every scenario.
STAND_INS = """
import json


class InvalidImageError(ValueError):
    pass


class Hiccup(Exception):
    pass


def validate(event, context):
    key = event["key"]
    if "bad" in key:
        raise InvalidImageError("truncated: the image data stops early")
    if "returns-invalid" in key:
        return {"valid": False, "reason": "corrupt", "message": "damaged data"}
    return {"valid": True, "versionId": event["versionId"], "bytes": 1000, "format": "JPEG",
            "displayWidth": 40, "displayHeight": 30, "filters": ["sepia"]}


def resize(event, context):
    if "flaky" in event["key"]:
        raise Hiccup("S3 was slow to answer")
    if "broken-later" in event["key"]:
        raise InvalidImageError("corrupt: damaged after all")
    return {"variants": [{"name": "thumbnail", "key": "work/t.png"}], "ignored": "x" * 50}


def filters(event, context):
    return {"filters": event["filters"], "variants": [{"name": "-".join(event["filters"])}]}


def optimize(event, context):
    names = [v["name"] for v in event["resized"] + event["filtered"]]
    return {"outputs": [{"name": n} for n in names], "originalBytes": event["originalBytes"],
            "outputBytes": 10 * len(names), "largestBytes": 10, "ignored": True}


def notify_success(event, context):
    return {"imageId": event["imageId"], "key": event["key"], "status": "SUCCEEDED",
            "outputs": event["optimized"]["outputs"], "originalBytes": 1000, "outputBytes": 20,
            "messageId": "m-1", "published": event.get("publish", True)}


def notify_error(event, context):
    cause = event["error"]["Cause"]
    try:
        cause = json.loads(cause)
    except ValueError:
        cause = {"errorMessage": cause}
    message = cause.get("errorMessage") or cause.get("message") or ""
    reason = cause.get("reason") or message.split(":")[0]
    return {"imageId": event["imageId"], "key": event["key"], "status": "FAILED",
            "reason": reason, "error": event["error"]["Error"], "message": message,
            "messageId": None if event.get("publish") is False else "m-2"}


def list_images(event, context):
    images = [{"bucket": "in", "key": k, "versionId": "v1", "imageId": "img-" + k}
              for k in event["keys"]]
    return {"bucket": "in", "prefix": event["prefix"], "images": images, "count": len(images),
            "truncated": False, "concurrency": event.get("concurrency", 4)}


def notify_batch(event, context):
    results = event["results"]
    ok = sum(1 for r in results if r["status"] == "SUCCEEDED")
    return {"images": len(results), "succeeded": ok, "failed": len(results) - ok,
            "failures": [{"key": r["key"], "reason": r["reason"]} for r in results
                         if r["status"] != "SUCCEEDED"]}
"""
HANDLERS = {
    "ValidateFunctionArn": "validate",
    "ResizeFunctionArn": "resize",
    "FiltersFunctionArn": "filters",
    "OptimizeFunctionArn": "optimize",
    "NotifySuccessFunctionArn": "notify_success",
    "NotifyErrorFunctionArn": "notify_error",
    "ListImagesFunctionArn": "list_images",
    "NotifyBatchFunctionArn": "notify_batch",
}


def substitute(definition: dict[str, Any], values: dict[str, str]) -> str:
    text = json.dumps(definition)
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert "${" not in text
    return text


@pytest.fixture(scope="module")
def machines(local_cloud: Any, lambda_role: str) -> Iterator[dict[str, str]]:
    lam, sfn = clients.client("lambda"), clients.client("stepfunctions")
    suffix = uuid.uuid4().hex[:6]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("stand_ins.py", STAND_INS)
    arns, names = {}, {}
    for placeholder, handler in HANDLERS.items():
        name = f"wf-{handler.replace('_', '-')}-{suffix}"
        arns[placeholder] = lam.create_function(
            FunctionName=name,
            Runtime="python3.12",
            Role=lambda_role,
            Handler=f"stand_ins.{handler}",
            Code={"ZipFile": buffer.getvalue()},
        )["FunctionArn"]
        names[handler] = name
    created = {
        label: sfn.create_state_machine(
            name=f"wf-{label}-{suffix}",
            definition=substitute(definition, arns),
            roleArn=lambda_role,
        )["stateMachineArn"]
        for label, definition in (("single", SINGLE), ("batch", BATCH))
    }
    yield {**created, **{f"fn:{k}": v for k, v in names.items()}}
    for name in names.values():
        lam.delete_function(FunctionName=name)


def run(arn: str, document: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    sfn = clients.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(document))
    found = wait_for_execution(execution["executionArn"], timeout=120, poll=0.02, sfn=sfn)
    events = sfn.get_execution_history(executionArn=execution["executionArn"], maxResults=1000)
    return found, events["events"]


def upload(key: str) -> dict[str, Any]:
    return {"bucket": "in", "key": key, "versionId": "v1", "imageId": f"img-{key}"}


def entered(events: list[dict[str, Any]]) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]


def attempts(events: list[dict[str, Any]], function: str) -> int:
    """How many times `function` was invoked (1 + retries). Parallel branches interleave
    their events, so the function name in each TaskScheduled tells them apart."""
    return sum(
        1
        for event in events
        if event["type"] == "TaskScheduled"
        and json.loads(event["taskScheduledEventDetails"]["parameters"])["FunctionName"].endswith(
            f":{function}"
        )
    )


def state_output(events: list[dict[str, Any]], state: str) -> dict[str, Any]:
    for event in events:
        details = event.get("stateExitedEventDetails")
        if details and details["name"] == state:
            return json.loads(details["output"])
    raise AssertionError(f"{state} never finished")


def tasks(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, state in definition["States"].items():
        if state["Type"] == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from tasks(branch)
        if "ItemProcessor" in state:
            yield from tasks(state["ItemProcessor"])


# -- the definitions ---------------------------------------------------------------------------
def test_the_single_workflow_has_the_documented_shape():
    states = SINGLE["States"]
    assert SINGLE["StartAt"] == "ValidateImage"
    assert states["ValidateImage"]["Next"] == "ImageValid"
    assert states["ImageValid"]["Type"] == "Choice"
    assert states["ImageValid"]["Choices"][0]["Next"] == "ProcessImage"
    parallel = states["ProcessImage"]
    assert parallel["Type"] == "Parallel"
    assert [b["StartAt"] for b in parallel["Branches"]] == ["ResizeImage", "ApplyFilters"]
    assert parallel["Next"] == "OptimizeImage"
    assert states["OptimizeImage"]["Next"] == "NotifySuccess"
    assert states["NotifyError"]["Next"] == "ImageRejected"


def test_image_steps_never_retry_a_bad_image_but_retry_everything_else():
    for definition in (SINGLE, BATCH):
        for name, state in tasks(definition):
            if name not in IMAGE_TASKS:
                continue
            first, *others = state["Retry"]
            assert set(first["ErrorEquals"]) >= PERMANENT and first["MaxAttempts"] == 0, name
            assert others[-1]["ErrorEquals"] == ["States.ALL"] and others[-1]["MaxAttempts"] > 0


def test_every_failure_is_caught_into_notify_error_without_losing_the_input():
    for definition in (SINGLE, BATCH["States"]["ProcessAll"]["ItemProcessor"]):
        states = definition["States"]
        for name in ("ValidateImage", "ProcessImage", "OptimizeImage"):
            (catch,) = states[name]["Catch"]
            assert catch == {
                "ErrorEquals": ["States.ALL"],
                "ResultPath": "$.error",
                "Next": "NotifyError",
            }


def test_results_accumulate_under_their_own_names():
    paths = {name: state.get("ResultPath") for name, state in SINGLE["States"].items()}
    assert paths["ValidateImage"] == "$.validation"
    assert paths["ProcessImage"] == "$.processed"
    assert paths["OptimizeImage"] == "$.optimized"
    for _, state in tasks(SINGLE):
        assert "ResultSelector" in state  # the Lambda envelope never reaches the state


def test_the_batch_runs_exactly_the_single_workflow_per_image():
    item = BATCH["States"]["ProcessAll"]["ItemProcessor"]
    assert item["StartAt"] == SINGLE["StartAt"]
    for name in ("ValidateImage", "ImageValid", "NotValid", "ProcessImage", "OptimizeImage"):
        assert item["States"][name] == SINGLE["States"][name], f"{name} differs"
    assert BATCH["States"]["ProcessAll"]["MaxConcurrencyPath"] == "$.listing.concurrency"


def test_both_definitions_draw():
    for definition in (SINGLE, BATCH):
        graph = StateMachineGraph(definition)
        assert {"ValidateImage", "ResizeImage", "ApplyFilters", "NotifyError"} <= set(
            graph.state_names
        )
        assert graph.to_svg().startswith("<svg") or "<svg" in graph.to_svg()


# -- the single workflow, run ------------------------------------------------------------------
def test_a_good_upload_accumulates_every_result(machines):
    found, events = run(machines["single"], upload("uploads/ok.jpg"))
    assert found["status"] == "SUCCEEDED"
    output = json.loads(found["output"])
    assert {k: output[k] for k in ("bucket", "key", "versionId", "imageId")} == upload(
        "uploads/ok.jpg"
    )  # the input survives every step
    assert output["validation"]["image"]["filters"] == ["sepia"]
    assert output["processed"] == {
        "resized": {"variants": [{"name": "thumbnail", "key": "work/t.png"}]},
        "filtered": {"variants": [{"name": "sepia"}], "filters": ["sepia"]},
    }
    assert output["optimized"] == {
        "outputs": [{"name": "thumbnail"}, {"name": "sepia"}],
        "originalBytes": 1000,
        "outputBytes": 20,
        "largestBytes": 10,
    }
    assert output["notification"] == {"status": "SUCCEEDED", "messageId": "m-1"}
    assert "NotifyError" not in entered(events)


def test_a_bad_image_is_not_retried_and_ends_in_notify_error(machines):
    found, events = run(machines["single"], upload("uploads/bad.jpg"))
    assert found["status"] == "FAILED" and found["error"] == "ImageRejected"
    assert attempts(events, machines["fn:validate"]) == 1
    assert entered(events)[-2:] == ["NotifyError", "ImageRejected"]
    notified = state_output(events, "NotifyError")
    assert notified["error"]["Error"] == "InvalidImageError"
    assert notified["notification"]["reason"] == "truncated"
    assert notified["key"] == "uploads/bad.jpg"


def test_a_transient_failure_is_retried_before_it_is_caught(machines):
    found, events = run(machines["single"], upload("uploads/flaky.jpg"))
    retrier = SINGLE["States"]["ProcessImage"]["Branches"][0]["States"]["ResizeImage"]["Retry"][-1]
    assert attempts(events, machines["fn:resize"]) == 1 + retrier["MaxAttempts"]
    assert found["status"] == "FAILED"
    assert state_output(events, "NotifyError")["error"]["Error"] == "Hiccup"


def test_a_bad_image_found_later_is_not_retried_either(machines):
    _, events = run(machines["single"], upload("uploads/broken-later.jpg"))
    assert attempts(events, machines["fn:resize"]) == 1
    assert state_output(events, "NotifyError")["notification"]["reason"] == "corrupt"


def test_a_validator_that_returns_invalid_is_stopped_by_the_choice(machines):
    found, events = run(machines["single"], upload("uploads/returns-invalid.jpg"))
    assert found["status"] == "FAILED"
    assert entered(events)[:4] == ["ValidateImage", "ImageValid", "NotValid", "NotifyError"]
    error = state_output(events, "NotValid")["error"]
    assert error["Error"] == "ImageNotValid"
    assert json.loads(error["Cause"])["reason"] == "corrupt"


# -- the batch workflow ------------------------------------------------------------------------
def test_the_batch_processes_every_image_and_keeps_going_after_failures(machines):
    keys = [f"gallery/{i}.jpg" for i in range(5)] + ["gallery/bad.jpg", "gallery/flaky.jpg"]
    found, _ = run(machines["batch"], {"prefix": "gallery/", "keys": keys, "concurrency": 2})
    assert found["status"] == "SUCCEEDED"
    output = json.loads(found["output"])
    results = output["results"]
    assert [r["key"] for r in results] == keys  # one small result per image, in order
    assert all(r["status"] == "SUCCEEDED" for r in results[:5])
    assert [r["reason"] for r in results[5:]] == ["truncated", "S3 was slow to answer"]
    assert set(results[0]) == {
        "imageId",
        "key",
        "status",
        "outputs",
        "originalBytes",
        "outputBytes",
    }  # OutputPath trimmed the rest
    assert output["summary"]["succeeded"] == 5 and output["summary"]["failed"] == 2
    assert output["listing"]["concurrency"] == 2
    # Bounded concurrency: never more than two images in flight, so never more than two
    # execution environments of a step that every image goes through.
    environments = [
        env for env in cloud.status().environments if env["function"] == machines["fn:validate"]
    ]
    assert environments and sum(env["busy"] + env["idle"] for env in environments) <= 2


def test_items_in_a_batch_publish_nothing_of_their_own(machines):
    found, events = run(machines["batch"], {"prefix": "g/", "keys": ["g/bad.jpg"]})
    assert found["status"] == "SUCCEEDED"
    scheduled = [
        json.loads(e["taskScheduledEventDetails"]["parameters"])
        for e in events
        if e["type"] == "TaskScheduled"
    ]
    notify_error = [p for p in scheduled if "error" in p.get("Payload", {})]
    assert notify_error and notify_error[0]["Payload"]["publish"] is False
