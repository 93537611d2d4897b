"""Several learners in one class account: each sees, changes and deletes only their own.

The local cloud stands in for the shared account (aws mode pointed at it with
AWS_ENDPOINT_URL); `WORKSHOP_LEARNER` plays two learners in turn.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import nbformat
import pytest
from test_real_account_gate import aws_environment

import workshop_lib as wl
from workshop_lib import clients, learner
from workshop_lib import constants as C
from workshop_lib.cleanup import cleanup, find_all
from workshop_lib.deploy import deploy, destroy
from workshop_lib.inbox import Inbox
from workshop_lib.notebooks import run_notebook
from workshop_lib.paths import REPO


@pytest.fixture
def shared_account(local_cloud, monkeypatch, tmp_path) -> Iterator[None]:
    for key, value in aws_environment(local_cloud.endpoint_url, tmp_path).items():
        monkeypatch.setenv(key, value)
    clients.forget_clients()
    # Other tests share this cloud: "nothing left" means nothing beyond what was there before.
    global _BEFORE
    _BEFORE = _everyones()
    yield
    clients.forget_clients()


_BEFORE: set[tuple[str, str]] = set()


def _everyones() -> set[tuple[str, str]]:
    return {(r.kind, r.name) for r in find_all(everyone=True).resources}


def nothing_left() -> bool:
    """No workbook resource remains in the account but those that were there before the test."""
    return _everyones() <= _BEFORE


def as_learner(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(C.ENV_LEARNER, name)


def stack_tags(name: str) -> dict[str, str]:
    stack = clients.client("cloudformation").describe_stacks(StackName=name)["Stacks"][0]
    return {tag["Key"]: tag["Value"] for tag in stack["Tags"]}


def test_two_learners_deploy_and_clean_up_only_their_own(shared_account, monkeypatch, tmp_path):
    app = tmp_path / "santa"
    shutil.copytree(REPO / "infra" / "santa", app)
    s3 = clients.client("s3")

    as_learner(monkeypatch, "Alice")
    alice = deploy(str(app))
    s3.put_object(Bucket=alice["InputBucketName"], Key="notes/alice.json", Body=b"[]")
    alice_inbox = Inbox.subscribe(alice["TopicArn"])
    # The same names in both learners' notebooks: each gets their own resource.
    alice_function = wl.deploy_function(
        "workshop-hello", "def lambda_handler(e, c):\n    return 'a'\n"
    )
    as_learner(monkeypatch, "bob")
    bob = deploy(str(app))
    s3.put_object(Bucket=bob["InputBucketName"], Key="notes/bob.json", Body=b"[]")
    bob_function = wl.deploy_function(
        "workshop-hello", "def lambda_handler(e, c):\n    return 'b'\n"
    )

    # Same app, same account: two stacks, two input buckets, two functions, each with its owner.
    assert (alice.name, bob.name) == ("workshop-alice-santa", "workshop-bob-santa")
    assert alice["InputBucketName"] != bob["InputBucketName"]
    assert (alice_function.name, bob_function.name) == (
        "workshop-alice-hello",
        "workshop-bob-hello",
    )
    assert stack_tags(alice.name)[C.OWNER_TAG_KEY] == "alice"
    assert stack_tags(bob.name) == {C.TAG_KEY: C.TAG_VALUE, C.OWNER_TAG_KEY: "bob"}
    assert wl.invoke("workshop-hello").payload == "b"
    assert alice_inbox.name.startswith("workshop-alice-inbox-")

    # Each sees only their own.
    bobs = find_all().resources
    assert {r.name for r in bobs if r.kind == "stack"} == {"workshop-bob-santa"}
    assert all(r.name.startswith("workshop-bob-") for r in bobs if r.kind != "log group"), bobs
    assert not [r for r in bobs if "alice" in r.name]
    as_learner(monkeypatch, "alice")
    alices = find_all().resources
    assert {r.name for r in alices if r.kind == "stack"} == {"workshop-alice-santa"}
    assert not [r for r in alices if "bob" in r.name]
    assert wl.invoke("workshop-hello").payload == "a"
    assert ("queue", alice_inbox.name) in {(r.kind, r.name) for r in alices}
    everyone = {r.name for r in find_all(everyone=True).resources}
    assert {"workshop-alice-santa", "workshop-bob-santa"} <= everyone

    # Alice changes her stack: Bob's is untouched.
    bob_before = clients.client("cloudformation").describe_stacks(StackName=bob.name)["Stacks"][0]
    assert deploy(str(app), parameters={"UploadPrefix": "letters/"}).name == alice.name
    bob_after = clients.client("cloudformation").describe_stacks(StackName=bob.name)["Stacks"][0]
    assert bob_after.get("LastUpdatedTime") == bob_before.get("LastUpdatedTime")
    assert bob_after["StackStatus"] == "CREATE_COMPLETE"

    # Alice cleans up: everything of hers goes, Bob's stack, bucket contents and function stay.
    report = cleanup()
    assert report.clean, str(report)
    assert "learner 'alice' only" in str(report)
    assert not [r for r in report.deleted if "bob" in r.name]
    assert (
        clients.client("cloudformation").describe_stacks(StackName=bob.name)["Stacks"][0][
            "StackStatus"
        ]
        == "CREATE_COMPLETE"
    )
    assert (
        s3.get_object(Bucket=bob["InputBucketName"], Key="notes/bob.json")["Body"].read() == b"[]"
    )
    lam = clients.client("lambda")
    assert lam.get_function(FunctionName="workshop-bob-hello")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName="workshop-alice-hello")
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    assert alice["InputBucketName"] not in names and bob["InputBucketName"] in names

    # `workshop destroy` as Alice finds no stack of hers, and leaves Bob's alone.
    assert not destroy(str(app)).existed
    assert clients.client("cloudformation").describe_stacks(StackName=bob.name)["Stacks"]

    # Bob cleans up too: then nothing of the workbook's is left in the account.
    as_learner(monkeypatch, "bob")
    assert cleanup().clean
    assert nothing_left()


def test_the_prefix_is_the_iam_user_remembered_once(shared_account, monkeypatch, tmp_path):
    monkeypatch.delenv(C.ENV_LEARNER)
    monkeypatch.setenv(C.ENV_STATE_DIR, str(tmp_path / "state"))
    identity = clients.client("sts").get_caller_identity()["Arn"]
    first = learner.current()
    assert first.prefix == learner.sanitise(learner.identity_name(identity))
    assert (tmp_path / "state" / "learner-prefix").read_text().strip() == first.prefix
    # Remembered: a later identity does not rename what this learner already created.
    (tmp_path / "state" / "learner-prefix").write_text("carol\n")
    assert learner.current().prefix == "carol"
    # The first cell of every notebook says so.
    connection = wl.connect()
    assert connection.learner == "carol" and "workshop-carol-" in connection._repr_html_()
    # The environment variable wins over the file.
    monkeypatch.setenv(C.ENV_LEARNER, "Dave.O'Neill")
    assert learner.current().name("workshop-santa") == "workshop-daveoneill-santa"


def test_prefixes_come_from_names_people_have():
    assert learner.identity_name("arn:aws:iam::111122223333:user/class/alice.smith") == (
        "alice.smith"
    )
    assert learner.identity_name("arn:aws:sts::111122223333:assumed-role/Lab/bob@example.com")
    assert learner.sanitise("bob@example.com") == "bob"
    assert learner.identity_name("arn:aws:iam::111122223333:root") == "root"
    assert len(learner.sanitise("a" * 40)) == C.LEARNER_PREFIX_MAX


def test_a_shorter_prefix_never_owns_a_longer_ones_resources():
    al = learner.Learner("al", "test")
    assert al.owns("workshop-al-santa")
    assert not al.owns("workshop-alb-santa")  # prefixes have no hyphen: "al-" is not "alb-"
    assert not al.owns("workshop-al-santa", {C.OWNER_TAG_KEY: "bob"})  # the tag decides
    assert al.owns("inbox-xyz", [{"Key": C.OWNER_TAG_KEY, "Value": "al"}])


def test_offline_names_do_not_change(local_cloud):
    assert wl.name("workshop-hello") == "workshop-hello"
    assert wl.name("santa-elf-notify") == "santa-elf-notify"
    from workshop_lib.deploy import resolve_app

    assert resolve_app("santa").stack_name == "workshop-santa"
    assert learner.current().tags() == {C.TAG_KEY: C.TAG_VALUE}


def test_the_cli_asks_before_deploying_and_cleans_up_only_yours(
    shared_account, monkeypatch, tmp_path, capsys
):
    from workshop_lib.cli import main

    app = tmp_path / "santa"
    shutil.copytree(REPO / "infra" / "santa", app)
    cloudformation = clients.client("cloudformation")
    as_learner(monkeypatch, "erin")
    # A wrong answer deploys nothing.
    monkeypatch.setattr("builtins.input", lambda prompt: "000000000000")
    assert main(["deploy", str(app)]) == 1
    shown = capsys.readouterr()
    assert "workshop-erin-santa" in shown.out and "region us-east-1" in shown.out
    assert "Nothing was done: the answer was not the account id" in shown.err
    with pytest.raises(cloudformation.exceptions.ClientError):
        cloudformation.describe_stacks(StackName="workshop-erin-santa")
    # The account id deploys Erin's own stack.
    monkeypatch.setattr("builtins.input", lambda prompt: C.OFFLINE_ACCOUNT_ID)
    assert main(["deploy", str(app)]) == 0
    assert cloudformation.describe_stacks(StackName="workshop-erin-santa")["Stacks"]
    # Frank's cleanup, after listing what it would delete, leaves Erin's stack alone.
    as_learner(monkeypatch, "frank")
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")
    assert main(["cleanup"]) == 0
    assert "resource(s) of yours (frank)" in capsys.readouterr().out
    assert cloudformation.describe_stacks(StackName="workshop-erin-santa")["Stacks"]
    as_learner(monkeypatch, "erin")
    assert main(["cleanup", "--yes"]) == 0
    assert nothing_left()


@pytest.mark.notebook
def test_a_learner_runs_notebooks_in_aws_mode_beside_a_classmate(
    shared_account, local_cloud, monkeypatch, tmp_path
):
    # Yan, a classmate in the same account, has Santa's app and a hello function.
    as_learner(monkeypatch, "yan")
    yan = deploy("santa")
    wl.deploy_function("workshop-hello", "def lambda_handler(e, c):\n    return 'yan'\n")
    # Zed runs notebooks 00 and 02 as written, confirmed, to their last cell (a clean-up that
    # verifies nothing of Zed's is left).
    env = {**aws_environment(local_cloud.endpoint_url, tmp_path), C.ENV_LEARNER: "zed"}
    for notebook in ("00_setup_and_modes.ipynb", "02_santas_workflow.ipynb"):
        copy = nbformat.read(REPO / "notebooks" / notebook, as_version=4)
        for cell in copy.cells:
            if "parameters" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace("CONFIRM_AWS = False", "CONFIRM_AWS = True")
        path = tmp_path / notebook
        nbformat.write(copy, path)
        result = run_notebook(path, out_dir=tmp_path / "out", html_export=False, extra_env=env)
        assert result.ok, result.error
        executed = (tmp_path / "out" / notebook).read_text()
        assert "workshop-zed-" in executed and "nothing of yours (zed) is left" in executed
    # Yan's work is untouched.
    cloudformation = clients.client("cloudformation")
    assert cloudformation.describe_stacks(StackName=yan.name)["Stacks"][0]["StackStatus"] == (
        "CREATE_COMPLETE"
    )
    assert wl.invoke("workshop-hello").payload == "yan"
    assert cleanup().clean
    assert nothing_left()
