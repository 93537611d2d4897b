"""Santa's list: the data files in data/santa/ and the Lambda handlers in infra/santa/functions/.

The handlers are not a package (each folder is deployed as its own function), so they are loaded
from their paths. Their rules are plain functions and are tested directly. The handler flows run
against small in-memory stand-ins for the S3, SNS and Step Functions clients; tests against the
local cloud's real S3 live elsewhere.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from workshop_lib.apps import load_lambda_module
from workshop_lib.constants import STEP_FUNCTIONS_PAYLOAD_LIMIT
from workshop_lib.paths import REPO
from workshop_lib.santa import SantaApp

DATA = REPO / "data" / "santa"
HANDLERS = ("validate", "transform", "notify", "fixit", "trigger")
EXECUTION_NAME = re.compile(r"[A-Za-z0-9_-]{1,80}")


def _use(monkeypatch: pytest.MonkeyPatch, module: ModuleType, **fakes: Any) -> None:
    """Give a handler stand-in clients: its `aws.client(service)` answers `fakes[service]`."""
    monkeypatch.setattr(module, "aws", SimpleNamespace(client=lambda service: fakes[service]))


@pytest.fixture(scope="module")
def lam() -> Iterator[SimpleNamespace]:
    """Every handler module, imported the way Lambda imports it: module-level clients included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
        patch.setenv("AWS_ACCESS_KEY_ID", "testing")
        patch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
        patch.setenv("AWS_CONFIG_FILE", os.devnull)
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        patch.delenv("AWS_PROFILE", raising=False)
        # Should a call ever slip past the stand-ins, it fails here instead of reaching AWS.
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        modules = {name: SantaApp.load_function(name, workbook_clients=False) for name in HANDLERS}
    yield SimpleNamespace(**modules)
    for name in HANDLERS:
        sys.modules.pop(f"santa_{name}", None)


@pytest.fixture(scope="module")
def generator() -> Iterator[ModuleType]:
    yield load_lambda_module(DATA, "generate", name="santa_generate", workbook_clients=False)
    sys.modules.pop("santa_generate", None)


def _raw(name: str) -> bytes:
    return (DATA / name).read_bytes()


# -- stand-ins for the AWS clients ----------------------------------------------------------------


def _client_error(code: str, operation: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, operation)


