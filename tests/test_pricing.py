"""The price book: the data file's promises, lookups, tiers and the Price List API refresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workshop_lib import pricing
from workshop_lib.pricing import (
    STATUSES,
    PriceBook,
    PriceDataError,
    Tier,
    TieredRate,
    data_dir,
    load_prices,
    refresh_from_price_list,
)


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


def _document() -> dict:
    return json.loads((data_dir() / "us-east-1.json").read_text(encoding="utf-8"))


# -- the data file -----------------------------------------------------------------------------


def test_every_entry_names_a_source_a_date_and_a_status() -> None:
    document = _document()
    assert document["retrieved"]
    for section in ("prices", "free_tier", "limits", "notices"):
        for name, entry in document[section].items():
            assert entry["source"].startswith("https://"), name
            assert entry["source_date"], name
            assert entry["status"] in STATUSES, name
            if section != "notices":
                assert isinstance(entry["value"], int | float), name
                assert entry["unit"], name


def test_tiers_ascend_and_end_open(book: PriceBook) -> None:
    for entry in book:
        if not entry.tiers:
            continue
        bounds = [t.up_to for t in entry.tiers]
        assert bounds[-1] is None, entry.name
        assert bounds[:-1] == sorted(bounds[:-1]), entry.name
        assert entry.value == entry.tiers[0].value, entry.name


def test_lambda_tier_prices_are_the_confirmed_discounts(book: PriceBook) -> None:
    for arch in ("x86_64", "arm64"):
        first, second, third = (t.value for t in book.aws_lambda.duration[arch].tiers)
        assert second == pytest.approx(first * 0.9, rel=1e-5)
        assert third == pytest.approx(first * 0.8, rel=1e-5)
    x86 = book.aws_lambda.duration["x86_64"].first
    assert book.aws_lambda.duration["arm64"].first == pytest.approx(x86 * 0.8, rel=1e-5)


def test_express_gb_second_prices_are_the_gb_hour_prices_over_3600(book: PriceBook) -> None:
    per_hour = book.price("stepfunctions.express.duration.gb_hour").tiers
    per_second = book.price("stepfunctions.express.duration.gb_second").tiers
    for hour, second in zip(per_hour, per_second, strict=True):
        assert second.value == pytest.approx(hour.value / 3600, rel=1e-4)
        if hour.up_to is not None:
            assert second.up_to == hour.up_to * 3600


def test_spot_prices_are_labelled_illustrative_and_follow_the_assumed_discount(
    book: PriceBook,
) -> None:
    ec2 = book.ec2
    assert set(ec2.spot) == set(ec2.on_demand) >= {"m5.large", "t3.micro", "t3.medium", "c5.large"}
    for instance_type, on_demand in ec2.on_demand.items():
        expected = on_demand * (1 - ec2.spot_assumed_discount)
        assert ec2.spot_price(instance_type) == pytest.approx(expected, rel=1e-9)
        source = book.source(f"ec2.spot.{instance_type}")
        assert source.status == "UNCONFIRMED"
        assert "illustrative" in source.note.lower()


def test_init_billing_notice_has_its_effective_date(book: PriceBook) -> None:
    notice = book.aws_lambda.init_billing
    assert notice.effective_date.isoformat() == "2025-08-01"
    assert book.source("lambda.init_billing").status == "C"


# -- lookups -----------------------------------------------------------------------------------


def test_typed_views_read_the_entries(book: PriceBook) -> None:
    assert book.aws_lambda.request == book.value("lambda.request")
    assert book.step_functions.standard_transition == book.value(
        "stepfunctions.standard.transition"
    )
    assert book.sqs_fifo.batched_messages_per_second == (
        book.value("sqs.fifo.transactions_per_second") * book.value("sqs.fifo.messages_per_batch")
    )


def test_source_says_where_a_number_comes_from(book: PriceBook) -> None:
    source = book.source("lambda.duration.x86_64")
    assert "1ms-billing" in source.url
    assert source.date == "2020-12-01"
    assert source.url in str(source)


def test_an_unknown_name_suggests_close_ones(book: PriceBook) -> None:
    with pytest.raises(PriceDataError) as caught:
        book.price("lambda.requests")
    assert "lambda.request" in (caught.value.hint or "")


def test_an_unknown_instance_type_lists_the_known_ones(book: PriceBook) -> None:
    with pytest.raises(PriceDataError) as caught:
        book.ec2.on_demand_price("x9.huge")
    assert "m5.large" in (caught.value.hint or "")


def test_an_unknown_region_is_a_friendly_error() -> None:
    with pytest.raises(PriceDataError) as caught:
        load_prices("eu-west-1")
    assert "us-east-1" in (caught.value.hint or "")


def test_a_missing_data_folder_is_a_friendly_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(pricing, "PRICING_DATA", tmp_path / "data" / "pricing")
    with pytest.raises(PriceDataError) as caught:
        data_dir()
    assert "data/pricing" in str(caught.value)


def test_the_html_table_is_static_and_shows_statuses(book: PriceBook) -> None:
    page = book._repr_html_()
    assert "<script" not in page
    for status in ("UNCONFIRMED", "PL", "C-calc"):
        assert status in page
    assert "lambda.request" in str(book)


# -- tiers -------------------------------------------------------------------------------------


def test_tiered_rate_splits_usage_over_the_bands() -> None:
    rate = TieredRate((Tier(10, 3.0, "C"), Tier(30, 2.0, "C"), Tier(None, 1.0, "C")), "USD")
    assert rate.cost(5) == 15
    assert rate.cost(10) == 30
    assert rate.cost(40) == 10 * 3 + 20 * 2 + 10 * 1
    assert rate.cost(10, already_used=25) == 5 * 2 + 5 * 1
    assert [c.quantity for c in rate.split(12)] == [10, 2]
    assert rate.cost(0) == 0


# -- refreshing from the Price List API ----------------------------------------------------------


def _product(usage_type: str, unit: str, bands: list[tuple[str, str, str]]) -> str:
    """A GetProducts PriceList item, shaped like the real API's (a JSON string)."""
    dimensions = {
        f"SKU{usage_type}.TERM.RATE{i}": {
            "unit": unit,
            "beginRange": begin,
            "endRange": end,
            "description": f"{usage_type} band {i}",
            "appliesTo": [],
            "rateCode": f"SKU{usage_type}.TERM.RATE{i}",
            "pricePerUnit": {"USD": price},
        }
        for i, (begin, end, price) in enumerate(bands)
    }
    return json.dumps(
        {
            "product": {
                "productFamily": "Serverless",
                "attributes": {"usagetype": usage_type, "regionCode": "us-east-1"},
                "sku": f"SKU{usage_type}",
            },
            "serviceCode": "AWSLambda",
            "terms": {
                "OnDemand": {
                    f"SKU{usage_type}.TERM": {
                        "priceDimensions": dimensions,
                        "sku": f"SKU{usage_type}",
                        "effectiveDate": "2026-10-01T00:00:00Z",
                        "offerTermCode": "TERM",
                        "termAttributes": {},
                    }
                }
            },
            "version": "20261001000000",
            "publicationDate": "2026-10-01T00:00:00Z",
        }
    )


