"""Geometry of state machine diagrams: every state gets a box, every transition an edge, and
nothing overlaps. The machines below are the kinds the workbook's notebooks draw."""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from workshop_lib.graph import DefinitionError, EdgePath, Layout, NodeBox, StateMachineGraph

LAMBDA = "arn:aws:states:::lambda:invoke"
SNS = "arn:aws:states:::sns:publish"
LAMBDA_RETRY = {
    "ErrorEquals": [
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
}


def _task(resource: str = LAMBDA, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, **fields}


SANTA = {
    "Comment": "Check the list twice: validate, transform, notify; any failure goes to FixIt.",
    "StartAt": "ValidateData",
    "States": {
        "ValidateData": _task(
            Parameters={"FunctionName": "${ValidateDataFunctionArn}", "Payload.$": "$"},
            Retry=[LAMBDA_RETRY],
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "FixIt", "ResultPath": "$.error"}],
            Next="TransformData",
        ),
        "TransformData": _task(
            "${TransformDataFunctionArn}",
            Retry=[LAMBDA_RETRY],
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "FixIt", "ResultPath": "$.error"}],
            Next="Notify",
        ),
        "Notify": _task(
            SNS,
            Parameters={"TopicArn": "${NiceListTopicArn}", "Message.$": "$"},
            Retry=[LAMBDA_RETRY],
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "FixIt", "ResultPath": "$.error"}],
            End=True,
        ),
        "FixIt": _task("${FixItFunctionArn}", Next="NotifyFailure"),
        "NotifyFailure": _task(SNS, Next="Fail"),
        "Fail": {"Type": "Fail", "Error": "ListNotChecked", "Cause": "See the FixIt output."},
    },
}

IMAGE_PROCESSOR = {
    "StartAt": "ValidateImage",
    "States": {
        "ValidateImage": _task(
            ResultPath="$.validation",
            Catch=[{"ErrorEquals": ["States.ALL"], "Next": "NotifyError"}],
            Next="ImageValid",
        ),
        "ImageValid": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.validation.isValid", "BooleanEquals": True, "Next": "ProcessImage"}
            ],
            "Default": "NotifyError",
        },
        "ProcessImage": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "ResizeImage", "States": {"ResizeImage": _task(End=True)}},
                {"StartAt": "ApplyFilters", "States": {"ApplyFilters": _task(End=True)}},
            ],
            "ResultPath": "$.processed",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "NotifyError"}],
            "Next": "OptimizeImage",
        },
        "OptimizeImage": _task(
            Retry=[{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 2}],
            Catch=[{"ErrorEquals": ["States.TaskFailed", "States.Timeout"], "Next": "NotifyError"}],
            Next="NotifySuccess",
        ),
        "NotifySuccess": _task(SNS, End=True),
        "NotifyError": _task(SNS, Next="ProcessingFailed"),
        "ProcessingFailed": {"Type": "Fail", "Error": "ImageProcessingFailed"},
    },
}

BATCH_MAP = {
    "StartAt": "ListOrders",
    "States": {
        "ListOrders": _task("arn:aws:states:::aws-sdk:s3:listObjectsV2", Next="ProcessOrders"),
        "ProcessOrders": {
            "Type": "Map",
            "ItemsPath": "$.Contents",
            "MaxConcurrency": 4,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "ReadOrder",
                "States": {
                    "ReadOrder": _task(Next="FanOut"),
                    "FanOut": {
                        "Type": "Parallel",
                        "Branches": [
                            {"StartAt": "ChargeCard", "States": {"ChargeCard": _task(End=True)}},
                            {
                                "StartAt": "ReserveStock",
                                "States": {
                                    "ReserveStock": _task(
                                        "arn:aws:states:::dynamodb:updateItem", Next="Reserved"
                                    ),
                                    "Reserved": {"Type": "Succeed"},
                                },
                            },
                        ],
                        "End": True,
                    },
                },
            },
            "Next": "Summarise",
        },
        "Summarise": _task(End=True),
    },
}

