"""Check that an uploaded file is a list Santa can use. The workflow's first step.

Input:   {"bucket": "...", "key": "uploads/list.json", "versionId": "..." or null}
Output:  {"bucket", "key", "versionId", "etag", "bytes", "kids", "gifts", "approval"}: a summary
         and the S3 reference of the exact object that was checked; "approval" is
         {"needed": bool, "reasons": [...]}: whether a person must approve the list first.
         Never the list itself: Step Functions carries at most 256 KiB between states, and a
         list can be much bigger than that.
Raises:  ListValidationError, whose message says what is wrong and where ("item 3 (kid-0004),
         field 'age': ...", items counted from 0). Lambda reports the class name as the error
         type, so the state machine can Catch "ListValidationError".

The rules (data/santa/README.md has the long version): the file is UTF-8 JSON; the top level is
a non-empty array; every item is an object with exactly the fields in FIELDS (plus an optional
"stamp"); at most MAX_GIFTS gifts per kid; no id appears twice.

A list needs a person's approval when it has more than APPROVAL_MAX_KIDS kids (environment,
default 10000) or asks for a gift named in APPROVAL_FLAGGED_GIFTS (comma-separated, compared
without case; default none). The workflow reads "approval.needed" in a Choice state.

Runs on the python3.12 Lambda runtime with the standard library and boto3 only.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from typing import Any

from vendor import aws

logger = logging.getLogger()
logger.setLevel(logging.INFO)


FIELDS = ("id", "name", "city", "country", "age", "gifts")
OPTIONAL_FIELDS = ("stamp",)
STAMP = "Ho Ho Ho"
MIN_AGE = 0
MAX_AGE = 17
MAX_GIFTS = 3
MAX_TEXT_LENGTH = 100
MAX_GIFT_LENGTH = 200
MAX_PROBLEMS_SHOWN = 5
MAX_LIST_BYTES = 10 * 1024 * 1024
KID_ID = re.compile(r"kid-[0-9]{4,}")
COUNTRY_CODE = re.compile(r"[A-Z]{2}")

# What kind of mistake a ListValidationError reports (its `reason`).
NOT_UTF8 = "not-utf8"
NOT_JSON = "not-json"
NOT_A_LIST = "not-a-list"
EMPTY_LIST = "empty-list"
BAD_REQUESTS = "bad-requests"
TOO_BIG = "too-big"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one kid's request."""

    index: int
    kid_id: str | None
    field: str | None
    text: str

    def __str__(self) -> str:
        where = f"item {self.index}"
        if self.kid_id:
            where += f" ({self.kid_id})"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.text}"


