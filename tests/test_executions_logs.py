"""Grouping Lambda log lines by request and pairing them with Task attempts (synthetic logs)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workshop_lib.executions import Attempt
from workshop_lib.executions._logs import group_by_request, pair_attempts
from workshop_lib.lambda_report import LambdaReport, end_line, start_line

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"


def at(seconds: float) -> int:
    return int((T0 + timedelta(seconds=seconds)).timestamp() * 1000)


def report(request_id: str, init: float | None = None) -> str:
    return LambdaReport(request_id, 3.0, 4, 128, 40, init_duration_ms=init).format()


def line(stream: str, seconds: float, message: str) -> dict:
    return {"logStreamName": stream, "timestamp": at(seconds), "message": message}


def test_lines_are_grouped_by_request_even_when_streams_interleave():
    events = [
        line("env-1", 0.00, "INIT_START Runtime Version: python:3.12"),
        line("env-1", 0.00, "loading the model at import time"),
        line("env-1", 0.10, start_line(A, "$LATEST")),
        line("env-2", 0.11, start_line(B, "$LATEST")),
        line("env-1", 0.12, "resizing cat.jpg"),  # a plain print: env-1 is busy with A
        line("env-2", 0.12, f"[INFO]\t2026-03-01T12:00:00.120Z\t{B}\tresizing dog.png"),
        line("env-2", 0.13, "plain line from B"),
        line("env-1", 0.14, end_line(A)),
        line("env-1", 0.14, report(A, init=95.0)),
        line("env-2", 0.15, end_line(B)),
        line("env-2", 0.15, report(B)),
        line("env-1", 0.50, start_line(C, "$LATEST")),
        line("env-1", 0.51, "resizing bird.gif"),
        line("env-1", 0.52, report(C)),
    ]
    found = {log.request_id: log for log in group_by_request(events, "resize")}
    assert set(found) == {A, B, C}
    assert found[A].handler_lines == ["resizing cat.jpg"]
    assert [entry.message for entry in found[A].init_lines] == [
        events[0]["message"],
        "loading the model at import time",
    ]
    assert found[A].report.cold_start and found[A].report.init_duration_ms == 95.0
    assert found[B].handler_lines == [events[5]["message"], "plain line from B"]
    assert found[B].init_lines == [] and not found[B].report.cold_start
    assert found[C].handler_lines == ["resizing bird.gif"]


def attempt(number: int, start: float, end: float, request_id: str | None = None) -> Attempt:
    return Attempt(
        number=number,
        started=T0 + timedelta(seconds=start),
        ended=T0 + timedelta(seconds=end),
        request_id=request_id,
    )


def test_attempts_pair_by_request_id_first_then_by_the_closest_start():
    events = [
        line("env-1", 1.00, start_line(A, "1")),
        line("env-1", 1.20, report(A)),
        line("env-2", 1.05, start_line(B, "1")),
        line("env-2", 1.30, report(B)),
        line("env-1", 9.00, start_line(C, "1")),
        line("env-1", 9.10, report(C)),
    ]
    logs = group_by_request(events, "resize")
    by_id = attempt(1, 0.99, 1.4, request_id=B)  # the history named its request
    by_time = attempt(1, 0.99, 1.4)
    too_late = attempt(2, 3.0, 3.5)  # nothing started near it
    pairs = pair_attempts([by_id, by_time, too_late], logs)
    assert pairs[by_id].request_id == B
    assert pairs[by_time].request_id == A
    assert too_late not in pairs


def test_a_throttled_attempt_ran_no_code_so_it_takes_no_invoke():
    refused = Attempt(
        number=1,
        started=T0,
        ended=T0 + timedelta(seconds=0.1),
        status="FAILED",
        error="Lambda.TooManyRequestsException",
        cause="Rate Exceeded.",
    )
    failed = Attempt(number=1, started=T0, status="FAILED", error="ConnectionError")
    assert refused.throttled and not failed.throttled
