"""The S3, DynamoDB and SNS requests an execution makes: counted offline, declared otherwise.

Offline, the local cloud counts every API call it receives (Lambda handlers' calls included),
so the requests made during an execution's time window are *measured*. A real account has no
such counter, so each app declares what each of its states does in `infra/<app>/requests.json`
(read from the handlers' code) and the count of state visits in the history turns that into
a *declared* per-execution number.

How calls become billable units (the pricing pages of S3, DynamoDB and SNS; the sources are
in data/pricing/us-east-1.json):

* S3: PUT, COPY, POST and LIST are tier 1; GET, HEAD and every other call are tier 2; DELETE
  is treated as free (UNCONFIRMED: no AWS page read says so for S3 Standard).
* DynamoDB on demand: one write unit per PutItem, UpdateItem, DeleteItem or BatchWriteItem and
  two per TransactWriteItems; one read unit per GetItem, Query, Scan or BatchGetItem and two per
  TransactGetItems. That assumes items of at most 1 KB written and 4 KB read, strongly
  consistent; table management calls are free.
* SNS: one request per publish (messages up to 64 KB).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import CostInputError

PROFILE_FILE = "requests.json"
UNITS = ("s3_tier1", "s3_tier2", "dynamodb_wru", "dynamodb_rru", "sns_publishes")
SOURCES = ("measured", "declared", "none")

_S3_TIER1 = frozenset({"PUT", "POST", "LIST", "COPY"})
_S3_FREE = frozenset({"DELETE"})
_DYNAMODB_WRITES = {
    "PutItem": 1,
    "UpdateItem": 1,
    "DeleteItem": 1,
    "BatchWriteItem": 1,
    "TransactWriteItems": 2,
}
_DYNAMODB_READS = {
    "GetItem": 1,
    "Query": 1,
    "Scan": 1,
    "BatchGetItem": 1,
    "TransactGetItems": 2,
}
# The local cloud's counter reads SNS's action from the request body (its query protocol).
_SNS_PUBLISHES = frozenset({"Publish", "PublishBatch"})


@dataclass(frozen=True)
class RequestCount:
    """Billable request units of one execution, and how they were obtained."""

    s3_tier1: float = 0
    s3_tier2: float = 0
    dynamodb_wru: float = 0
    dynamodb_rru: float = 0
    sns_publishes: float = 0
    source: str = "none"
    """"measured" (the local cloud's counter), "declared" (an app's requests.json) or "none"."""
    note: str = ""
    raw: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    """Measured: the counter's calls by service and operation, as received."""

    def as_dict(self) -> dict[str, Any]:
        return {unit: getattr(self, unit) for unit in UNITS} | {
            "source": self.source,
            "note": self.note,
        }


def requests_from_counter(counts: Mapping[str, Mapping[str, int]]) -> RequestCount:
    """Billable units from `workshop_lib.cloud.requests_between()`'s calls per operation."""
    s3 = counts.get("s3", {})
    dynamodb = counts.get("dynamodb", {})
    sns = counts.get("sns", {})
    kept = {k: dict(v) for k, v in counts.items() if k in ("s3", "dynamodb", "sns")}
    return RequestCount(
        s3_tier1=sum(n for op, n in s3.items() if op in _S3_TIER1),
        s3_tier2=sum(n for op, n in s3.items() if op not in _S3_TIER1 and op not in _S3_FREE),
        dynamodb_wru=sum(_DYNAMODB_WRITES.get(op, 0) * n for op, n in dynamodb.items()),
        dynamodb_rru=sum(_DYNAMODB_READS.get(op, 0) * n for op, n in dynamodb.items()),
        sns_publishes=sum(n for op, n in sns.items() if op in _SNS_PUBLISHES),
        source="measured",
        note="counted by the local cloud during the execution",
        raw=kept,
    )


def measure_requests(since: float, until: float) -> RequestCount:
    """S3, DynamoDB and SNS requests the local cloud received between two times (offline)."""
    from .. import cloud

    return requests_from_counter(cloud.requests_between(since, until))


@dataclass(frozen=True)
class RequestProfile:
    """What each state of an app's workflow requests, per visit: declared, not measured."""

    path: Path
    states: Mapping[str, Mapping[str, float]]
    about: str = ""

    @classmethod
    def load(cls, path: str | Path) -> RequestProfile:
        """Read a `requests.json` file (see infra/santa/requests.json for the format)."""
        file = Path(path)
        if file.is_dir():
            file = file / PROFILE_FILE
        try:
            document = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CostInputError(
                f"There is no request profile at {file}.",
                hint=f"Write one: a {PROFILE_FILE} next to the app's template.yaml that says, "
                "per state, how many S3, DynamoDB and SNS requests one visit makes.",
            ) from None
        except ValueError as error:
            raise CostInputError(f"{file} is not valid JSON: {error}") from None
        states: dict[str, dict[str, float]] = {}
        for state, entry in (document.get("states") or {}).items():
            unknown = set(entry) - set(UNITS) - {"why"}
            if unknown:
                raise CostInputError(
                    f"{file}: state {state!r} has unknown fields {sorted(unknown)}.",
                    hint=f"Use {', '.join(UNITS)} (and 'why' for the explanation).",
                )
            states[state] = {unit: float(entry.get(unit, 0)) for unit in UNITS}
        return cls(path=file, states=states, about=str(document.get("about", "")))

    @classmethod
    def for_app(cls, app: str) -> RequestProfile:
        """The profile next to an app's template (`santa`, `images` or a folder)."""
        from ..deploy import resolve_app

        return cls.load(resolve_app(app).directory / PROFILE_FILE)

    def count(self, visits: Mapping[str, int]) -> RequestCount:
        """Requests of an execution that entered each state `visits[state]` times."""
        totals = dict.fromkeys(UNITS, 0.0)
        for state, times in visits.items():
            for unit, per_visit in self.states.get(state, {}).items():
                totals[unit] += per_visit * times
        return RequestCount(
            **totals, source="declared", note=f"declared per state in {self.path.name}"
        )
