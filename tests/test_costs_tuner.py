"""Power tuning a deployed function: the offline model and real invocations per memory size."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import uuid

import pytest
from conftest import zip_source

from workshop_lib import clients
from workshop_lib.costs import CostInputError, invoke_cost, trimmed_mean, tune_function
from workshop_lib.pricing import load_prices

BUSY = """
def handler(event, context):
    if int(context.memory_limit_in_mb) == event.get("fail_at"):
        raise RuntimeError("not at this size")
    return sum(i * i for i in range(event.get("n", 20000)))
"""


@pytest.fixture(scope="module")
def busy(lambda_role) -> str:
    name = f"busy-{uuid.uuid4().hex[:6]}"
    clients.client("lambda").create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=lambda_role,
        Handler="app.handler",
        MemorySize=512,
        Code={"ZipFile": zip_source({"app.py": BUSY})},
    )
    return name


def _memory(name: str) -> int:
    return clients.client("lambda").get_function_configuration(FunctionName=name)["MemorySize"]


def test_offline_the_durations_are_modelled_from_measured_cpu_time(busy):
    run = tune_function(busy, {"n": 20000}, memory_sizes=(3008, 128, 1769), invocations=4)
    assert run.method == "model" and run.is_model
    assert run.result.memory_sizes == (128, 1769, 3008)
    assert len(run.cpu_ms) == len(run.waiting_ms) == 4
    assert all(cpu > 0 for cpu in run.cpu_ms)
    # Single-threaded work: slower below one vCPU, no faster above it.
    slow, one_vcpu, more = run.result.durations_ms
    assert slow > one_vcpu == pytest.approx(more)
    assert _memory(busy) == 512  # the model never changes the function


def test_the_model_scales_cpu_time_by_the_documented_vcpu_share(busy):
    run = tune_function(busy, {"n": 5000}, memory_sizes=(128, 1769), invocations=3)
    one_vcpu_mb = load_prices().aws_lambda.one_vcpu_mb
    at_128, at_one_vcpu = run.result.durations_ms
    cpu = (at_128 - at_one_vcpu) / (one_vcpu_mb / 128 - 1)
    assert cpu == pytest.approx(trimmed_mean(run.cpu_ms))
    assert at_one_vcpu - cpu == pytest.approx(trimmed_mean(run.waiting_ms))
    assert run.result.costs[0] == pytest.approx(invoke_cost(128, at_128))


def test_measuring_invokes_at_each_size_and_restores_the_memory(busy):
    run = tune_function(busy, {"n": 1000}, memory_sizes=(128, 256), invocations=3, method="measure")
    assert run.method == "measure" and not run.is_model
    assert set(run.samples_ms) == {128, 256}
    assert all(len(values) == 3 for values in run.samples_ms.values())
    assert all(value >= 1 for values in run.samples_ms.values() for value in values)
    assert _memory(busy) == 512
    assert run.best("speed").memory_mb in (128, 256)


def test_the_memory_is_restored_even_when_a_size_fails(busy):
    with pytest.raises(CostInputError, match="failed"):
        tune_function(
            busy, {"fail_at": 256}, memory_sizes=(128, 256), invocations=1, method="measure"
        )
    assert _memory(busy) == 512


def test_the_run_displays_its_method_and_the_power_tuning_link(busy):
    run = tune_function(busy, {"n": 1000}, memory_sizes=(128, 512), invocations=2)
    page = run._repr_html_()
    assert "MODEL" in page
    assert "lambda-power-tuning.show" in page
    assert run.visualization_url().startswith("https://lambda-power-tuning.show/#")
    assert run.plot() is not None
    assert run.duration_at(512) == run.result.durations_ms[1]
    with pytest.raises(CostInputError):
        run.duration_at(1024)


def test_unknown_functions_and_methods_are_explained(busy):
    with pytest.raises(CostInputError, match="no function"):
        tune_function("does-not-exist", invocations=1)
    with pytest.raises(CostInputError, match="Unknown method"):
        tune_function(busy, method="guess")
