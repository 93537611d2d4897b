"""Power tuning maths: trimmed mean, invoke cost, strategies, the chart URL and the CPU model."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import base64
import struct

import pytest

from workshop_lib.costs import (
    CostInputError,
    PowerTuningResult,
    invoke_cost,
    lambda_cost,
    model_duration_ms,
    trimmed_mean,
    vcpu_share,
)
from workshop_lib.pricing import PriceBook, load_prices


@pytest.fixture(scope="module")
def book() -> PriceBook:
    return load_prices()


# -- trimmed mean ------------------------------------------------------------------------------


def test_trimmed_mean_drops_the_fastest_and_slowest_fifth() -> None:
    durations = [900, 10, 11, 12, 13, 14, 15, 16, 1, 2]  # 10 values: drop 2 at each end
    assert trimmed_mean(durations) == pytest.approx(sum([10, 11, 12, 13, 14, 15]) / 6)


def test_trimmed_mean_keeps_everything_when_there_are_too_few_values_to_trim() -> None:
    assert trimmed_mean([1, 2, 3, 100]) == pytest.approx(26.5)
    assert trimmed_mean([5]) == 5


def test_trimmed_mean_with_fifteen_values_drops_three_each_side() -> None:
    values = list(range(15))
    assert trimmed_mean(values) == pytest.approx(sum(range(3, 12)) / 9)


@pytest.mark.parametrize(("values", "trim"), [([], 0.2), ([1, 2], 0.5), ([1, 2], -0.1)])
def test_trimmed_mean_refuses_what_it_cannot_average(values: list[float], trim: float) -> None:
    with pytest.raises(CostInputError):
        trimmed_mean(values, trim)


# -- invoke cost -------------------------------------------------------------------------------


def test_invoke_cost_includes_the_request_fee_unless_told_not_to(book: PriceBook) -> None:
    with_fee = invoke_cost(512, 200)
    without = invoke_cost(512, 200, include_request_fee=False)
    assert with_fee - without == pytest.approx(book.aws_lambda.request)
    assert with_fee == pytest.approx(lambda_cost(512, 200, 1).total_cost)


def test_invoke_cost_rounds_the_duration_up_and_prices_arm_lower() -> None:
    assert invoke_cost(1024, 99.1) == invoke_cost(1024, 100)
    assert invoke_cost(1024, 100, "arm64") < invoke_cost(1024, 100, "x86_64")


# -- strategies --------------------------------------------------------------------------------


def _result(**changes: object) -> PowerTuningResult:
    data: dict[str, object] = {
        "memory_sizes": (1024, 128, 512, 256),  # out of order on purpose
        "durations_ms": (240.0, 1000.0, 250.0, 480.0),
        "costs": (4.0e-6, 2.1e-6, 2.1e-6, 2.0e-6),
    }
    data.update(changes)
    return PowerTuningResult(**data)  # type: ignore[arg-type]


def test_sizes_are_kept_in_ascending_order_with_their_values() -> None:
    result = _result()
    assert result.memory_sizes == (128, 256, 512, 1024)
    assert result.durations_ms == (1000.0, 480.0, 250.0, 240.0)


def test_cost_strategy_picks_the_cheapest_and_speed_the_fastest() -> None:
    result = _result()
    assert result.best("cost").memory_mb == 256
    assert result.best("speed").memory_mb == 1024


def test_ties_are_broken_by_the_other_measure() -> None:
    tie = _result(costs=(4.0e-6, 2.0e-6, 2.0e-6, 3.0e-6))  # 128 and 512 cost the same
    assert tie.best("cost").memory_mb == 512  # the faster of the two
    same_speed = _result(durations_ms=(250.0, 1000.0, 250.0, 480.0))
    assert same_speed.best("speed").memory_mb == 512  # 512 is cheaper than 1024


def test_balanced_weight_one_is_cost_and_zero_is_speed() -> None:
    result = _result()
    assert result.best("balanced", balanced_weight=1.0).memory_mb == result.best("cost").memory_mb
    assert result.best("balanced", balanced_weight=0.0).memory_mb == result.best("speed").memory_mb
    assert result.best("balanced").memory_mb == 512


def test_min_max_and_max_normalisation_can_disagree() -> None:
    result = PowerTuningResult((128, 256, 512), (10.0, 9.0, 1.0), (1.0, 1.1, 3.0))
    assert result.best("balanced").memory_mb == 256
    assert result.best("balanced", normalisation="max").memory_mb == 512


def test_default_strategy_is_the_result_s_own() -> None:
    assert _result(strategy="speed").best().strategy == "speed"


@pytest.mark.parametrize(
    "changes",
    [
        {"costs": (1.0, 2.0)},
        {"memory_sizes": (128, 128, 256, 512)},
        {"strategy": "cheap"},
        {"memory_sizes": (), "durations_ms": (), "costs": ()},
    ],
)
def test_inconsistent_results_are_refused(changes: dict[str, object]) -> None:
    with pytest.raises(CostInputError):
        _result(**changes)


# -- the visualisation URL ---------------------------------------------------------------------


def test_visualization_url_round_trips() -> None:
    result = _result()
    url = result.visualization_url()
    assert url.startswith("https://lambda-power-tuning.show/#")
    sizes_b64, durations_b64, costs_b64 = url.split("#", 1)[1].split(";")
    sizes = base64.b64decode(sizes_b64)
    durations = base64.b64decode(durations_b64)
    costs = base64.b64decode(costs_b64)
    count = len(result.memory_sizes)
    assert struct.unpack(f"<{count}h", sizes) == result.memory_sizes
    assert struct.unpack(f"<{count}f", durations) == pytest.approx(result.durations_ms, rel=1e-6)
    assert struct.unpack(f"<{count}f", costs) == pytest.approx(result.costs, rel=1e-6)


def test_visualization_url_matches_the_tool_s_encoding_of_its_default_sizes() -> None:
    # The tool's own links for 128,256,512,1024,2048,3008 MB start with this string.
    result = PowerTuningResult((128, 256, 512, 1024, 2048, 3008), (1.0,) * 6, (1.0,) * 6)
    assert result.visualization_url().split("#")[1].split(";")[0] == "gAAAAQACAAQACMAL"


# -- measurements and the model ----------------------------------------------------------------


def test_from_measurements_uses_trimmed_means_and_invoke_cost() -> None:
    samples = {256: [100, 101, 102, 103, 5000], 128: [210, 200, 205, 1, 204]}
    result = PowerTuningResult.from_measurements(samples, arch="arm64")
    assert result.memory_sizes == (128, 256)
    assert result.durations_ms[0] == pytest.approx(trimmed_mean(samples[128]))
    assert result.costs[1] == pytest.approx(invoke_cost(256, trimmed_mean(samples[256]), "arm64"))
    assert not result.is_model


def test_cpu_share_follows_the_documented_anchor_points(book: PriceBook) -> None:
    lam = book.aws_lambda
    assert vcpu_share(lam.one_vcpu_mb) == pytest.approx(1.0)
    assert vcpu_share(lam.memory_max_mb) == pytest.approx(lam.max_vcpus)
    assert vcpu_share(lam.memory_min_mb) == pytest.approx(lam.memory_min_mb / lam.one_vcpu_mb)


def test_single_threaded_code_gains_nothing_beyond_one_vcpu(book: PriceBook) -> None:
    one_vcpu = book.aws_lambda.one_vcpu_mb
    assert model_duration_ms(400, one_vcpu) == pytest.approx(400)
    assert model_duration_ms(400, 3008) == pytest.approx(400)
    assert model_duration_ms(400, 10240) == pytest.approx(400)
    half = model_duration_ms(400, round(one_vcpu / 2))
    assert half == pytest.approx(800, rel=0.01)


def test_parallel_code_speeds_up_with_more_vcpus(book: PriceBook) -> None:
    lam = book.aws_lambda
    parallel = model_duration_ms(600, lam.memory_max_mb, parallel_fraction=1.0)
    assert parallel == pytest.approx(600 / lam.max_vcpus)
    half = model_duration_ms(600, lam.memory_max_mb, parallel_fraction=0.5)
    assert half == pytest.approx(300 + 300 / lam.max_vcpus)


def test_waiting_time_does_not_shrink_with_memory() -> None:
    assert model_duration_ms(100, 3008, io_ms=50) == pytest.approx(
        model_duration_ms(100, 3008) + 50
    )


def test_modelled_results_say_they_are_a_model() -> None:
    model = PowerTuningResult.from_model(400, parallel_fraction=0.0)
    assert model.is_model
    assert "MODEL, not a measurement" in model.plot().axes[0].get_title()
    assert "MODEL" in model._repr_html_() and "MODEL" in str(model)
    measured = _result()
    assert "MODEL" not in measured.plot().axes[0].get_title()
    # A single-threaded model gets no faster above one vCPU, so the largest size is never cheaper.
    assert model.best("cost").memory_mb < max(model.memory_sizes)


def test_html_is_static_and_links_the_chart() -> None:
    page = _result()._repr_html_()
    assert "<script" not in page
    assert "lambda-power-tuning.show/#" in page
