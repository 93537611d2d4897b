"""`workshop graph FILE.asl.json -o out.svg`."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_graph_layout import POLLING_LOOP, SANTA

from workshop_lib.cli import main


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_graph_writes_an_svg_of_the_machine(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = write(tmp_path, "santa.asl.json", json.dumps(SANTA, indent=2))
    out = tmp_path / "santa.svg"
    assert main(["graph", str(source), "-o", str(out)]) == 0
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    assert root.get("aria-label") == "santa.asl.json"
    assert "FixIt" in out.read_text(encoding="utf-8")
    assert "6 states" in capsys.readouterr().err


def test_graph_prints_the_svg_without_an_output_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    source = write(tmp_path, "poll.asl.json", json.dumps(POLLING_LOOP))
    assert main(["graph", str(source), "--title", "Polling"]) == 0
    root = ET.fromstring(capsys.readouterr().out)
    assert root.get("aria-label") == "Polling"


def test_graph_can_write_a_png(tmp_path: Path) -> None:
    source = write(tmp_path, "poll.asl.json", json.dumps(POLLING_LOOP))
    out = tmp_path / "poll.png"
    assert main(["graph", str(source), "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_sam_placeholders_inside_strings_are_fine(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "StartAt": "Resize",
            "States": {"Resize": {"Type": "Task", "Resource": "${ResizeFunctionArn}", "End": True}},
        }
    )
    out = tmp_path / "resize.svg"
    assert main(["graph", str(write(tmp_path, "r.asl.json", text)), "-o", str(out)]) == 0
    assert "${ResizeFunctionArn}" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        (
            '{\n  "StartAt": "A",\n  "States": {\n    "A": {"Type": "Pass" "End": true}\n  }\n}',
            ["line 4", "column"],
        ),
        (
            '{"StartAt": "A", "States": {"A": {"Type": "Wait", "Seconds": ${Delay}, "End": true}}}',
            ["line 1", "${Placeholder}"],
        ),
        (
            '{"Resources": {"Queue": {"Type": "AWS::SQS::Queue"}}}',
            ["not a state machine", "StartAt"],
        ),
        ("[1, 2, 3]", ["not a state machine"]),
    ],
)
def test_bad_files_get_a_friendly_error(
    tmp_path: Path, capsys: pytest.CaptureFixture, text: str, words: list[str]
) -> None:
    source = write(tmp_path, "bad.asl.json", text)
    out = tmp_path / "bad.svg"
    assert main(["graph", str(source), "-o", str(out)]) == 1
    error = capsys.readouterr().err
    assert "bad.asl.json" in error and "What to do:" in error
    for word in words:
        assert word in error
    assert not out.exists()


def test_a_missing_file_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["graph", str(tmp_path / "nope.asl.json")]) == 1
    assert "nope.asl.json" in capsys.readouterr().err


def test_an_unknown_output_type_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    source = write(tmp_path, "poll.asl.json", json.dumps(POLLING_LOOP))
    assert main(["graph", str(source), "-o", str(tmp_path / "poll.gif")]) == 1
    assert ".svg" in capsys.readouterr().err