class FakePricingClient:
    """Answers get_products from canned pages; records the requests it received."""

    def __init__(self, pages: dict[str, list[list[str]]]) -> None:
        self.pages = pages
        self.requests: list[dict] = []

    def get_products(self, **request: object) -> dict:
        self.requests.append(request)
        pages = self.pages.get(str(request["ServiceCode"]), [[]])
        index = int(str(request.get("NextToken", "0")))
        page = {"FormatVersion": "aws_v1", "PriceList": pages[index]}
        if index + 1 < len(pages):
            page["NextToken"] = str(index + 1)
        return page


def _fake_client() -> FakePricingClient:
    lambda_pages = [
        [
            _product("Request", "Requests", [("0", "Inf", "0.0000003")]),
            _product("Lambda-Edge-Request", "Requests", [("0", "Inf", "0.0000006")]),
        ],
        [
            _product(
                "Lambda-GB-Second",
                "Lambda-GB-Second",
                [
                    ("6000000000", "15000000000", "0.00002"),
                    ("0", "6000000000", "0.00003"),
                    ("15000000000", "Inf", "0.00001"),
                ],
            )
        ],
    ]
    step_functions_pages = [
        [
            _product("StateTransition", "StateTransitions", [("0", "Inf", "0.00005")]),
            _product(
                "StepFunctions-ExpressWorkflows-Requests", "Requests", [("0", "Inf", "0.000002")]
            ),
            _product(
                "StepFunctions-ExpressWorkflows-GB-Second",
                "GB-Second",
                [("0", "3600000", "0.00002"), ("3600000", "Inf", "0.00001")],
            ),
        ]
    ]
    return FakePricingClient({"AWSLambda": lambda_pages, "AWSStepFunctions": step_functions_pages})


def test_refresh_reads_lambda_and_step_functions_prices(book: PriceBook) -> None:
    client = _fake_client()
    fresh = refresh_from_price_list(client, base=book)

    assert fresh.aws_lambda.request == 0.0000003
    tiers = fresh.aws_lambda.duration["x86_64"].tiers
    assert [t.value for t in tiers] == [0.00003, 0.00002, 0.00001]
    assert [t.up_to for t in tiers] == [6e9, 15e9, None]
    assert fresh.step_functions.standard_transition == 0.00005
    assert fresh.step_functions.express_request == 0.000002
    per_hour = fresh.step_functions.express_gb_hour.tiers
    assert per_hour[0].value == pytest.approx(0.00002 * 3600)
    assert per_hour[0].up_to == pytest.approx(1000)

    source = fresh.source("lambda.request")
    assert source.status == "C" and "pricing" in source.url
    assert "lambda.duration.x86_64" in fresh.refreshed
    # What the API did not return keeps the file's value and source.
    assert fresh.aws_lambda.duration["arm64"] == book.aws_lambda.duration["arm64"]
    assert fresh.source("sns.publish") == book.source("sns.publish")


def test_refresh_pages_through_results_and_filters_on_the_region(book: PriceBook) -> None:
    client = _fake_client()
    refresh_from_price_list(client, base=book)
    lambda_calls = [r for r in client.requests if r["ServiceCode"] == "AWSLambda"]
    assert len(lambda_calls) == 2
    assert lambda_calls[1]["NextToken"] == "1"
    assert {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"} in lambda_calls[0][
        "Filters"
    ]


def test_refresh_with_nothing_recognisable_is_a_friendly_error(book: PriceBook) -> None:
    with pytest.raises(PriceDataError) as caught:
        refresh_from_price_list(FakePricingClient({}), base=book)
    assert "load_prices" in (caught.value.hint or "")


def test_free_tier_bands_priced_at_zero_are_skipped(book: PriceBook) -> None:
    client = FakePricingClient(
        {
            "AWSStepFunctions": [
                [
                    _product(
                        "USE1-StateTransition",
                        "StateTransitions",
                        [("0", "4000", "0"), ("4000", "Inf", "0.00004")],
                    )
                ]
            ]
        }
    )
    fresh = refresh_from_price_list(client, base=book)
    assert fresh.step_functions.standard_transition == 0.00004
