"""`workshop cost lambda` and `workshop cost stepfunctions`."""

from __future__ import annotations

import argparse
import json

import pytest

from workshop_lib.costs import stepfunctions_cost
from workshop_lib.costs._cli import register
from workshop_lib.errors import WorkshopError


def _run(argv: list[str]) -> int:
    # The same wiring as workshop_lib.cli, with only this module's commands.
    parser = argparse.ArgumentParser(prog="workshop")
    register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


def _json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict:
    assert _run([*argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_lambda_json_reproduces_aws_example(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "lambda", "--memory", "1024", "--duration-ms", "28", "--invocations", "60e6"]
    data = _json(argv, capsys)
    assert round(data["request_cost"], 2) == 12.00
    assert round(data["duration_cost"], 2) == 28.00
    assert round(data["total_cost"], 2) == 40.00
    assert data["free_tier"] is False
    assert data["currency"] == "USD"


def test_lambda_free_tier_only_with_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "lambda", "--memory", "128", "--duration-ms", "100", "--invocations", "2000000"]
    without = _json(argv, capsys)
    with_free = _json([*argv, "--free-tier"], capsys)
    assert without["billable_requests"] == 2_000_000
    assert with_free["billable_requests"] < without["billable_requests"]
    assert with_free["total_cost"] < without["total_cost"]


def test_lambda_arch_flag(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "lambda", "--memory", "1024", "--duration-ms", "100", "--invocations", "1e6"]
    x86 = _json(argv, capsys)
    arm = _json([*argv, "--arch", "arm64"], capsys)
    assert arm["arch"] == "arm64"
    assert arm["duration_cost"] < x86["duration_cost"]


def test_stepfunctions_json_total_matches_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    standard = _json(
        [
            "cost",
            "stepfunctions",
            "--type",
            "standard",
            "--executions",
            "1_000_000",
            "--transitions",
            "12",
        ],
        capsys,
    )
    expected = stepfunctions_cost("standard", 1_000_000, transitions=12).total_cost
    assert standard["total_cost"] == pytest.approx(expected)
    express = _json(
        [
            "cost",
            "stepfunctions",
            "--type",
            "express",
            "--executions",
            "1e6",
            "--duration-ms",
            "150",
            "--memory-mb",
            "70",
        ],
        capsys,
    )
    assert express["billed_memory_mb"] == 128
    assert express["total_cost"] == pytest.approx(
        stepfunctions_cost("express", 1e6, duration_ms=150, memory_mb=70).total_cost
    )


def test_plain_output_is_a_readable_table(capsys: pytest.CaptureFixture[str]) -> None:
    _run(["cost", "lambda", "--memory", "1024", "--duration-ms", "28", "--invocations", "60000000"])
    out = capsys.readouterr().out
    for label in ("request_cost", "duration_cost", "total_cost", "$40.00"):
        assert label in out
    _run(
        ["cost", "stepfunctions", "--type", "standard", "--executions", "10", "--transitions", "5"]
    )
    assert "total_cost" in capsys.readouterr().out


def test_missing_express_duration_is_a_workshop_error() -> None:
    # workshop_lib.cli.main turns WorkshopError into a message and exit code 1.
    with pytest.raises(WorkshopError) as caught:
        _run(["cost", "stepfunctions", "--type", "express", "--executions", "10"])
    assert caught.value.hint


def test_bad_numbers_are_rejected_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        _run(["cost", "lambda", "--memory", "1024", "--duration-ms", "5", "--invocations", "many"])
    assert "not a number" in capsys.readouterr().err


def test_cost_without_a_subcommand_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["cost"]) == 2
    assert "stepfunctions" in capsys.readouterr().out
