"""AWS list prices and limits, read from one data file with a source for every number.

Prices change, and several of ours are not confirmed on an AWS page, so no other module writes a
price or a limit as a literal: they all come from a `PriceBook`. Offline, the book is read from
`data/pricing/<region>.json`. In aws mode, `refresh_from_price_list` updates the Lambda and Step
Functions prices from the AWS Price List Query API.

    >>> book = load_prices()
    >>> book.aws_lambda.request          # USD per request
    >>> book.source("lambda.request")    # where that number comes from
"""

from __future__ import annotations

import datetime as _dt
import difflib
import functools
import html
import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .display import Displayable, theme
from .errors import WorkshopError
from .paths import PRICING_DATA

__all__ = [
    "ARCHITECTURES",
    "STATUSES",
    "DynamoDBPrices",
    "EC2Prices",
    "FargatePrices",
    "LambdaPrices",
    "Notice",
    "Price",
    "PriceBook",
    "PriceDataError",
    "S3Prices",
    "SNSPrices",
    "SQSFifoLimits",
    "Source",
    "StepFunctionsPrices",
    "Tier",
    "TierCharge",
    "TieredRate",
    "data_dir",
    "load_prices",
    "refresh_from_price_list",
]

ARCHITECTURES = ("x86_64", "arm64")
STATUSES = ("C", "C-calc", "PL", "UNCONFIRMED")
_SECTIONS = ("prices", "free_tier", "limits")


class PriceDataError(WorkshopError):
    """The price data is missing, malformed, or does not have the entry asked for."""


# -- the data model ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a number comes from, how old the source is and how sure we are about it."""

    url: str
    date: str
    status: str
    note: str = ""
    more: tuple[tuple[str, str], ...] = ()
    """Further (url, date) pairs that back the same number."""

    def __str__(self) -> str:
        return f"{self.url} ({self.date}; status {self.status})"


@dataclass(frozen=True)
class Tier:
    """One price band; `up_to` is its upper bound in the entry's tier basis (None: no end)."""

    up_to: float | None
    value: float
    status: str


@dataclass(frozen=True)
class TierCharge:
    """The part of a quantity that fell into one band, and what it costs."""

    start: float
    end: float | None
    quantity: float
    price: float

    @property
    def cost(self) -> float:
        return self.quantity * self.price


@dataclass(frozen=True)
class TieredRate:
    """A price that falls as monthly usage grows. A flat price is a rate with one band."""

    tiers: tuple[Tier, ...]
    unit: str

    @property
    def first(self) -> float:
        """The price of the first band: what small workloads pay."""
        return self.tiers[0].value

    def split(self, quantity: float, *, already_used: float = 0.0) -> tuple[TierCharge, ...]:
        """Spread `quantity` over the bands, starting after `already_used` units this month."""
        charges: list[TierCharge] = []
        position, remaining, start = already_used, quantity, 0.0
        for tier in self.tiers:
            end = math.inf if tier.up_to is None else tier.up_to
            if remaining <= 0:
                break
            if position < end:
                taken = min(remaining, end - position)
                charges.append(TierCharge(start, tier.up_to, taken, tier.value))
                position += taken
                remaining -= taken
            start = end
        return tuple(charges)

    def cost(self, quantity: float, *, already_used: float = 0.0) -> float:
        """What `quantity` units cost when `already_used` units were used earlier in the month."""
        return sum(charge.cost for charge in self.split(quantity, already_used=already_used))


@dataclass(frozen=True)
class Price:
    """One entry of the data file: a price, a free-tier amount or a limit."""

    name: str
    value: float
    unit: str
    source: Source
    kind: str
    """`prices`, `free_tier` or `limits`: the section of the data file it came from."""
    tiers: tuple[Tier, ...] = ()
    tier_basis: str = ""

    @property
    def status(self) -> str:
        return self.source.status

    @property
    def rate(self) -> TieredRate:
        """The entry as a tiered rate (one band when the price is flat)."""
        tiers = self.tiers or (Tier(None, self.value, self.status),)
        return TieredRate(tiers, self.unit)


