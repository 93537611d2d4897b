"""A burst on a small machine: a class uploads at once. Every valid list is stamped and every
bad one is quarantined with its real reason; none is quarantined because the machine was busy
(a slow cold start or a throttle is retried, never blamed on the list)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from workshop_lib import clients, santa
from workshop_lib.deploy import Stack, deploy, destroy

pytestmark = pytest.mark.cloud

GOOD_COPIES = 120
BAD = sorted(path.name for path in santa.DATA.glob("bad_*.json"))


@pytest.fixture(scope="module")
def stack(local_cloud) -> Iterator[Stack]:
    destroy("santa")
    deployed = deploy("santa")
    yield deployed
    destroy("santa")


def _wait_until_all_ended(stack: Stack, expected: int, timeout_s: float) -> list[dict]:
    sfn = clients.client("stepfunctions")
    deadline = time.monotonic() + timeout_s
    while True:
        executions = [
            e
            for page in sfn.get_paginator("list_executions").paginate(
                stateMachineArn=stack["StateMachineArn"]
            )
            for e in page["executions"]
        ]
        ended = [e for e in executions if e["status"] != "RUNNING"]
        if len(ended) >= expected or time.monotonic() > deadline:
            return executions
        time.sleep(1)


def test_a_burst_of_lists_ends_with_every_list_where_it_belongs(stack: Stack) -> None:
    good_body = (santa.DATA / "good_list.json").read_bytes()
    uploads: list[tuple[str, bytes]] = [
        (f"burst-{i:03d}.json", good_body) for i in range(GOOD_COPIES)
    ] + [(f"burst-{name}", (santa.DATA / name).read_bytes()) for name in BAD]

    with ThreadPoolExecutor(max_workers=24) as pool:  # all at once, as a class would
        done = list(pool.map(lambda item: santa.upload_list(stack, item[1], item[0]), uploads))
    assert all(upload.starts_workflow for upload in done)

    executions = _wait_until_all_ended(stack, len(uploads), timeout_s=420)
    statuses = {e["name"]: e["status"] for e in executions}
    assert len(statuses) == len(uploads), "every upload starts exactly one execution"
    assert "RUNNING" not in statuses.values(), "the burst did not finish in time"

    by_key = {upload.key: upload for upload in done}
    rejected = {entry.original_key: entry for entry in santa.quarantine(stack)}
    bad_keys = {by_key[k].key for k in by_key if k.endswith(tuple(BAD))}
    # Nothing valid is quarantined, whatever the load; every bad list is, for its own reason.
    assert set(rejected) == bad_keys, sorted(set(rejected) ^ bad_keys)
    assert {entry.error for entry in rejected.values()} == {"ListValidationError"}
    good_runs = [statuses[u.execution_name] for u in done if u.key not in bad_keys]
    assert good_runs == ["SUCCEEDED"] * GOOD_COPIES
    assert len(santa.output_keys(stack)) == GOOD_COPIES