POLLING_LOOP = {
    "StartAt": "SubmitJob",
    "States": {
        "SubmitJob": _task(Next="WaitForJob"),
        "WaitForJob": {"Type": "Wait", "Seconds": 10, "Next": "GetJobStatus"},
        "GetJobStatus": _task(Next="JobFinished"),
        "JobFinished": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.status", "StringEquals": "FAILED", "Next": "JobFailed"},
                {"Variable": "$.status", "StringEquals": "SUCCEEDED", "Next": "GetResult"},
            ],
            "Default": "WaitForJob",
        },
        "JobFailed": {"Type": "Fail", "Error": "JobFailed"},
        "GetResult": {"Type": "Pass", "End": True},
    },
}

# Parallel in Map in Parallel, with the older `Iterator` spelling and a loop inside a branch.
NESTED = {
    "StartAt": "PerAccount",
    "States": {
        "PerAccount": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "PerRegion",
                    "States": {
                        "PerRegion": {
                            "Type": "Map",
                            "MaxConcurrency": 2,
                            "Iterator": {
                                "StartAt": "Scan",
                                "States": {
                                    "Scan": {
                                        "Type": "Parallel",
                                        "Branches": [
                                            {
                                                "StartAt": "ScanBuckets",
                                                "States": {
                                                    "ScanBuckets": _task(Next="Tally"),
                                                    "Tally": {"Type": "Pass", "End": True},
                                                },
                                            },
                                            {
                                                "StartAt": "ScanQueues",
                                                "States": {"ScanQueues": _task(End=True)},
                                            },
                                        ],
                                        "End": True,
                                    }
                                },
                            },
                            "End": True,
                        }
                    },
                },
                {
                    "StartAt": "Audit",
                    "States": {
                        "Audit": _task(Next="AuditDone"),
                        "AuditDone": {
                            "Type": "Choice",
                            "Choices": [
                                {"Variable": "$.pending", "IsPresent": True, "Next": "Audit"}
                            ],
                            "Default": "Logged",
                        },
                        "Logged": {"Type": "Succeed"},
                    },
                },
            ],
            "Next": "Report",
        },
        "Report": _task(End=True),
    },
}

# Three ways in, one way out, a self-loop through Catch, a loop back to the top, an orphan.
CONVERGING = {
    "StartAt": "Route",
    "States": {
        "Route": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.kind", "StringEquals": "a", "Next": "DoA"},
                {"Variable": "$.kind", "StringEquals": "b", "Next": "DoB"},
                {"Variable": "$.kind", "StringEquals": "c", "Next": "Merge"},
            ],
            "Default": "DoD",
        },
        "DoA": _task(Next="Merge"),
        "DoB": _task(Next="DoBAgain"),
        "DoBAgain": _task(Next="Merge"),
        "DoD": _task(Next="Merge"),
        "Merge": _task(Catch=[{"ErrorEquals": ["Throttled"], "Next": "Merge"}], Next="Again"),
        "Again": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $states.input.again %}", "Next": "Route"}],
            "Default": "Stop",
        },
        "Stop": {"Type": "Succeed"},
        "Orphan": {"Type": "Pass", "Next": "Stop"},
    },
}

MACHINES = {
    "santa": SANTA,
    "image_processor": IMAGE_PROCESSOR,
    "batch_map": BATCH_MAP,
    "polling_loop": POLLING_LOOP,
    "nested": NESTED,
    "converging": CONVERGING,
}


def layout_of(definition: Mapping[str, Any]) -> Layout:
    return StateMachineGraph(definition).layout


def asl_transitions(definition: Mapping[str, Any], start: str, end: str) -> Counter:
    """Every transition written in the ASL, as (source, target, kind), read straight from the
    JSON. A branch's start and end are its container."""
    found: Counter = Counter()

    def walk(flow: Mapping[str, Any], begin: str, finish: str) -> None:
        found[(begin, flow["StartAt"], "start")] += 1
        for name, state in flow["States"].items():
            if "Next" in state:
                found[(name, state["Next"], "next")] += 1
            for rule in state.get("Choices", []):
                found[(name, rule["Next"], "choice")] += 1
            if "Default" in state:
                found[(name, state["Default"], "default")] += 1
            for catcher in state.get("Catch", []):
                found[(name, catcher["Next"], "catch")] += 1
            if state.get("End") or state["Type"] in ("Succeed", "Fail"):
                found[(name, finish, "end")] += 1
            for branch in state.get("Branches", []):
                walk(branch, name, name)
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                walk(processor, name, name)

    walk(definition, start, end)
    return found