@dataclass(frozen=True)
class Notice:
    """A dated change in how AWS bills, with no number of its own."""

    name: str
    effective: str
    source: Source

    @property
    def effective_date(self) -> _dt.date:
        return _dt.date.fromisoformat(self.effective)


# -- typed views ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LambdaPrices:
    """Lambda prices, free tier and the limits the cost models check against."""

    request: float
    duration: Mapping[str, TieredRate]
    """USD per GB-second, by architecture (`x86_64`, `arm64`)."""
    ephemeral_storage: float
    """USD per GB-second of /tmp above `ephemeral_included_mb`."""
    ephemeral_included_mb: float
    ephemeral_max_mb: float
    free_requests: float
    free_gb_seconds: float
    billing_granularity_ms: float
    memory_min_mb: float
    memory_max_mb: float
    one_vcpu_mb: float
    max_vcpus: float
    timeout_max_s: float
    account_concurrency: float
    environments_per_10s: float
    init_billing: Notice


@dataclass(frozen=True)
class StepFunctionsPrices:
    """Step Functions prices (Standard and Express), free tier, billing steps and Retry defaults."""

    standard_transition: float
    standard_free_transitions: float
    express_request: float
    express_free_requests: float
    express_gb_hour: TieredRate
    express_memory_step_mb: float
    express_duration_step_ms: float
    express_max_duration_s: float
    retry_interval_seconds: float
    retry_backoff_rate: float
    retry_max_attempts: float


@dataclass(frozen=True)
class S3Prices:
    tier1_request: float
    tier2_request: float
    storage_gb_month: TieredRate


@dataclass(frozen=True)
class DynamoDBPrices:
    write_request_unit: float
    read_request_unit: float


@dataclass(frozen=True)
class SNSPrices:
    publish: float
    free_publishes: float


@dataclass(frozen=True)
class EC2Prices:
    """Example instance prices. Spot prices are illustrative (see `spot_assumed_discount`)."""

    on_demand: Mapping[str, float]
    spot: Mapping[str, float]
    spot_assumed_discount: float
    interruption_notice_s: float

    def on_demand_price(self, instance_type: str) -> float:
        return _instance_price(self.on_demand, instance_type, "On-Demand")

    def spot_price(self, instance_type: str) -> float:
        return _instance_price(self.spot, instance_type, "Spot")


@dataclass(frozen=True)
class FargatePrices:
    vcpu_hour: float
    gb_hour: float


@dataclass(frozen=True)
class SQSFifoLimits:
    transactions_per_second: float
    messages_per_batch: float

    @property
    def batched_messages_per_second(self) -> float:
        return self.transactions_per_second * self.messages_per_batch


def _instance_price(table: Mapping[str, float], instance_type: str, market: str) -> float:
    try:
        return table[instance_type]
    except KeyError:
        raise PriceDataError(
            f"No {market} price for instance type {instance_type!r} in the price data.",
            hint=f"Use one of {', '.join(sorted(table))}, or add the type to data/pricing.",
        ) from None


