"""The apps' shared front end (workshop_lib.apps): loading Lambda code one way, and the App base
both apps build on (names, upload, wait, the latest execution), against the local cloud with a
one-state machine standing in for a deployed app."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from workshop_lib import clients
from workshop_lib.apps import (
    App,
    AppError,
    LambdaCodeError,
    WorkbookClients,
    load_lambda_module,
    load_lambda_package,
)
from workshop_lib.images_app import ImageApp, ImageAppError
from workshop_lib.santa import SantaApp, SantaError

SHARED_CLIENTS = (
    '"""A stand-in for infra/shared/aws.py."""\n\n\ndef client(service):\n    return service\n'
)


def package(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# -- loading Lambda code --------------------------------------------------------------------------


def test_a_module_imports_its_package_siblings_by_plain_name_as_in_lambda(tmp_path):
    folder = package(
        tmp_path / "one",
        {"app.py": "import helper\n\nVALUE = helper.VALUE\n", "helper.py": "VALUE = 1\n"},
    )
    assert load_lambda_module(folder, name="_apps_test_one").VALUE == 1


def test_two_packages_with_a_module_of_the_same_name_do_not_mix(tmp_path):
    first = package(tmp_path / "a", {"app.py": "import helper\n", "helper.py": "WHO = 'a'\n"})
    second = package(tmp_path / "b", {"app.py": "import helper\n", "helper.py": "WHO = 'b'\n"})
    a = load_lambda_module(first, name="_apps_test_a")
    b = load_lambda_module(second, name="_apps_test_b")
    assert (a.helper.WHO, b.helper.WHO) == ("a", "b")


def test_each_load_reads_the_files_afresh(tmp_path):
    folder = package(tmp_path / "p", {"app.py": "import helper\n", "helper.py": "N = 1\n"})
    assert load_lambda_module(folder, name="_apps_test_p").helper.N == 1
    (folder / "helper.py").write_text("N = 2\n", encoding="utf-8")
    assert load_lambda_module(folder, name="_apps_test_p").helper.N == 2


def test_a_loaded_handler_builds_its_clients_through_the_workbook(tmp_path):
    folder = package(tmp_path / "c", {"app.py": "import aws\n", "aws.py": SHARED_CLIENTS})
    assert load_lambda_module(folder, name="_apps_test_c").aws is WorkbookClients
    own = load_lambda_module(folder, name="_apps_test_c", workbook_clients=False)
    assert own.aws.client("s3") == "s3"  # the package's own aws.py, as in Lambda


def test_modules_of_one_package_share_their_siblings_as_in_one_environment(tmp_path):
    folder = package(
        tmp_path / "pkg",
        {"a.py": "import shared\n", "b.py": "import shared\n", "shared.py": "STATE = []\n"},
    )
    package(folder / "vendor", {"__init__.py": "", "aws.py": SHARED_CLIENTS})
    loaded = load_lambda_package(folder, ["a", "b", "vendor.aws"])
    assert loaded["a"].shared is loaded["b"].shared
    assert loaded["vendor.aws"].client("sns") == "sns"
    assert str(folder) not in sys.path
    with pytest.raises(LambdaCodeError, match="no module 'c'"):
        load_lambda_package(folder, ["a", "c"])


def test_a_missing_module_names_the_ones_there(tmp_path):
    folder = package(tmp_path / "m", {"app.py": ""})
    with pytest.raises(LambdaCodeError, match="Modules there: app"):
        load_lambda_module(folder, "handler")


def test_a_module_that_fails_to_import_leaves_no_half_module_behind(tmp_path):
    folder = package(tmp_path / "f", {"app.py": "raise RuntimeError('broken')\n"})
    with pytest.raises(RuntimeError, match="broken"):
        load_lambda_module(folder, name="_apps_test_broken")
    assert "_apps_test_broken" not in sys.modules
    assert str(folder) not in sys.path


def test_both_apps_load_their_functions_the_same_way():
    validate = SantaApp.load_function("validate")
    stages = ImageApp.load_function("stages", workbook_clients=False)
    assert validate.aws is WorkbookClients and callable(validate.check_list)
    assert callable(stages.process_in_memory)
    with pytest.raises(SantaError, match="no Santa function called 'wrap'"):
        SantaApp.load_function("wrap")


# -- the App base ---------------------------------------------------------------------------------


def test_both_apps_are_apps_with_their_own_errors():
    assert issubclass(SantaApp, App) and issubclass(ImageApp, App)
    assert issubclass(SantaError, AppError) and issubclass(ImageAppError, AppError)
    assert (SantaApp.app, ImageApp.app) == ("santa", "images")


def test_an_app_from_outputs_alone_reads_its_names():
    app = SantaApp(
        {
            "InputBucketName": "in",
            "UploadPrefix": "uploads/",
            "OutputBucketName": "out",
            "StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:santa",
        }
    )
    assert (app.input_bucket, app.upload_prefix, app["OutputBucketName"]) == (
        "in",
        "uploads/",
        "out",
    )
    assert app.outputs["InputBucketName"] == "in"
    assert app.execution_arn("run-1") == (
        "arn:aws:states:us-east-1:123456789012:execution:santa:run-1"
    )


@pytest.fixture(scope="module")
def machine_app(local_cloud, lambda_role) -> Iterator[SantaApp]:
    s3, sfn = clients.client("s3"), clients.client("stepfunctions")
    suffix = uuid.uuid4().hex[:8]
    bucket = f"apps-in-{suffix}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}}
    machine = sfn.create_state_machine(
        name=f"apps-{suffix}", definition=json.dumps(definition), roleArn=lambda_role
    )["stateMachineArn"]
    yield SantaApp(
        {
            "InputBucketName": bucket,
            "OutputBucketName": bucket,
            "UploadPrefix": "uploads/",
            "StateMachineArn": machine,
        }
    )
    sfn.delete_state_machine(stateMachineArn=machine)


@pytest.mark.cloud
def test_put_wait_and_the_latest_execution(machine_app):
    assert machine_app.latest_execution() is None
    response = machine_app.put_object(
        "uploads/x.json", b"[]", content_type="application/json", metadata={"who": "test"}
    )
    head = clients.client("s3").head_object(Bucket=machine_app.input_bucket, Key="uploads/x.json")
    assert head["VersionId"] == response["VersionId"] and head["Metadata"] == {"who": "test"}
    described = machine_app.run_execution({"n": 1}, timeout=30)
    assert described["status"] == "SUCCEEDED"
    name = described["executionArn"].rsplit(":", 1)[-1]
    assert machine_app.wait_for_executions([name], timeout=5)[name]["status"] == "SUCCEEDED"
    assert machine_app.latest_execution().arn == described["executionArn"]


@pytest.mark.cloud
def test_waiting_for_an_execution_nobody_starts_raises_the_apps_error(machine_app):
    with pytest.raises(SantaError, match="did not start"):
        machine_app.wait_for_executions(["never-started"], timeout=0.3)
