"""A step's attempts table shows what is known and names the right invoke (synthetic steps)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from workshop_lib.executions import Attempt
from workshop_lib.executions._html import attempts_html, step_html
from workshop_lib.executions._step import Step
from workshop_lib.lambda_report import LambdaReport

T0 = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)
FAILED_ID = "aaaaaaaa-0000-4000-8000-000000000001"


def _attempts(*, with_report: bool) -> list[Attempt]:
    failed = Attempt(
        number=1,
        started=T0,
        ended=T0 + timedelta(seconds=0.2),
        status="FAILED",
        error="Lambda.ServiceException",
        request_id=FAILED_ID,  # a failure's cause carries its request id
    )
    succeeded = Attempt(
        number=2, started=T0 + timedelta(seconds=1), ended=T0 + timedelta(seconds=1.2)
    )
    succeeded.status = "SUCCEEDED"  # a success's output often does not say its request id
    if with_report:
        failed.report = LambdaReport(FAILED_ID, 3.0, 4, 128, 40)
    return [failed, succeeded]


def test_a_succeeded_step_does_not_show_a_failed_attempts_request_id():
    step = Step(name="ValidateData", type="Task", entered=T0, attempts=_attempts(with_report=False))
    assert step.request_id is None
    page = step_html(step)
    assert "request id <code>" not in page  # not in the step's facts
    assert page.count(FAILED_ID) == 1  # only on the failed attempt's own row


def test_the_report_column_appears_only_when_the_logs_were_read():
    without = attempts_html(_attempts(with_report=False))
    assert "Lambda (REPORT)" not in without
    assert "after execution.logs()" in without
    with_logs = attempts_html(_attempts(with_report=True))
    assert "Lambda (REPORT)" in with_logs and "3.0 ms" in with_logs
    assert "after execution.logs()" not in with_logs
