"""Architecture diagrams from the SAM templates: which services, which arrows, which IAM
permission each arrow needs, and a self-contained SVG."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from workshop_lib.cli import main
from workshop_lib.diagram import ArchitectureDiagram
from workshop_lib.errors import WorkshopError
from workshop_lib.paths import DOCS

SVG = "{http://www.w3.org/2000/svg}"


def _arrow(diagram: ArchitectureDiagram, source: str, target: str) -> object:
    arrow = diagram.architecture.arrow(source, target)
    assert arrow is not None, f"no arrow between {source} and {target}"
    return arrow


def test_santa_shows_the_event_flow_with_its_permissions() -> None:
    diagram = ArchitectureDiagram.for_app("santa")
    services = diagram.architecture.services
    assert {key: s.kind for key, s in services.items()} == {
        "InputBucket": "S3 bucket",
        "OutputBucket": "S3 bucket",
        "Topic": "SNS topic",
        "TriggerFunction": "Lambda function",
        "ValidateFunction": "Lambda function",
        "TransformFunction": "Lambda function",
        "FixItFunction": "Lambda function",
        "NotifyFunction": "Lambda function",
        "SantaStateMachine": "State machine",
        "ApprovalQueue": "SQS queue",
    }
    upload = _arrow(diagram, "InputBucket", "TriggerFunction")
    assert (upload.source, upload.target, upload.trigger) == (
        "InputBucket",
        "TriggerFunction",
        True,
    )
    assert upload.label == "ObjectCreated uploads/"
    assert "s3.amazonaws.com" in upload.permissions[0]
    start = _arrow(diagram, "TriggerFunction", "SantaStateMachine")
    assert start.label == "starts"
    assert start.permissions == ["states:StartExecution (StepFunctionsExecutionPolicy)"]
    for function in ("Validate", "Transform", "Notify", "FixIt"):
        invoke = _arrow(diagram, "SantaStateMachine", f"{function}Function")
        assert invoke.source == "SantaStateMachine"
        assert invoke.permissions == ["lambda:InvokeFunction (LambdaInvokePolicy)"]
    read = _arrow(diagram, "InputBucket", "ValidateFunction")
    assert (read.source, read.label, read.both_ways) == ("InputBucket", "reads", False)
    assert "s3:PutObject" not in read.permissions[0] and "s3:GetObject" in read.permissions[0]
    quarantine = _arrow(diagram, "FixItFunction", "InputBucket")
    assert quarantine.both_ways and "s3:DeleteObject" in quarantine.permissions[0]
    assert _arrow(diagram, "NotifyFunction", "Topic").permissions == [
        "sns:Publish (SNSPublishMessagePolicy)"
    ]
    assert diagram.architecture.arrow("ValidateFunction", "Topic") is None
    # The approval step's direct integrations: exactly one action each, on one resource.
    assert _arrow(diagram, "SantaStateMachine", "ApprovalQueue").permissions == [
        "sqs:SendMessage (inline statement)"
    ]
    assert _arrow(diagram, "SantaStateMachine", "Topic").label == "publishes"


def test_images_reads_inline_statements_and_tables() -> None:
    diagram = ArchitectureDiagram.for_app("images")
    listing = _arrow(diagram, "InputBucket", "ListImagesFunction")
    assert listing.label == "lists"
    assert listing.permissions == ["s3:ListBucket, s3:ListBucketVersions (inline statement)"]
    table = _arrow(diagram, "ValidateFunction", "TrackingTable")
    assert table.both_ways and "dynamodb:PutItem" in table.permissions[0]
    assert _arrow(diagram, "BatchStateMachine", "NotifyBatchFunction").label == "invokes"
    assert diagram.architecture.arrow("ImageStateMachine", "NotifyBatchFunction") is None


def test_the_svg_is_self_contained_and_explains_each_arrow_on_hover() -> None:
    diagram = ArchitectureDiagram.for_app("santa")
    svg = diagram.to_svg()
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert "<script" not in svg and "href" not in svg and "@import" not in svg
    titles = [element.text or "" for element in root.iter(f"{SVG}title")]
    for arrow in diagram.architecture.arrows:
        assert arrow.tooltip() in titles
    assert any("IAM: states:StartExecution" in title for title in titles)
    # Left to right as events flow: bucket, trigger, state machine, its functions, the topic.
    xs = {}
    for group in root.iter(f"{SVG}g"):
        title = group.find(f"{SVG}title")
        rect = group.find(f"{SVG}rect")
        if title is not None and rect is not None and ": " in (title.text or ""):
            xs[title.text.split(": ", 1)[1]] = float(rect.get("x", "0"))
    order = ["InputBucket", "TriggerFunction", "SantaStateMachine", "NotifyFunction", "Topic"]
    assert [xs[key] for key in order] == sorted(xs[key] for key in order)
    assert len(set(xs[key] for key in order)) == len(order)


def test_a_template_with_a_queue(tmp_path: Path) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(
        """
Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::SQS::Queue
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Events:
        Order:
          Type: SQS
          Properties:
            Queue: !GetAtt Orders.Arn
  Producer:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.produce
      Policies:
        - SQSSendMessagePolicy:
            QueueName: !GetAtt Orders.QueueName