def asl_states(definition: Mapping[str, Any]) -> Iterator[tuple[str, str, str | None]]:
    """(name, type, parent container) for every state, nested ones included."""

    def walk(flow: Mapping[str, Any], parent: str | None) -> Iterator[tuple[str, str, str | None]]:
        for name, state in flow["States"].items():
            yield name, state["Type"], parent
            for branch in state.get("Branches", []):
                yield from walk(branch, name)
            processor = state.get("ItemProcessor") or state.get("Iterator")
            if processor:
                yield from walk(processor, name)

    return walk(definition, None)


def ancestors(layout: Layout, node: NodeBox) -> set[str]:
    found = set()
    while node.parent is not None:
        found.add(node.parent)
        node = layout.node(node.parent)
    return found


def label_box(edge: EdgePath) -> NodeBox:
    assert edge.label_center is not None
    cx, cy = edge.label_center
    return NodeBox(
        "label", "label", "label", cx - edge.label_width / 2, cy - 9, edge.label_width, 18
    )


def on_border(point: tuple[float, float], box: NodeBox, sides: str) -> bool:
    x, y = point
    near = 0.51
    checks = {
        "top": abs(y - box.y) < near and box.x - near <= x <= box.right + near,
        "bottom": abs(y - box.bottom) < near and box.x - near <= x <= box.right + near,
        "right": abs(x - box.right) < near and box.y - near <= y <= box.bottom + near,
    }
    return any(checks[side] for side in sides.split())


@pytest.mark.parametrize("name", MACHINES)
def test_every_state_has_one_box_of_its_type_in_its_container(name: str) -> None:
    layout = layout_of(MACHINES[name])
    drawn = {(n.name, n.kind, n.parent) for n in layout.states}
    assert drawn == set(asl_states(MACHINES[name]))
    assert len(layout.states) == len(drawn)


@pytest.mark.parametrize("name", MACHINES)
def test_every_transition_is_drawn_once(name: str) -> None:
    layout = layout_of(MACHINES[name])
    drawn = Counter((e.source, e.target, e.kind) for e in layout.edges)
    assert drawn == asl_transitions(MACHINES[name], layout.start.key, layout.end.key)


@pytest.mark.parametrize("name", MACHINES)
def test_no_two_boxes_overlap_unless_one_holds_the_other(name: str) -> None:
    layout = layout_of(MACHINES[name])
    for a, b in itertools.combinations(layout.nodes, 2):
        if a.key in ancestors(layout, b) or b.key in ancestors(layout, a):
            continue
        assert not a.overlaps(b), f"{a.name} overlaps {b.name}"


@pytest.mark.parametrize("name", MACHINES)
def test_every_container_encloses_its_children(name: str) -> None:
    layout = layout_of(MACHINES[name])
    for node in layout.nodes:
        if node.parent is not None:
            assert layout.node(node.parent).contains(node), f"{node.name} sticks out"


@pytest.mark.parametrize("name", MACHINES)
def test_edge_labels_cover_no_box_and_no_other_label(name: str) -> None:
    layout = layout_of(MACHINES[name])
    labelled = [e for e in layout.edges if e.label]
    assert all(e.label_center is not None for e in labelled)
    for edge in labelled:
        pill = label_box(edge)
        holders = set() if edge.parent is None else {edge.parent}
        if edge.parent is not None:
            holders |= ancestors(layout, layout.node(edge.parent))
        for node in layout.nodes:
            if node.key not in holders:
                assert not pill.overlaps(node), f"label {edge.label!r} covers {node.name}"
    for a, b in itertools.combinations(labelled, 2):
        assert not label_box(a).overlaps(label_box(b)), f"{a.label!r} and {b.label!r}"


@pytest.mark.parametrize("name", MACHINES)
def test_edges_leave_and_enter_at_box_borders(name: str) -> None:
    layout = layout_of(MACHINES[name])
    boxes = {n.key: n for n in layout.nodes}
    for edge in layout.edges:
        branch_start = edge.kind == "start" and edge.source in boxes and boxes[edge.source].is_state
        if not branch_start:
            assert on_border(edge.points[0], boxes[edge.source], "bottom right"), edge
        if edge.arrow is not None:
            assert edge.points[-1] == edge.arrow[0]
            assert on_border(edge.points[-1], boxes[edge.target], "top right"), edge
        else:  # a branch's last line joins at the bottom of its container
            assert edge.kind == "end" and edge.target == edge.parent
            assert edge.points[-1][1] == pytest.approx(boxes[edge.target].bottom, abs=6)