class ListValidationError(Exception):
    """Santa's list cannot be used as it is. The message says what is wrong and where."""

    def __init__(self, message: str, reason: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.reason = reason
        self.problems = problems or []


class InvalidInputError(Exception):
    """The function was called without a bucket and key to check."""


@dataclass(frozen=True)
class ListSummary:
    kids: int
    gifts: int
    flagged: tuple[str, ...] = ()


@dataclass(frozen=True)
class ObjectReference:
    bucket: str
    key: str
    version_id: str | None = None


# -- the rules (pure functions) -------------------------------------------------------------------


def describe(value: Any) -> str:
    """A short, JSON-flavoured description of a value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:40] + "…"
        return "the text " + json.dumps(shown, ensure_ascii=False)
    if isinstance(value, list):
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, dict):
        keys = ", ".join(json.dumps(k, ensure_ascii=False) for k in list(value)[:5])
        return f"an object with keys {keys}" if value else "an empty object"
    return type(value).__name__


def parse_list(raw: bytes) -> list[Any]:
    """The JSON array in `raw`, or ListValidationError saying why it is not one."""
    if len(raw) > MAX_LIST_BYTES:
        raise _too_big(len(raw))
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark from a Windows editor is harmless
    except UnicodeDecodeError as error:
        raise ListValidationError(
            f"The file is not UTF-8 text (byte {error.start} cannot be decoded). "
            "Save it as UTF-8 and upload it again.",
            NOT_UTF8,
        ) from None
    if not text.strip():
        raise ListValidationError("The file is empty: there is no JSON in it.", NOT_JSON)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ListValidationError(
            f"The file is not valid JSON: {error.msg} at line {error.lineno}, column "
            f"{error.colno}. (A missing comma is usually reported at the start of the next "
            "item.)",
            NOT_JSON,
        ) from None
    if not isinstance(data, list):
        hint = ""
        if isinstance(data, dict) and any(isinstance(v, list) for v in data.values()):
            hint = " If the kids are inside one of its fields, upload just that array."
        raise ListValidationError(
            "The top level must be a JSON array of kids' requests ([ {...}, {...} ]), "
            f"but it is {describe(data)}.{hint}",
            NOT_A_LIST,
        )
    if not data:
        raise ListValidationError(
            "The list is empty: it needs at least one kid's request.", EMPTY_LIST
        )
    return data


def check_kid(index: int, kid: Any) -> list[Problem]:
    """Everything wrong with one item of the list (an empty list when it is fine)."""
    if not isinstance(kid, dict):
        return [Problem(index, None, None, f"expected an object {{...}}, got {describe(kid)}")]
    kid_id = kid.get("id") if _is_kid_id(kid.get("id")) else None
    problems = [Problem(index, kid_id, name, "missing") for name in FIELDS if name not in kid]
    allowed = ", ".join(FIELDS + OPTIONAL_FIELDS)
    for name in kid:
        if name not in FIELDS and name not in OPTIONAL_FIELDS:
            problems.append(Problem(index, kid_id, name, f"unknown field (allowed: {allowed})"))
    for name, check in _FIELD_CHECKS.items():
        if name in kid:
            text = check(kid[name])
            if text:
                problems.append(Problem(index, kid_id, name, text))
    return problems


def find_duplicates(kids: list[Any]) -> list[Problem]:
    """A problem for every kid whose id was already used by an earlier item."""
    first_seen: dict[str, int] = {}
    problems = []
    for index, kid in enumerate(kids):
        kid_id = kid.get("id") if isinstance(kid, dict) else None
        if not _is_kid_id(kid_id):
            continue
        if kid_id not in first_seen:
            first_seen[kid_id] = index
            continue
        first = first_seen[kid_id]
        same = "an exact copy of" if kids[first] == kid else "the same id as"
        problems.append(
            Problem(index, kid_id, "id", f"{same} item {first} (each kid may appear only once)")
        )
    return problems


def check_list(raw: bytes) -> ListSummary:
    """Apply every rule to the file's bytes. Returns counts, or raises ListValidationError."""
    kids = parse_list(raw)
    problems = [problem for index, kid in enumerate(kids) for problem in check_kid(index, kid)]
    problems += find_duplicates(kids)
    if problems:
        problems.sort(key=lambda problem: problem.index)
        raise ListValidationError(format_problems(problems), BAD_REQUESTS, problems)
    return ListSummary(
        kids=len(kids),
        gifts=sum(len(kid["gifts"]) for kid in kids),
        flagged=tuple(sorted({g.strip().lower() for kid in kids for g in kid["gifts"]})),
    )


DEFAULT_APPROVAL_MAX_KIDS = 10000


def approval_needed(summary: ListSummary, max_kids: int, flagged_gifts: set[str]) -> dict[str, Any]:
    """Whether a person must approve the list, and why (in words for the reviewer)."""
    reasons = []
    if summary.kids > max_kids:
        reasons.append(f"{summary.kids} kids, more than {max_kids} without approval")
    asked = sorted(flagged_gifts & set(summary.flagged))
    if asked:
        reasons.append("flagged gift asked for: " + ", ".join(asked))
    return {"needed": bool(reasons), "reasons": reasons}


def approval_settings() -> tuple[int, set[str]]:
    """APPROVAL_MAX_KIDS and APPROVAL_FLAGGED_GIFTS from the environment."""
    raw = os.environ.get("APPROVAL_MAX_KIDS", "").strip()
    max_kids = int(raw) if raw.isdigit() else DEFAULT_APPROVAL_MAX_KIDS
    gifts = os.environ.get("APPROVAL_FLAGGED_GIFTS", "")
    return max_kids, {g.strip().lower() for g in gifts.split(",") if g.strip()}


def format_problems(problems: list[Problem]) -> str:
    count = len(problems)
    lines = [f"Santa's list has {count} problem{'' if count == 1 else 's'}:"]
    lines += [f"- {problem}" for problem in problems[:MAX_PROBLEMS_SHOWN]]
    if count > MAX_PROBLEMS_SHOWN:
        lines.append(f"- ... and {count - MAX_PROBLEMS_SHOWN} more")
    return "\n".join(lines)


def read_reference(event: Any) -> ObjectReference:
    """The bucket, key and optional version the workflow passed in."""
    if not isinstance(event, dict):
        raise InvalidInputError(f"Expected an object with bucket and key, got {describe(event)}.")
    bucket, key, version = event.get("bucket"), event.get("key"), event.get("versionId")
    if not (isinstance(bucket, str) and bucket and isinstance(key, str) and key):
        raise InvalidInputError(
            'Expected {"bucket": "...", "key": "...", "versionId": optional}, got '
            f"{describe(event)}."
        )
    if version is not None and not isinstance(version, str):
        raise InvalidInputError(f"versionId must be text or null, got {describe(version)}.")
    return ObjectReference(bucket, key, version or None)


def _is_kid_id(value: Any) -> bool:
    return isinstance(value, str) and KID_ID.fullmatch(value) is not None


def _check_id(value: Any) -> str | None:
    if not _is_kid_id(value):
        return f'expected text like "kid-0042", got {describe(value)}'
    return None


def _check_text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return f"expected non-empty text, got {describe(value)}"
    if len(value) > MAX_TEXT_LENGTH:
        return f"too long ({len(value)} characters; at most {MAX_TEXT_LENGTH})"
    return None


def _check_country(value: Any) -> str | None:
    if not isinstance(value, str) or COUNTRY_CODE.fullmatch(value) is None:
        return f'expected a two-letter ISO 3166 country code such as "FI", got {describe(value)}'
    return None


def _check_age(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int):
        return f"expected a whole number from {MIN_AGE} to {MAX_AGE}, got {describe(value)}"
    if not MIN_AGE <= value <= MAX_AGE:
        return f"{value} is outside {MIN_AGE} to {MAX_AGE}: Santa's list is for children"
    return None


def _check_gifts(value: Any) -> str | None:
    if not isinstance(value, list):
        return f"expected a list of 1 to {MAX_GIFTS} gifts, got {describe(value)}"
    if not value:
        return "no gifts: ask for at least one"
    if len(value) > MAX_GIFTS:
        return f"naughty! {len(value)} presents asked for, but the rule is at most {MAX_GIFTS}"
    for number, gift in enumerate(value, start=1):
        if not isinstance(gift, str) or not gift.strip():
            return f"gift {number} should be non-empty text, got {describe(gift)}"
        if len(gift) > MAX_GIFT_LENGTH:
            return f"gift {number} is too long ({len(gift)} characters; at most {MAX_GIFT_LENGTH})"
    return None


def _check_stamp(value: Any) -> str | None:
    if value != STAMP:
        return f"only the transform step stamps requests, with {STAMP!r}; got {describe(value)}"
    return None


_FIELD_CHECKS = {
    "id": _check_id,
    "name": _check_text,
    "city": _check_text,
    "country": _check_country,
    "age": _check_age,
    "gifts": _check_gifts,
    "stamp": _check_stamp,
}


def _too_big(size: int) -> ListValidationError:
    return ListValidationError(
        f"The file is {size:,} bytes; this workflow accepts lists up to {MAX_LIST_BYTES:,} "
        "bytes. Split it into several uploads.",
        TOO_BIG,
    )


# -- the handler ----------------------------------------------------------------------------------


def lambda_handler(event: Any, context: Any) -> dict[str, Any]:
    reference = read_reference(event)
    logger.info(
        "validate: reading s3://%s/%s (version %s)",
        reference.bucket,
        reference.key,
        reference.version_id or "latest",
    )
    request = {"Bucket": reference.bucket, "Key": reference.key}
    if reference.version_id:
        request["VersionId"] = reference.version_id
    response = aws.client("s3").get_object(**request)
    size = int(response.get("ContentLength", 0))
    if size > MAX_LIST_BYTES:
        raise _too_big(size)  # before reading it all into memory
    raw = response["Body"].read()
    try:
        summary = check_list(raw)
    except ListValidationError as error:
        logger.warning("validate: rejected (%s): %s", error.reason, str(error).splitlines()[0])
        raise
    logger.info("validate: OK, %d kids asking for %d gifts", summary.kids, summary.gifts)
    return {
        "bucket": reference.bucket,
        "key": reference.key,
        # The version actually read, so later steps use the very same object.
        "versionId": response.get("VersionId") or reference.version_id,
        "etag": response.get("ETag"),
        "bytes": len(raw),
        "kids": summary.kids,
        "gifts": summary.gifts,
        "approval": approval_needed(summary, *approval_settings()),
    }