class FakeS3:
    """Just enough of S3 for the handlers: objects in memory, versioned or not."""

    def __init__(self, *, versioned: bool = False) -> None:
        self.versioned = versioned
        self.objects: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._versions = 0

    def put(self, bucket: str, key: str, body: bytes, metadata: dict[str, str] | None = None):
        self._versions += 1
        stored = {
            "Body": body,
            "Metadata": dict(metadata or {}),
            "ETag": f'"{hashlib.md5(body).hexdigest()}"',
            "VersionId": f"v{self._versions}" if self.versioned else None,
        }
        versions = self.objects.setdefault((bucket, key), [])
        if self.versioned:
            versions.append(stored)
        else:
            versions[:] = [stored]
        return stored

    def body(self, bucket: str, key: str) -> bytes:
        return self._find(bucket, key, None, "GetObject")["Body"]

    def keys(self, bucket: str) -> set[str]:
        return {
            key for (name, key), versions in self.objects.items() if name == bucket and versions
        }

    def _find(self, bucket: str, key: str, version_id: str | None, operation: str):
        versions = self.objects.get((bucket, key)) or []
        missing = "404" if operation == "HeadObject" else "NoSuchKey"
        if version_id is None:
            if not versions:
                raise _client_error(missing, operation)
            return versions[-1]
        for stored in versions:
            if stored["VersionId"] == version_id:
                return stored
        raise _client_error("404" if operation == "HeadObject" else "NoSuchVersion", operation)

    def _answer(self, stored: dict[str, Any]) -> dict[str, Any]:
        answer = {
            "ETag": stored["ETag"],
            "Metadata": dict(stored["Metadata"]),
            "ContentLength": len(stored["Body"]),
        }
        if stored["VersionId"]:
            answer["VersionId"] = stored["VersionId"]
        return answer

    def get_object(
        self, *, Bucket: str, Key: str, VersionId: str | None = None, IfMatch: str | None = None
    ) -> dict[str, Any]:
        stored = self._find(Bucket, Key, VersionId, "GetObject")
        if IfMatch is not None and IfMatch != stored["ETag"]:
            raise _client_error("PreconditionFailed", "GetObject")
        return {**self._answer(stored), "Body": io.BytesIO(stored["Body"])}

    def head_object(self, *, Bucket: str, Key: str, VersionId: str | None = None):
        return self._answer(self._find(Bucket, Key, VersionId, "HeadObject"))

    def put_object(
        self,
        *,
        Bucket: str,
        Key: str,
        Body: bytes,
        ContentType: str = "",
        Metadata: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        stored = self.put(Bucket, Key, Body, Metadata)
        return {"ETag": stored["ETag"]}

    def copy_object(
        self, *, Bucket: str, Key: str, CopySource: dict[str, str], MetadataDirective: str
    ) -> dict[str, Any]:
        source = self._find(
            CopySource["Bucket"], CopySource["Key"], CopySource.get("VersionId"), "CopyObject"
        )
        self.put(Bucket, Key, source["Body"], source["Metadata"])
        return {}

    def delete_object(self, *, Bucket: str, Key: str, VersionId: str | None = None):
        versions = self.objects.get((Bucket, Key), [])
        versions[:] = [v for v in versions if VersionId is not None and v["VersionId"] != VersionId]
        return {}


class FakeStepFunctions:
    def __init__(self) -> None:
        self.names: list[str] = []
        self.inputs: list[str] = []

    def start_execution(self, *, stateMachineArn: str, name: str, input: str) -> dict[str, Any]:
        if name in self.names:
            raise _client_error("ExecutionAlreadyExists", "StartExecution")
        self.names.append(name)
        self.inputs.append(input)
        return {
            "executionArn": f"{stateMachineArn.replace(':stateMachine:', ':execution:')}:{name}"
        }


class FakeSNS:
    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []

    def publish(self, **request: Any) -> dict[str, Any]:
        self.published.append(request)
        return {"MessageId": f"message-{len(self.published)}"}


# -- the data files and the validation rules ------------------------------------------------------


def test_committed_files_are_what_the_generator_writes(generator: ModuleType) -> None:
    for name, text in generator.build().items():
        assert _raw(name) == text.encode("utf-8"), f"{name} is out of date: run generate.py"


def test_good_list_is_accepted_and_counted(lam: SimpleNamespace) -> None:
    kids = json.loads(_raw("good_list.json"))
    summary = lam.validate.check_list(_raw("good_list.json"))
    assert 300 <= summary.kids == len(kids) <= 400
    assert summary.gifts == sum(len(kid["gifts"]) for kid in kids)


def test_good_list_uses_many_scripts() -> None:
    text = _raw("good_list.json").decode()
    scripts = {
        "Cyrillic": r"[\u0400-\u04ff]",
        "Greek": r"[\u0370-\u03ff]",
        "Arabic": r"[\u0600-\u06ff]",
        "Hebrew": r"[\u0590-\u05ff]",
        "Devanagari": r"[\u0900-\u097f]",
        "CJK": r"[\u4e00-\u9fff]",
        "Hangul": r"[\uac00-\ud7af]",
        "Thai": r"[\u0e00-\u0e7f]",
        "Latin with diacritics": r"[À-ž]",
    }
    missing = [name for name, pattern in scripts.items() if not re.search(pattern, text)]
    assert not missing


def test_big_list_does_not_fit_a_step_functions_payload_but_is_accepted(
    lam: SimpleNamespace,
) -> None:
    raw = _raw("big_list.json")
    assert len(raw) > STEP_FUNCTIONS_PAYLOAD_LIMIT
    assert lam.validate.check_list(raw).kids == len(json.loads(raw))


# file, the kind of mistake, and where each problem is: (item index, field)
BAD_FILES = {
    "bad_not_json.json": ("not-json", []),
    "bad_not_a_list.json": ("not-a-list", []),
    "bad_empty_list.json": ("empty-list", []),
    "bad_missing_fields.json": ("bad-requests", [(6, "city")]),
    "bad_wrong_types.json": ("bad-requests", [(3, "age"), (8, "gifts")]),
    "bad_too_many_gifts.json": ("bad-requests", [(5, "gifts")]),
    "bad_duplicate_kid.json": ("bad-requests", [(9, "id")]),
    "bad_many_problems.json": (
        "bad-requests",
        [
            (1, "age"),
            (2, "gifts"),
            (3, "country"),
            (5, "name"),
            (6, "gifts"),
            (7, "age"),
            (9, "gifts"),
            (9, "gfits"),
            (11, "id"),
        ],
    ),
}


def test_every_bad_file_has_a_test() -> None:
    assert {path.name for path in DATA.glob("bad_*.json")} == set(BAD_FILES)


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_list_is_rejected_saying_where(lam: SimpleNamespace, name: str) -> None:
    reason, places = BAD_FILES[name]
    with pytest.raises(lam.validate.ListValidationError) as caught:
        lam.validate.check_list(_raw(name))
    error = caught.value
    assert type(error).__name__ == "ListValidationError"  # the name the state machine catches
    assert error.reason == reason
    assert [(problem.index, problem.field) for problem in error.problems] == places
    kids = json.loads(_raw(name)) if reason == "bad-requests" else []
    shown = places[: lam.validate.MAX_PROBLEMS_SHOWN]
    for index, field in shown:
        assert f"item {index} ({kids[index]['id']}), field '{field}'" in str(error)


def test_not_json_gives_line_and_column(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.validate.ListValidationError) as caught:
        lam.validate.check_list(_raw("bad_not_json.json"))
    assert "line 9, column 3" in str(caught.value)


def test_not_a_list_says_what_was_found(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.validate.ListValidationError) as caught:
        lam.validate.check_list(_raw("bad_not_a_list.json"))
    assert "an object" in str(caught.value)
    assert '"kids"' in str(caught.value)


def test_naughty_and_duplicate_messages_explain_the_rule(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.validate.ListValidationError) as naughty:
        lam.validate.check_list(_raw("bad_too_many_gifts.json"))
    assert "naughty" in str(naughty.value)
    assert f"at most {lam.validate.MAX_GIFTS}" in str(naughty.value)
    with pytest.raises(lam.validate.ListValidationError) as twice:
        lam.validate.check_list(_raw("bad_duplicate_kid.json"))
    assert "copy of item 4" in str(twice.value)


def test_long_problem_lists_are_cut_after_five(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.validate.ListValidationError) as caught:
        lam.validate.check_list(_raw("bad_many_problems.json"))
    lines = str(caught.value).splitlines()
    hidden = len(caught.value.problems) - lam.validate.MAX_PROBLEMS_SHOWN
    assert len([line for line in lines if line.startswith("- item")]) == 5
    assert lines[-1] == f"- ... and {hidden} more"


@pytest.mark.parametrize(
    ("raw", "reason", "words"),
    [
        ("[{'name': 'Åsa'}]".encode("latin-1"), "not-utf8", "UTF-8"),
        (b"", "not-json", "empty"),
        (b"  \n", "not-json", "empty"),
        (b'"just text"', "not-a-list", "the text"),
        (b"42", "not-a-list", "the number 42"),
        (b"[1, 2]", "bad-requests", "item 0"),
    ],
)
def test_other_unusable_files(lam: SimpleNamespace, raw: bytes, reason: str, words: str) -> None:
    with pytest.raises(lam.validate.ListValidationError) as caught:
        lam.validate.check_list(raw)
    assert caught.value.reason == reason
    assert words in str(caught.value)


def test_a_byte_order_mark_is_accepted(lam: SimpleNamespace) -> None:
    raw = b"\xef\xbb\xbf" + _raw("good_list.json")
    assert lam.validate.check_list(raw).kids == len(json.loads(_raw("good_list.json")))


def _one_kid(**changes: Any) -> dict[str, Any]:
    kid = {
        "id": "kid-0042",
        "name": "Aino Mäkinen",
        "city": "Rovaniemi",
        "country": "FI",
        "age": 7,
        "gifts": ["Sukset"],
    }
    kid.update(changes)
    return kid


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "kid-42"),
        ("id", 42),
        ("name", ""),
        ("name", "   "),
        ("city", None),
        ("city", "x" * 101),
        ("country", "fi"),
        ("country", "FIN"),
        ("age", True),
        ("age", 7.5),
        ("age", -1),
        ("age", 18),
        ("age", "7"),
        ("gifts", []),
        ("gifts", [""]),
        ("gifts", ["Sled", 3]),
        ("gifts", ["a", "b", "c", "d"]),
        ("gifts", {"first": "Sled"}),
        ("stamp", "Ho"),
    ],
)
def test_each_field_rule(lam: SimpleNamespace, field: str, value: Any) -> None:
    problems = lam.validate.check_kid(0, _one_kid(**{field: value}))
    assert [problem.field for problem in problems] == [field]