@pytest.mark.parametrize("name", MACHINES)
def test_the_flow_reads_top_to_bottom(name: str) -> None:
    layout = layout_of(MACHINES[name])
    start, end = layout.start, layout.end
    for node in layout.nodes:
        if node.kind not in ("Start", "End"):
            assert start.bottom < node.y and node.bottom < end.y
    for edge in layout.edges:
        if edge.back or edge.kind in ("start", "end"):
            continue
        source, target = layout.node(edge.source), layout.node(edge.target)
        assert target.y > source.bottom, f"{edge.source} -> {edge.target} points up"


def test_a_polling_loop_goes_back_up_around_the_side() -> None:
    layout = layout_of(POLLING_LOOP)
    ys = [layout.node(name).y for name in ("SubmitJob", "WaitForJob", "GetJobStatus")]
    assert ys == sorted(ys)
    (loop,) = [e for e in layout.edges if e.back]
    assert (loop.source, loop.target, loop.kind) == ("JobFinished", "WaitForJob", "default")
    lane = max(x for x, _ in loop.points)
    passed = [n for n in layout.states if n.y <= layout.node("JobFinished").bottom]
    assert lane > max(n.right for n in passed if n.y >= layout.node("WaitForJob").y)


def test_a_catch_that_retries_its_own_state_is_a_small_loop() -> None:
    layout = layout_of(CONVERGING)
    (own,) = [e for e in layout.edges if e.source == e.target == "Merge"]
    assert own.back and own.kind == "catch" and own.label == "catch: Throttled"
    assert max(x for x, _ in own.points) > layout.node("Merge").right


def test_converging_branches_sit_side_by_side_above_their_meeting_point() -> None:
    layout = layout_of(CONVERGING)
    branches = [layout.node(name) for name in ("DoA", "DoB", "DoD")]
    assert len({round(n.y) for n in branches}) == 1
    assert all(layout.node("Merge").y > n.bottom for n in branches)
    assert layout.node("DoBAgain").y > layout.node("DoB").bottom


def test_unreachable_states_are_still_drawn() -> None:
    layout = layout_of(CONVERGING)
    assert layout.node("Orphan").kind == "Pass"
    assert [e.target for e in layout.edges if e.source == "Orphan"] == ["Stop"]