# -- the book ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceBook(Displayable):
    """Every price, free-tier amount and limit for one region, each with its source."""

    region: str
    currency: str
    retrieved: str
    origin: str
    """Where this book was read from (the data file, or the Price List API)."""
    entries: Mapping[str, Price] = field(repr=False)
    notices: Mapping[str, Notice] = field(repr=False)
    refreshed: tuple[str, ...] = ()
    """Names of the entries that `refresh_from_price_list` updated."""

    # Lookups -----------------------------------------------------------------------------------

    def price(self, name: str) -> Price:
        """The entry called `name` (prices, free-tier amounts and limits share one namespace)."""
        try:
            return self.entries[name]
        except KeyError:
            close = difflib.get_close_matches(name, list(self.entries), n=3)
            suggestion = f"Did you mean {', '.join(close)}?" if close else "See book.names()."
            raise PriceDataError(
                f"The price data for {self.region} has no entry {name!r}.", hint=suggestion
            ) from None

    def value(self, name: str) -> float:
        return self.price(name).value

    def source(self, name: str) -> Source:
        """Where the number called `name` comes from."""
        if name in self.notices:
            return self.notices[name].source
        return self.price(name).source

    def notice(self, name: str) -> Notice:
        try:
            return self.notices[name]
        except KeyError:
            raise PriceDataError(
                f"The price data has no notice {name!r}.",
                hint=f"Known notices: {', '.join(self.notices)}.",
            ) from None

    def names(self, kind: str | None = None) -> list[str]:
        return [name for name, entry in self.entries.items() if kind in (None, entry.kind)]

    def __iter__(self) -> Iterator[Price]:
        return iter(self.entries.values())

    # Typed views -------------------------------------------------------------------------------

    @cached_property
    def aws_lambda(self) -> LambdaPrices:
        v = self.value
        return LambdaPrices(
            request=v("lambda.request"),
            duration=MappingProxyType(
                {arch: self.price(f"lambda.duration.{arch}").rate for arch in ARCHITECTURES}
            ),
            ephemeral_storage=v("lambda.ephemeral_storage"),
            ephemeral_included_mb=v("lambda.ephemeral_storage.included_mb"),
            ephemeral_max_mb=v("lambda.ephemeral_storage.max_mb"),
            free_requests=v("lambda.free_tier.requests"),
            free_gb_seconds=v("lambda.free_tier.gb_seconds"),
            billing_granularity_ms=v("lambda.billing.granularity_ms"),
            memory_min_mb=v("lambda.memory.min_mb"),
            memory_max_mb=v("lambda.memory.max_mb"),
            one_vcpu_mb=v("lambda.memory.one_vcpu_mb"),
            max_vcpus=v("lambda.vcpu.max"),
            timeout_max_s=v("lambda.timeout.max_s"),
            account_concurrency=v("lambda.concurrency.account_default"),
            environments_per_10s=v("lambda.scaling.environments_per_10s"),
            init_billing=self.notice("lambda.init_billing"),
        )

    @cached_property
    def step_functions(self) -> StepFunctionsPrices:
        v = self.value
        return StepFunctionsPrices(
            standard_transition=v("stepfunctions.standard.transition"),
            standard_free_transitions=v("stepfunctions.standard.free_tier.transitions"),
            express_request=v("stepfunctions.express.request"),
            express_free_requests=v("stepfunctions.express.free_tier.requests"),
            express_gb_hour=self.price("stepfunctions.express.duration.gb_hour").rate,
            express_memory_step_mb=v("stepfunctions.express.billing.memory_step_mb"),
            express_duration_step_ms=v("stepfunctions.express.billing.duration_step_ms"),
            express_max_duration_s=v("stepfunctions.express.max_duration_s"),
            retry_interval_seconds=v("stepfunctions.retry.default_interval_seconds"),
            retry_backoff_rate=v("stepfunctions.retry.default_backoff_rate"),
            retry_max_attempts=v("stepfunctions.retry.default_max_attempts"),
        )

    @cached_property
    def s3(self) -> S3Prices:
        return S3Prices(
            tier1_request=self.value("s3.requests.tier1"),
            tier2_request=self.value("s3.requests.tier2"),
            storage_gb_month=self.price("s3.storage.standard").rate,
        )

    @cached_property
    def dynamodb(self) -> DynamoDBPrices:
        return DynamoDBPrices(
            write_request_unit=self.value("dynamodb.on_demand.write_request_unit"),
            read_request_unit=self.value("dynamodb.on_demand.read_request_unit"),
        )

    @cached_property
    def sns(self) -> SNSPrices:
        return SNSPrices(
            publish=self.value("sns.publish"), free_publishes=self.value("sns.free_tier.publishes")
        )

    @cached_property
    def ec2(self) -> EC2Prices:
        def table(prefix: str) -> Mapping[str, float]:
            return MappingProxyType(
                {
                    name.removeprefix(prefix): entry.value
                    for name, entry in self.entries.items()
                    if name.startswith(prefix) and entry.unit.startswith("USD per instance-hour")
                }
            )

        return EC2Prices(
            on_demand=table("ec2.on_demand."),
            spot=table("ec2.spot."),
            spot_assumed_discount=self.value("ec2.spot.assumed_discount"),
            interruption_notice_s=self.value("ec2.spot.interruption_notice_s"),
        )

    @cached_property
    def fargate(self) -> FargatePrices:
        return FargatePrices(
            vcpu_hour=self.value("fargate.vcpu_hour"), gb_hour=self.value("fargate.gb_hour")
        )

    @cached_property
    def sqs_fifo(self) -> SQSFifoLimits:
        return SQSFifoLimits(
            transactions_per_second=self.value("sqs.fifo.transactions_per_second"),
            messages_per_batch=self.value("sqs.fifo.messages_per_batch"),
        )

    # Display -----------------------------------------------------------------------------------

    def __str__(self) -> str:
        lines = [f"Price book {self.region} ({self.currency}), retrieved {self.retrieved}"]
        lines.append(f"  from {self.origin}")
        for entry in self.entries.values():
            lines.append(f"  {entry.name:<46} {entry.value:<14g} {entry.unit}  [{entry.status}]")
        for notice in self.notices.values():
            lines.append(f"  {notice.name:<46} since {notice.effective}  [{notice.source.status}]")
        return "\n".join(lines)

    def _html(self) -> str:
        rows = []
        for entry in self.entries.values():
            value = f"{entry.value:g}"
            if len(entry.tiers) > 1:
                bands = "; ".join(
                    f"{t.value:g} up to {t.up_to:,.0f}" if t.up_to is not None else f"{t.value:g}"
                    for t in entry.tiers
                )
                value = f"{value}<br><small>tiers: {html.escape(bands)}</small>"
            rows.append(_html_row(entry.name, value, entry.unit, entry.source))
        for notice in self.notices.values():
            rows.append(_html_row(notice.name, f"since {notice.effective}", "", notice.source))
        return (
            f"<div><strong>Price book {html.escape(self.region)}</strong> "
            f"({html.escape(self.currency)}, retrieved {html.escape(self.retrieved)}; "
            f"{html.escape(self.origin)})"
            "<table><thead><tr><th>name</th><th>value</th><th>unit</th><th>status</th>"
            "<th>source</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            "<small>Status: C = confirmed on an AWS page; C-calc = arithmetic on a confirmed "
            "value; PL = third-party copy of the AWS Price List; UNCONFIRMED = secondary "
            "sources or our own assumption.</small></div>"
        )