def test_a_valid_kid_has_no_problems_even_when_stamped(lam: SimpleNamespace) -> None:
    assert lam.validate.check_kid(0, _one_kid()) == []
    assert lam.validate.check_kid(0, _one_kid(stamp="Ho Ho Ho")) == []


def test_unknown_fields_are_named(lam: SimpleNamespace) -> None:
    problems = lam.validate.check_kid(3, _one_kid(wishes=["Pony"]))
    assert [(p.index, p.field) for p in problems] == [(3, "wishes")]
    assert "unknown field" in str(problems[0])


def test_same_name_and_city_with_different_ids_is_allowed(lam: SimpleNamespace) -> None:
    raw = json.dumps([_one_kid(), _one_kid(id="kid-0043")]).encode()
    assert lam.validate.check_list(raw).kids == 2


def test_validate_needs_a_bucket_and_key(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.validate.InvalidInputError):
        lam.validate.read_reference({"bucket": "santa-in"})
    with pytest.raises(lam.validate.InvalidInputError):
        lam.validate.read_reference({"bucket": "santa-in", "key": "k", "versionId": 3})


def test_validate_handler_returns_a_small_reference_not_the_list(
    lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = FakeS3(versioned=True)
    _use(monkeypatch, lam.validate, s3=s3)
    stored = s3.put("santa-in", "uploads/big_list.json", _raw("big_list.json"))
    result = lam.validate.lambda_handler(
        {"bucket": "santa-in", "key": "uploads/big_list.json"}, None
    )
    assert result["versionId"] == stored["VersionId"]
    assert result["etag"] == stored["ETag"]
    assert result["kids"] == len(json.loads(_raw("big_list.json")))
    assert len(json.dumps(result)) < 1024


def test_validate_handler_checks_the_version_it_was_given(
    lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3 = FakeS3(versioned=True)
    _use(monkeypatch, lam.validate, s3=s3)
    first = s3.put("santa-in", "uploads/list.json", _raw("good_list.json"))
    s3.put("santa-in", "uploads/list.json", _raw("bad_empty_list.json"))
    event = {"bucket": "santa-in", "key": "uploads/list.json", "versionId": first["VersionId"]}
    assert lam.validate.lambda_handler(event, None)["versionId"] == first["VersionId"]
    with pytest.raises(lam.validate.ListValidationError):
        lam.validate.lambda_handler({**event, "versionId": None}, None)


# -- transform ------------------------------------------------------------------------------------


def test_stamping_marks_every_kid_exactly_once(lam: SimpleNamespace) -> None:
    kids = json.loads(_raw("good_list.json"))
    original = json.loads(_raw("good_list.json"))
    once, newly = lam.transform.stamp_all(kids)
    assert newly == len(kids)
    assert all(kid["stamp"] == "Ho Ho Ho" for kid in once)
    assert kids == original  # the input is not changed
    twice, again = lam.transform.stamp_all(once)
    assert again == 0
    assert twice == once


def test_stamped_list_is_still_a_valid_list(lam: SimpleNamespace) -> None:
    stamped, _ = lam.transform.stamp_all(json.loads(_raw("good_list.json")))
    body = lam.transform.render(stamped)
    assert lam.validate.check_list(body).kids == len(stamped)


def test_render_keeps_the_one_kid_per_line_layout(lam: SimpleNamespace) -> None:
    for name in ("good_list.json", "bad_empty_list.json"):
        assert lam.transform.render(json.loads(_raw(name))) == _raw(name)


def test_output_key_is_repeatable_and_differs_per_upload(lam: SimpleNamespace) -> None:
    key = lam.transform.stamped_key
    first = key("uploads/2024/nordic.json", "v1", '"etag-a"')
    assert first == key("uploads/2024/nordic.json", "v1", '"etag-a"')
    assert first.startswith("stamped/2024/nordic.")
    assert first.endswith(".json")
    assert first != key("uploads/2024/nordic.json", "v2", '"etag-a"')
    assert first != key("uploads/2024/other.json", "v1", '"etag-a"')
    # Without a version (an unversioned bucket reports none, or "null"), the ETag decides.
    by_etag = key("uploads/list.json", None, '"etag-a"')
    assert by_etag == key("uploads/list.json", "null", '"etag-a"')
    assert by_etag != key("uploads/list.json", None, '"etag-b"')
    assert key("uploads/list", None, '"e"', output_prefix="out/").startswith("out/list.")
    with pytest.raises(ValueError):
        key("uploads/list.json", None, None)


@pytest.fixture
def transform_env(lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> FakeS3:
    s3 = FakeS3()
    _use(monkeypatch, lam.transform, s3=s3)
    monkeypatch.setenv("OUTPUT_BUCKET", "santa-out")
    monkeypatch.delenv("OUTPUT_PREFIX", raising=False)
    monkeypatch.delenv("UPLOAD_PREFIX", raising=False)
    return s3


def test_transform_rerun_writes_the_same_key_once(
    lam: SimpleNamespace, transform_env: FakeS3
) -> None:
    stored = transform_env.put("santa-in", "uploads/good_list.json", _raw("good_list.json"))
    event = {"bucket": "santa-in", "key": "uploads/good_list.json", "etag": stored["ETag"]}
    first = lam.transform.lambda_handler(event, None)
    second = lam.transform.lambda_handler(event, None)
    assert first["alreadyExisted"] is False
    assert second["alreadyExisted"] is True
    assert first["key"] == second["key"]
    assert transform_env.keys("santa-out") == {first["key"]}
    written = json.loads(transform_env.body("santa-out", first["key"]))
    assert first["stamped"] == first["kids"] == len(written)
    assert all(kid["stamp"] == "Ho Ho Ho" for kid in written)


def test_transform_never_overwrites_a_different_list(
    lam: SimpleNamespace, transform_env: FakeS3
) -> None:
    stored = transform_env.put("santa-in", "uploads/good_list.json", _raw("good_list.json"))
    target = lam.transform.stamped_key("uploads/good_list.json", None, stored["ETag"])
    transform_env.put("santa-out", target, b"[]\n")
    event = {"bucket": "santa-in", "key": "uploads/good_list.json", "etag": stored["ETag"]}
    with pytest.raises(lam.transform.StampedListConflictError):
        lam.transform.lambda_handler(event, None)
    assert transform_env.body("santa-out", target) == b"[]\n"


def test_transform_explains_a_missing_output_bucket(
    lam: SimpleNamespace, transform_env: FakeS3, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OUTPUT_BUCKET")
    with pytest.raises(lam.transform.ConfigurationError, match="OUTPUT_BUCKET"):
        lam.transform.lambda_handler({"bucket": "santa-in", "key": "uploads/x.json"}, None)


# -- fixit ----------------------------------------------------------------------------------------


def test_failure_cause_from_a_lambda_error_payload(lam: SimpleNamespace) -> None:
    payload = {
        "errorMessage": "Santa's list has 1 problem:\n- item 6 (kid-0007), field 'city': missing",
        "errorType": "ListValidationError",
        "requestId": "4f1c",
        "stackTrace": ['  File "/var/task/app.py", line 1'],
    }
    failure = lam.fixit.describe_failure(
        {"Error": "ListValidationError", "Cause": json.dumps(payload)}
    )
    assert failure.error == "ListValidationError"
    assert failure.message == payload["errorMessage"]
    # Without "Error", the payload's errorType names the failure.
    assert lam.fixit.describe_failure({"Cause": json.dumps(payload)}).error == "ListValidationError"
    assert lam.fixit.describe_failure({"Cause": payload}).message == payload["errorMessage"]


@pytest.mark.parametrize(
    ("error", "name", "message"),
    [
        (
            {"Error": "States.Timeout", "Cause": "Task timed out after 3 seconds"},
            "States.Timeout",
            "Task timed out after 3 seconds",
        ),
        ({"Error": "Oops", "Cause": "[1, 2]"}, "Oops", "[1, 2]"),
        ({"Error": "Oops", "Cause": "{not json"}, "Oops", "{not json"),
        ({"Error": "Oops"}, "Oops", "No cause was given."),
        (None, "UnknownError", "No cause was given."),
    ],
)
def test_failure_cause_in_other_shapes(
    lam: SimpleNamespace, error: Any, name: str, message: str
) -> None:
    assert lam.fixit.describe_failure(error) == lam.fixit.Failure(name, message)


def test_quarantine_keys_are_outside_uploads_and_repeatable(lam: SimpleNamespace) -> None:
    key = lam.fixit.quarantine_key
    assert key("uploads/2024/bad.json") == "quarantine/2024/bad.json"
    versioned = key("uploads/bad.json", "v1")
    assert versioned == key("uploads/bad.json", "v1")
    assert versioned.startswith("quarantine/bad.")
    assert versioned.endswith(".json")
    assert versioned != key("uploads/bad.json", "v2")
    assert key("uploads/bad.json", "null") == "quarantine/bad.json"
    assert lam.fixit.reason_key("quarantine/bad.json") == "quarantine/bad.json.reason.json"


def test_quarantine_inside_uploads_is_refused(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.fixit.ConfigurationError):
        lam.fixit.check_prefixes("uploads/", "uploads/quarantine/")
    lam.fixit.check_prefixes("uploads/", "quarantine/")


@pytest.fixture
def fixit_s3(lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> FakeS3:
    s3 = FakeS3()
    _use(monkeypatch, lam.fixit, s3=s3)
    monkeypatch.delenv("QUARANTINE_PREFIX", raising=False)
    monkeypatch.delenv("UPLOAD_PREFIX", raising=False)
    return s3


def _catch_input(key: str) -> dict[str, Any]:
    cause = {"errorMessage": "The list is empty.", "errorType": "ListValidationError"}
    return {
        "bucket": "santa-in",
        "key": key,
        "versionId": None,
        "error": {"Error": "ListValidationError", "Cause": json.dumps(cause)},
    }


def test_fixit_moves_the_file_and_explains_why(lam: SimpleNamespace, fixit_s3: FakeS3) -> None:
    fixit_s3.put("santa-in", "uploads/bad_empty_list.json", _raw("bad_empty_list.json"))
    result = lam.fixit.lambda_handler(_catch_input("uploads/bad_empty_list.json"), None)
    assert result["status"] == "FAILED"
    assert result["key"] == "quarantine/bad_empty_list.json"
    assert fixit_s3.keys("santa-in") == {result["key"], result["reasonKey"]}
    assert fixit_s3.body("santa-in", result["key"]) == _raw("bad_empty_list.json")
    reason = json.loads(fixit_s3.body("santa-in", result["reasonKey"]))
    assert reason["error"] == "ListValidationError"
    assert reason["message"] == "The list is empty."
    assert reason["original"]["key"] == "uploads/bad_empty_list.json"


def test_fixit_twice_is_harmless(lam: SimpleNamespace, fixit_s3: FakeS3) -> None:
    fixit_s3.put("santa-in", "uploads/bad.json", b"[]")
    first = lam.fixit.lambda_handler(_catch_input("uploads/bad.json"), None)
    reason = fixit_s3.body("santa-in", first["reasonKey"])
    second = lam.fixit.lambda_handler(_catch_input("uploads/bad.json"), None)
    assert (first["alreadyQuarantined"], second["alreadyQuarantined"]) == (False, True)
    assert second["key"] == first["key"]
    assert fixit_s3.body("santa-in", first["reasonKey"]) == reason
    assert fixit_s3.keys("santa-in") == {first["key"], first["reasonKey"]}


def test_fixit_with_nothing_to_move_says_so(lam: SimpleNamespace, fixit_s3: FakeS3) -> None:
    with pytest.raises(lam.fixit.NothingToQuarantineError):
        lam.fixit.lambda_handler(_catch_input("uploads/gone.json"), None)


# -- notify ---------------------------------------------------------------------------------------


def _is_valid_subject(subject: str) -> bool:
    return subject.isascii() and subject.isprintable() and 0 < len(subject) < 100


def test_success_message(lam: SimpleNamespace) -> None:
    result = {
        "status": "SUCCEEDED",
        "bucket": "santa-out",
        "key": "stamped/good_list.0123456789ab.json",
        "kids": 360,
        "gifts": 698,
        "stamped": 360,
        "alreadyExisted": False,
        "source": {"bucket": "santa-in", "key": "uploads/good_list.json", "versionId": None},
    }
    status, subject, message = lam.notify.compose(result)
    assert status == "SUCCEEDED"
    assert _is_valid_subject(subject)
    assert "360" in subject and "698" in subject
    assert "s3://santa-out/stamped/good_list.0123456789ab.json" in message
    assert "s3://santa-in/uploads/good_list.json" in message


def test_failure_message(lam: SimpleNamespace) -> None:
    result = {
        "status": "FAILED",
        "bucket": "santa-in",
        "key": "quarantine/Список.json",
        "reasonKey": "quarantine/Список.json.reason.json",
        "error": "ListValidationError",
        "reason": "Santa's list has 1 problem:\n- item 6 (kid-0007), field 'city': missing",
        "original": {"bucket": "santa-in", "key": "uploads/Список.json", "versionId": None},
    }
    status, subject, message = lam.notify.compose(result)
    assert status == "FAILED"
    assert _is_valid_subject(subject)
    assert "ListValidationError" in subject
    assert "item 6 (kid-0007), field 'city'" in message
    assert "s3://santa-in/quarantine/Список.json" in message
    assert "s3://santa-in/uploads/Список.json" in message


@pytest.mark.parametrize("text", ["Müller's list ✓ 🎄", "x" * 300, "two\nlines\tand tabs", "日本"])
def test_subjects_are_always_acceptable_to_sns(lam: SimpleNamespace, text: str) -> None:
    assert _is_valid_subject(lam.notify.safe_subject(text))


def test_notify_refuses_an_unknown_input(lam: SimpleNamespace) -> None:
    with pytest.raises(lam.notify.NotificationInputError):
        lam.notify.compose({"bucket": "santa-out", "key": "x"})


def test_results_flow_into_notify_unchanged(
    lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3, sns = FakeS3(), FakeSNS()
    for module in (lam.transform, lam.fixit):
        _use(monkeypatch, module, s3=s3)
    _use(monkeypatch, lam.notify, sns=sns)
    monkeypatch.setenv("OUTPUT_BUCKET", "santa-out")
    monkeypatch.setenv("TOPIC_ARN", "arn:aws:sns:us-east-1:123456789012:santa")
    stored = s3.put("santa-in", "uploads/good_list.json", _raw("good_list.json"))
    s3.put("santa-in", "uploads/bad.json", b"[]")
    done = lam.transform.lambda_handler(
        {"bucket": "santa-in", "key": "uploads/good_list.json", "etag": stored["ETag"]}, None
    )
    moved = lam.fixit.lambda_handler(_catch_input("uploads/bad.json"), None)
    answers = [lam.notify.lambda_handler(result, None) for result in (done, moved)]
    assert [answer["status"] for answer in answers] == ["SUCCEEDED", "FAILED"]
    assert [answer["messageId"] for answer in answers] == ["message-1", "message-2"]
    attributes = [p["MessageAttributes"]["status"]["StringValue"] for p in sns.published]
    assert attributes == ["SUCCEEDED", "FAILED"]
    assert done["key"] in sns.published[0]["Message"]
    assert moved["key"] in sns.published[1]["Message"]


# -- trigger --------------------------------------------------------------------------------------


def _record(key: str, **object_fields: Any) -> dict[str, Any]:
    return {
        "eventName": object_fields.pop("eventName", "ObjectCreated:Put"),
        "s3": {"bucket": {"name": "santa-in"}, "object": {"key": key, **object_fields}},
    }


def test_trigger_decodes_keys_and_skips_what_is_not_an_upload(lam: SimpleNamespace) -> None:
    event = {
        "Records": [
            _record("uploads/Santa%27s+list+%C3%85r+2024.json", versionId="v1", sequencer="0A"),
            _record("quarantine/bad.json"),
            _record("uploads/2024/"),
            _record("uploads/old.json", eventName="ObjectRemoved:Delete"),
            {"eventName": "ObjectCreated:Put", "s3": {}},
        ]
    }
    uploads, skipped = lam.trigger.read_records(event)
    assert [upload.key for upload in uploads] == ["uploads/Santa's list År 2024.json"]
    assert uploads[0].version_id == "v1"
    assert len(skipped) == 4
    assert lam.trigger.read_records({"Event": "s3:TestEvent"}) == ([], [])


@pytest.mark.parametrize(
    "key",
    [
        "uploads/good_list.json",
        "uploads/Santa's list (final) [v2].json",
        "uploads/Список подарков.json",
        "uploads/" + "very-long-name-" * 30 + ".json",
        "uploads/---.json",
    ],
)
def test_execution_names_are_valid_and_stable(lam: SimpleNamespace, key: str) -> None:
    upload = lam.trigger.Upload("santa-in", key, version_id="3HL4kqtJlcpXroDTDmJ", sequencer="0A")
    name = lam.trigger.execution_name(upload)
    assert EXECUTION_NAME.fullmatch(name)
    assert name == lam.trigger.execution_name(upload)


def test_execution_names_differ_per_upload(lam: SimpleNamespace) -> None:
    upload_of = lam.trigger.Upload
    name = lam.trigger.execution_name
    names = {
        name(upload_of("santa-in", "uploads/list.json", version_id="v1")),
        name(upload_of("santa-in", "uploads/list.json", version_id="v2")),
        name(upload_of("santa-in", "uploads/list.json", sequencer="0055AED6DCD90281E5")),
        name(upload_of("santa-in", "uploads/list.json", sequencer="0055AED6DCD90281E6")),
        name(upload_of("santa-in", "uploads/other.json", version_id="v1")),
        name(upload_of("elf-in", "uploads/list.json", version_id="v1")),
    }
    assert len(names) == 6


def test_a_repeated_s3_event_starts_one_execution(
    lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    sfn = FakeStepFunctions()
    _use(monkeypatch, lam.trigger, stepfunctions=sfn)
    monkeypatch.setenv(
        "STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:santa"
    )
    monkeypatch.delenv("UPLOAD_PREFIX", raising=False)
    event = {"Records": [_record("uploads/good+list.json", sequencer="0055AED6DCD90281E5")]}
    first = lam.trigger.lambda_handler(event, None)
    again = lam.trigger.lambda_handler(event, None)
    assert len(first["started"]) == 1 and first["duplicates"] == []
    assert again["started"] == [] and len(again["duplicates"]) == 1
    assert len(sfn.names) == 1
    assert json.loads(sfn.inputs[0]) == {
        "bucket": "santa-in",
        "key": "uploads/good list.json",
        "versionId": None,
    }


def test_trigger_lets_other_start_errors_through(
    lam: SimpleNamespace, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Throttled(FakeStepFunctions):
        def start_execution(self, **request: Any) -> dict[str, Any]:
            raise _client_error("ThrottlingException", "StartExecution")

    _use(monkeypatch, lam.trigger, stepfunctions=Throttled())
    monkeypatch.setenv(
        "STATE_MACHINE_ARN", "arn:aws:states:us-east-1:123456789012:stateMachine:santa"
    )
    with pytest.raises(ClientError):
        lam.trigger.lambda_handler({"Records": [_record("uploads/list.json")]}, None)