""",
        encoding="utf-8",
    )
    diagram = ArchitectureDiagram.from_file(template, title="orders")
    consume = _arrow(diagram, "Orders", "Worker")
    assert consume.trigger and "sqs:ReceiveMessage" in consume.permissions[0]
    produce = _arrow(diagram, "Producer", "Orders")
    assert (produce.source, produce.label) == ("Producer", "sends")
    assert produce.permissions == ["sqs:SendMessage* (SQSSendMessagePolicy)"]
    ET.fromstring(diagram.to_svg())


def test_in_a_notebook_it_shows_as_svg() -> None:
    bundle = ArchitectureDiagram.for_app("images")._repr_mimebundle_()
    assert bundle["image/svg+xml"].startswith("<svg")
    # Inline in HTML, so hovering an arrow shows its IAM permission in JupyterLab too, inside
    # an element JupyterLab's maths renderer leaves alone.
    outer = bundle["text/html"].split(">", 1)[0]
    assert "mathjax_ignore" in outer and bundle["image/svg+xml"] in bundle["text/html"]
    assert re.match(
        r"<ArchitectureDiagram 'images: architecture': 17 services", bundle["text/plain"]
    )


def test_workshop_diagram_writes_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "santa.svg"
    assert main(["diagram", "santa", "-o", str(out)]) == 0
    assert "10 services" in capsys.readouterr().err
    ET.fromstring(out.read_text(encoding="utf-8"))
    assert main(["diagram", "no-such-app"]) == 1
    assert "no application called 'no-such-app'" in capsys.readouterr().err
    with pytest.raises(WorkshopError, match=r"\.svg"):
        ArchitectureDiagram.for_app("santa").save(tmp_path / "santa.png")


@pytest.mark.parametrize("app", ["santa", "images"])
def test_the_instructor_guide_shows_the_current_diagrams(app: str) -> None:
    shown = DOCS / "architecture" / f"{app}.svg"
    assert shown.read_text(encoding="utf-8") == ArchitectureDiagram.for_app(app).to_svg(), (
        f"Run `workshop diagram {app} -o docs/architecture/{app}.svg` and commit it."
    )


def test_in_a_notebook_a_wide_diagram_also_shows_at_a_readable_size() -> None:
    diagram = ArchitectureDiagram.for_app("santa")
    svg = diagram.to_svg()
    width = float(re.search(r'<svg[^>]*\swidth="([0-9.]+)"', svg).group(1))
    shown = diagram._repr_mimebundle_()["text/html"]
    # Fitted to the output as an overview, then under "Full size" no narrower than a notebook's
    # output (~950 px) shrinks it to, in a box that scrolls sideways: 13 px names stay >= 10 px.
    fitted, full = shown.split("<details>")
    assert svg in fitted and svg in full and "overflow-x:auto" in full
    least = float(re.search(r"min-width:([0-9.]+)px", full).group(1))
    assert 950 < least < width and least >= width * 0.75