_STATUS_COLOURS = {
    "C": theme.GO,
    "C-calc": "#8fd694",
    "PL": theme.AMBER,
    "UNCONFIRMED": theme.ALARM,
}


def _html_row(name: str, value_html: str, unit: str, source: Source) -> str:
    colour = _STATUS_COLOURS.get(source.status, theme.LIGHT_GREY)
    link = f'<a href="{html.escape(source.url)}">{html.escape(source.date)}</a>'
    title = html.escape(source.note)
    return (
        f'<tr title="{title}"><td><code>{html.escape(name)}</code></td><td>{value_html}</td>'
        f"<td>{html.escape(unit)}</td>"
        f'<td><span style="background:{colour};padding:0 4px">{source.status}</span></td>'
        f"<td>{link}</td></tr>"
    )


# -- loading -----------------------------------------------------------------------------------


def data_dir() -> Path:
    """The folder with the price files: `data/pricing` at the root of the repository."""
    folder = PRICING_DATA
    if not folder.is_dir():
        raise PriceDataError(
            f"The price data folder {folder} is missing.",
            hint="The cost models read prices from data/pricing in the workbook's repository. "
            "Run from a full checkout (pip install -e .) rather than a copied package.",
        )
    return folder


def load_prices(region: str = "us-east-1") -> PriceBook:
    """Read the price book for `region` from `data/pricing/<region>.json`."""
    path = data_dir() / f"{region}.json"
    if not path.is_file():
        available = sorted(p.stem for p in data_dir().glob("*.json"))
        raise PriceDataError(
            f"There is no price data for region {region!r}.",
            hint=f"Available: {', '.join(available) or 'none'}. Prices differ by region; "
            "the workbook ships us-east-1 list prices.",
        )
    # The book is immutable, so one read per version of the file is enough.
    return _read_book(str(path), path.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _read_book(path: str, modified_ns: int) -> PriceBook:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise PriceDataError(
            f"{path} is not valid JSON ({error}).", hint="Restore the file from git."
        ) from None
    return _book_from_document(document, origin=f"file {Path(path).name}")


def _book_from_document(document: Mapping[str, Any], *, origin: str) -> PriceBook:
    entries: dict[str, Price] = {}
    try:
        for section in _SECTIONS:
            for name, raw in document.get(section, {}).items():
                entries[name] = _price_from_raw(name, raw, section)
        notices = {
            name: Notice(name, raw["effective"], _source_from_raw(raw))
            for name, raw in document.get("notices", {}).items()
        }
        return PriceBook(
            region=document["region"],
            currency=document["currency"],
            retrieved=document["retrieved"],
            origin=origin,
            entries=MappingProxyType(entries),
            notices=MappingProxyType(notices),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise PriceDataError(
            f"The price data ({origin}) is malformed: {error!r}.",
            hint="Every entry needs value, unit, source, source_date and status; "
            "see data/pricing/README.md.",
        ) from None


def _source_from_raw(raw: Mapping[str, Any]) -> Source:
    status = raw["status"]
    if status not in STATUSES:
        raise ValueError(f"unknown status {status!r}")
    more = tuple((m["url"], m.get("date", "")) for m in raw.get("more_sources", ()))
    return Source(raw["source"], str(raw["source_date"]), status, raw.get("note", ""), more)


def _price_from_raw(name: str, raw: Mapping[str, Any], kind: str) -> Price:
    tiers = tuple(
        Tier(t["up_to"], float(t["value"]), t.get("status", raw["status"]))
        for t in raw.get("tiers", ())
    )
    return Price(
        name=name,
        value=float(raw["value"]),
        unit=raw["unit"],
        source=_source_from_raw(raw),
        kind=kind,
        tiers=tiers,
        tier_basis=raw.get("tier_basis", ""),
    )


# -- refreshing from the AWS Price List Query API ----------------------------------------------

_PRICE_LIST_URL = "https://api.pricing.us-east-1.amazonaws.com"
# Outside us-east-1, usage types carry a region prefix such as "USE2-" or "EUC1-".
_USAGE_PREFIX = re.compile(r"^[A-Z]{2,4}\d-")
_LAMBDA_USAGE_TYPES = {
    "Request": "lambda.request",
    "Lambda-GB-Second": "lambda.duration.x86_64",
    "Lambda-GB-Second-ARM": "lambda.duration.arm64",
    "Lambda-Storage-GB-Second": "lambda.ephemeral_storage",
}
_SECONDS_PER_HOUR = 3600.0


def refresh_from_price_list(
    client: Any, *, base: PriceBook | None = None, region: str = "us-east-1"
) -> PriceBook:
    """A copy of `base` with Lambda and Step Functions prices read from the AWS Price List API.

    `client` is a boto3 `pricing` client. The API answers only in a few regions, so create it
    there whatever your own region is, e.g.
    `workshop_lib.clients.session("aws").client("pricing", region_name="us-east-1")`.
    The call needs the `pricing:GetProducts` permission, no billing access. Entries the API did
    not return keep their file values; `book.refreshed` lists the ones that changed source.
    """
    base = base or load_prices(region)
    found: dict[str, tuple[list[tuple[float, float | None, float]], str, str]] = {}
    for service_code, classify in (
        ("AWSLambda", _classify_lambda),
        ("AWSStepFunctions", _classify_step_functions),
    ):
        for product in _products(client, service_code, region):
            attributes = product.get("product", {}).get("attributes", {})
            usage_type = _USAGE_PREFIX.sub("", attributes.get("usagetype", ""))
            for bands, unit, date in _on_demand_bands(product):
                name = classify(usage_type, unit)
                if name is not None and name not in found:
                    found[name] = (bands, unit, date or product.get("publicationDate", ""))

    updated: dict[str, Price] = {}
    for name, (bands, unit, date) in found.items():
        entry = _refreshed_entry(base.price(name), bands, unit, date)
        if entry is not None:
            updated[name] = entry
    if "stepfunctions.express.duration.gb_hour" in updated:
        per_hour = updated["stepfunctions.express.duration.gb_hour"]
        updated["stepfunctions.express.duration.gb_second"] = _per_second_copy(base, per_hour)
    if not updated:
        raise PriceDataError(
            "The Price List API returned no Lambda or Step Functions prices we recognise.",
            hint="Check the client's region (us-east-1 works) and the pricing:GetProducts "
            "permission. Until then, load_prices() uses the prices shipped with the workbook.",
        )
    entries = dict(base.entries)
    entries.update(updated)
    today = _dt.date.today().isoformat()
    return replace(
        base,
        entries=MappingProxyType(entries),
        origin=f"AWS Price List API on {today} (other entries: {base.origin})",
        retrieved=today,
        refreshed=tuple(sorted(updated)),
    )


def _products(client: Any, service_code: str, region: str) -> Iterator[dict[str, Any]]:
    request: dict[str, Any] = {
        "ServiceCode": service_code,
        "Filters": [{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region}],
        "FormatVersion": "aws_v1",
        "MaxResults": 100,
    }
    while True:
        page = client.get_products(**request)
        for item in page.get("PriceList", []):
            yield json.loads(item) if isinstance(item, str) else item
        token = page.get("NextToken")
        if not token:
            return
        request["NextToken"] = token


def _on_demand_bands(
    product: Mapping[str, Any],
) -> Iterator[tuple[list[tuple[float, float | None, float]], str, str]]:
    """(begin, end, USD price) bands of each On-Demand term, in order, with unit and date."""
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        bands: list[tuple[float, float | None, float]] = []
        unit = ""
        for dimension in term.get("priceDimensions", {}).values():
            end = dimension.get("endRange", "Inf")
            bands.append(
                (
                    float(dimension.get("beginRange", 0)),
                    None if end in ("Inf", "", None) else float(end),
                    float(dimension["pricePerUnit"]["USD"]),
                )
            )
            unit = dimension.get("unit", unit)
        if bands:
            yield sorted(bands, key=lambda band: band[0]), unit, term.get("effectiveDate", "")[:10]


def _classify_lambda(usage_type: str, unit: str) -> str | None:
    return _LAMBDA_USAGE_TYPES.get(usage_type)


def _classify_step_functions(usage_type: str, unit: str) -> str | None:
    # Usage type names differ between offer versions, so match on meaningful words.
    lowered = usage_type.lower()
    if "statetransition" in lowered:
        return "stepfunctions.standard.transition"
    if "express" in lowered and "request" in lowered:
        return "stepfunctions.express.request"
    if "express" in lowered and ("gb" in lowered or "duration" in lowered):
        return "stepfunctions.express.duration.gb_hour"
    return None


def _refreshed_entry(
    current: Price, bands: list[tuple[float, float | None, float]], unit: str, date: str
) -> Price | None:
    # A free tier sometimes appears as a first band priced at $0; the paid bands follow it.
    paid = [band for band in bands if band[2] > 0] or bands
    scale = 1.0
    if current.name.endswith("gb_hour") and "hour" not in unit.lower():
        scale = _SECONDS_PER_HOUR  # the API quoted per GB-second: convert to per GB-hour
    tiers = tuple(
        Tier(None if end is None else end / scale, price * scale, "C") for _, end, price in paid
    )
    if not tiers:
        return None
    source = Source(
        url=_PRICE_LIST_URL,
        date=date or _dt.date.today().isoformat(),
        status="C",
        note=f"Read from the AWS Price List Query API (GetProducts, unit {unit!r}).",
    )
    keep_tiers = len(tiers) > 1 or bool(current.tiers)
    return replace(current, value=tiers[0].value, source=source, tiers=tiers if keep_tiers else ())


def _per_second_copy(base: PriceBook, per_hour: Price) -> Price:
    current = base.price("stepfunctions.express.duration.gb_second")
    tiers = tuple(
        Tier(
            None if t.up_to is None else t.up_to * _SECONDS_PER_HOUR,
            t.value / _SECONDS_PER_HOUR,
            "C-calc",
        )
        for t in per_hour.tiers
    )
    source = replace(per_hour.source, status="C-calc", note="GB-hour prices divided by 3,600.")
    return replace(current, value=tiers[0].value, tiers=tiers, source=source)
