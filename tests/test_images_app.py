"""workshop_lib.images_app: the notebooks' helpers for the image processor.

Driving the deployed app (upload, wait, batch) is exercised end to end in test_image_e2e.py;
here are the parts a notebook reader sees: names, reports and tables.
"""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import quote_plus

import pytest

from workshop_lib.gallery import sample_bytes, sample_manifest
from workshop_lib.images_app import (
    ImageApp,
    ImageAppError,
    ImageRun,
    ImageRuns,
    TrackingRecord,
    TrackingTable,
    Upload,
    image_id,
    lambda_code,
    validation_report,
)
from workshop_lib.images_app._code import upload_naming

FILES = sample_manifest()["files"]


def test_the_notebooks_name_an_upload_as_the_trigger_does():
    key = "uploads/Fête de Noël — photo 1.jpg"
    naming = upload_naming()
    record = {
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": "in"}, "object": {"key": quote_plus(key), "versionId": "v7"}},
    }
    (upload,), _ = naming.read_records({"Records": [record]}, "uploads/")
    assert image_id("in", key, "v7") == upload.image_id
    assert image_id("in", key, "v8") != upload.image_id


def test_validation_report_reads_every_shape_of_result():
    code = lambda_code()
    results = {}
    for name in ("rocket.jpg", "truncated.jpg", "empty.jpg"):
        try:
            results[name] = code.stages.describe_upload(sample_bytes(name))
        except code.imaging.InvalidImageError as error:
            results[name] = error
    # A Lambda invoke's error payload, as wl.invoke returns it.
    results["corrupt.png"] = SimpleNamespace(
        payload={"errorType": "InvalidImageError", "errorMessage": "corrupt: damaged data"}
    )
    # A result that contradicts the manifest must not be ticked.
    results["not_an_image.jpg"] = {"valid": True, "format": "JPEG"}
    report = validation_report(results)
    assert [(o.file, o.got) for o in report] == [
        ("rocket.jpg", "valid"),
        ("truncated.jpg", "truncated"),
        ("empty.jpg", "empty_file"),
        ("corrupt.png", "corrupt"),
        ("not_an_image.jpg", "valid"),
    ]
    assert [o.as_expected for o in report] == [True, True, True, True, False]
    assert not report.all_as_expected
    assert "JPEG 640×427 landscape" in report[0].detail
    page = report._repr_html_()
    assert "4 of 5 as expected" in page and "✘" in page


def record(name: str, status: str, **extra) -> TrackingRecord:
    return TrackingRecord(
        {"imageId": f"img-{name}", "sourceKey": f"uploads/{name}", "status": status, **extra}
    )


def test_the_tracking_table_shows_stages_results_and_reasons():
    table = TrackingTable(
        [
            record(
                "a <b>.jpg",
                "SUCCEEDED",
                bytes=2048,
                stages={
                    "validate": {"status": "SUCCEEDED", "ms": 12},
                    "resize": {"status": "SUCCEEDED", "ms": 340},
                },
                outputs=[{"bytes": 1024}, {"bytes": 512}],
            ),
            record(
                "b.jpg",
                "FAILED",
                stages={"validate": {"status": "FAILED", "ms": 3}},
                error={"reason": "truncated", "message": "stops early"},
            ),
        ]
    )
    assert table.by_status() == {"SUCCEEDED": 1, "FAILED": 1}
    assert table.find("img-b.jpg").reason == "truncated"
    first, second = (row for row in str(table).splitlines()[1:])
    assert "✔ 340 ms" in first and "2 files" in first and "1.0 KB" in first
    assert "✘ 3 ms" in second and "truncated" in second
    page = table._repr_html_()
    assert "a &lt;b&gt;.jpg" in page and "<b>.jpg" not in page
    assert "2 records (1 FAILED, 1 SUCCEEDED)" in page
    # A stage's mark and time stay on one line in a squeezed table; the reason may wrap.
    assert "<span style='white-space:nowrap'>✔ 340 ms</span>" in page
    assert "<td>truncated</td>" in page


def test_a_list_of_runs_says_how_much_smaller_or_larger():
    upload = Upload("in", "uploads/x.png", "v1", "img-x", data=b"x" * 1000)
    smaller = ImageRun(
        upload,
        "arn:x",
        "SUCCEEDED",
        1.0,
        None,
        record("x.png", "SUCCEEDED", outputs=[{"bytes": 330}]),
    )
    larger = ImageRun(
        upload,
        "arn:y",
        "SUCCEEDED",
        1.0,
        None,
        record("x.png", "SUCCEEDED", outputs=[{"bytes": 1030}]),
    )
    failed = ImageRun(
        upload,
        "arn:z",
        "FAILED",
        0.5,
        None,
        record("x.png", "FAILED", error={"reason": "corrupt", "message": "m"}),
    )
    runs = ImageRuns([smaller, larger, failed])
    assert "67% smaller" in runs[0].summary_row()[2]
    assert "3% larger" in runs[1].summary_row()[2]
    assert (len(runs.succeeded), len(runs.failed)) == (2, 1)
    assert "2 succeeded, 1 failed" in runs._repr_html_()
    assert "corrupt" in failed._repr_html_() and "left untouched" in failed._repr_html_()


def test_asking_for_an_app_that_is_not_deployed_says_what_to_do(local_cloud):
    with pytest.raises(ImageAppError) as caught:
        ImageApp.connect()
    assert "ImageApp.deploy()" in str(caught.value)


def test_uploading_something_that_is_neither_a_sample_nor_a_file_is_explained():
    app = ImageApp.__new__(ImageApp)
    with pytest.raises(ImageAppError, match="neither a sample image nor a file"):
        app.put("holiday.jpg")
    assert "rocket.jpg" in FILES  # the kind of name that works