def test_choice_edges_say_their_condition_and_the_default_says_default() -> None:
    layout = layout_of(IMAGE_PROCESSOR)
    labels = {(e.target, e.kind): e.label for e in layout.edges if e.source == "ImageValid"}
    assert labels == {
        ("ProcessImage", "choice"): "$.validation.isValid == true",
        ("NotifyError", "default"): "Default",
    }
    polling = {e.target: e.label for e in layout_of(POLLING_LOOP).edges if e.kind == "choice"}
    assert polling == {"JobFailed": '$.status == "FAILED"', "GetResult": '$.status == "SUCCEEDED"'}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"Variable": "$.n", "NumericGreaterThanEquals": 10}, "$.n >= 10"),
        ({"Variable": "$.a", "NumericLessThanPath": "$.b"}, "$.a < $.b"),
        ({"Variable": "$.name", "StringMatches": "img-*.png"}, '$.name matches "img-*.png"'),
        ({"Variable": "$.next", "IsPresent": False}, "$.next is missing"),
        ({"Variable": "$.x", "IsNull": True}, "$.x is null"),
        (
            {
                "And": [
                    {"Variable": "$.ok", "BooleanEquals": True},
                    {
                        "Or": [
                            {"Variable": "$.n", "NumericEquals": 1},
                            {"Variable": "$.m", "IsNumeric": True},
                        ]
                    },
                ]
            },
            "$.ok == true and ($.n == 1 or $.m is a number)",
        ),
        ({"Not": {"Variable": "$.t", "StringEquals": "done"}}, 'not ($.t == "done")'),
        ({"Condition": "{% $states.input.size > 5 %}"}, "$states.input.size > 5"),
    ],
)
def test_choice_rules_read_like_expressions(rule: dict[str, Any], expected: str) -> None:
    machine = {
        "StartAt": "Pick",
        "States": {
            "Pick": {"Type": "Choice", "Choices": [{**rule, "Next": "Yes"}], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Succeed"},
        },
    }
    (edge,) = [e for e in layout_of(machine).edges if e.kind == "choice"]
    assert edge.label == expected


def test_catch_edges_name_their_errors() -> None:
    layout = layout_of(IMAGE_PROCESSOR)
    catches = {e.source: e for e in layout.edges if e.kind == "catch"}
    assert set(catches) == {"ValidateImage", "ProcessImage", "OptimizeImage"}
    assert "States.ALL" in (catches["ValidateImage"].label or "")
    assert "States.TaskFailed" in (catches["OptimizeImage"].label or "")
    assert catches["OptimizeImage"].detail == "States.TaskFailed, States.Timeout"


def test_retry_policies_show_as_a_badge_on_the_state() -> None:
    layout = layout_of(SANTA)
    badge = layout.node("ValidateData").retry or ""
    assert "Lambda.ServiceException" in badge and "×6" in badge
    assert layout.node("FixIt").retry is None
    assert any("up to 6×" in line for line in layout.node("ValidateData").details)


def test_containers_say_what_they_run() -> None:
    layout = layout_of(BATCH_MAP)
    assert "max concurrency 4" in (layout.node("ProcessOrders").caption or "")
    fan_out = layout.node("FanOut")
    assert fan_out.parent == "ProcessOrders" and "2 branches" in (fan_out.caption or "")
    assert len(fan_out.dividers) == 1
    assert layout.node("ChargeCard").right < fan_out.dividers[0] < layout.node("ReserveStock").x


def test_nesting_goes_three_containers_deep() -> None:
    layout = layout_of(NESTED)
    assert layout.depth(layout.node("ScanBuckets")) == 3
    assert [layout.node(n).kind for n in ("PerAccount", "PerRegion", "Scan")] == [
        "Parallel",
        "Map",
        "Parallel",
    ]
    inner_loop = [e for e in layout.edges if e.back]
    assert [(e.source, e.target, e.parent) for e in inner_loop] == [
        ("AuditDone", "Audit", "PerAccount")
    ]


def test_placeholders_from_definition_substitutions_are_just_text() -> None:
    text = json.dumps(SANTA)
    assert "${TransformDataFunctionArn}" in text
    layout = StateMachineGraph(text).layout
    assert layout.node("TransformData").caption == "${TransformDataFunctionArn}"


def test_terminal_nodes_never_clash_with_state_names() -> None:
    machine = {
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Next": "<start>"},
            "<start>": {"Type": "Pass", "Next": "End"},
            "End": {"Type": "Succeed"},
        },
    }
    layout = layout_of(machine)
    keys = [n.key for n in layout.nodes]
    assert len(keys) == len(set(keys)) == 5
    assert layout.start.key not in machine["States"] and layout.end.key not in machine["States"]
    assert layout.node("End").kind == "Succeed"


@pytest.mark.parametrize(
    ("definition", "words"),
    [
        ("{'StartAt': 'A'}", ["not valid JSON", "line 1", "column 2"]),
        ({"Comment": "no states"}, ["StartAt", "States"]),
        ({"StartAt": "B", "States": {"A": {"Type": "Pass", "End": True}}}, ["'B'", "'A'"]),
        ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}, ["'Nowhere'"]),
        ({"StartAt": "A", "States": {"A": {"Type": "Lambda", "End": True}}}, ["'Lambda'", "Task"]),
        ({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": True}}}, ["Branches"]),
        (
            {
                "StartAt": "P",
                "States": {
                    "P": {
                        "Type": "Parallel",
                        "Branches": [{"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}],
                        "End": True,
                    }
                },
            },
            ["'P'", "twice"],
        ),
    ],
)
def test_bad_definitions_get_friendly_errors(definition: Any, words: list[str]) -> None:
    with pytest.raises(DefinitionError) as caught:
        StateMachineGraph(definition)
    assert caught.value.hint
    for word in words:
        assert word in str(caught.value)
