from workshop_lib.lambda_report import LambdaReport, request_id_of, start_line


def test_aws_documented_example_round_trips():
    # AWS's Python logging page: 15.74 ms of handler after a 130.49 ms INIT bills 147 ms.
    report = LambdaReport(
        request_id="c793869b-ee49-115b-a5b6-4fd21e8dedac",
        duration_ms=15.74,
        billed_duration_ms=LambdaReport.billed_ms(15.74, 130.49),
        memory_size_mb=128,
        max_memory_used_mb=56,
        init_duration_ms=130.49,
    )
    assert report.billed_duration_ms == 147
    assert LambdaReport.parse(report.format()) == report
    assert report.cold_start


def test_parses_space_separated_lines_without_init():
    line = (
        "REPORT RequestId: 3604209a-e9a3-11e6-939a-754dd98c7be3  Duration: 12.34 ms  "
        "Billed Duration: 13 ms  Memory Size: 1024 MB  Max Memory Used: 18 MB"
    )
    report = LambdaReport.parse(line)
    assert report is not None
    assert report.duration_ms == 12.34
    assert report.memory_size_mb == 1024
    assert not report.cold_start


def test_status_fields_and_non_report_lines():
    report = LambdaReport(
        "id-1234567", 3000.0, 3000, 128, 40, status="timeout", error_type="Sandbox.Timedout"
    )
    parsed = LambdaReport.parse(report.format())
    assert parsed is not None and parsed.status == "timeout"
    assert parsed.error_type == "Sandbox.Timedout"
    assert LambdaReport.parse("START RequestId: x Version: $LATEST") is None


def test_billing_rounds_up_to_the_millisecond():
    assert LambdaReport.billed_ms(0.2) == 1
    assert LambdaReport.billed_ms(27.0) == 27
    assert LambdaReport.billed_ms(27.01) == 28


def test_request_id_of_platform_lines():
    rid = "8f5be5a3-2e8a-4a3e-9a6e-0c3e1f2b4d5c"
    assert request_id_of(start_line(rid, "$LATEST")) == rid
    assert request_id_of("hello world") is None
