"""The in-process JSONata evaluator on its own (no cloud): AWS's functions, JSON values out,
and evaluation from many threads at once, as a Map's iterations do."""

from __future__ import annotations

import random
import threading

import pytest

from workshop_lib.asl import UNDEFINED, evaluate, js_number_text


def test_null_and_undefined_are_told_apart():
    bindings = {"states": {"input": {"none": None, "list": [1, None]}}}
    assert evaluate("$states.input.none", bindings) is None
    assert evaluate("$states.input.missing", bindings) is UNDEFINED
    assert evaluate("$states.input.list", bindings) == [1, None]
    assert evaluate("10 / 2", {}) == 5 and isinstance(evaluate("10 / 2", {}), int)


@pytest.mark.parametrize(
    ("value", "text"),
    [(1e20, "100000000000000000000"), (1e21, "1e+21"), (0.1 + 0.2, "0.3"), (1e-7, "1e-7")],
)
def test_numbers_as_jsonata_js_writes_them(value, text):
    assert js_number_text(value) == text


def test_many_threads_evaluate_at_once():
    expression = (
        "($map($states.input.items, function($v, $i) { $v * 2 + $i }) ~> $sum())"
        " & '-' & $join($sort($states.input.items).$string(), ',')"
    )
    failures: list[object] = []

    def work() -> None:
        for _ in range(100):
            items = [random.randint(0, 9) for _ in range(5)]
            expected = f"{sum(v * 2 + i for i, v in enumerate(items))}-" + ",".join(
                str(v) for v in sorted(items)
            )
            try:
                got = evaluate(expression, {"states": {"input": {"items": items}}})
            except Exception as error:  # a failure is what the test reports
                failures.append(error)
                continue
            if got != expected:
                failures.append((got, expected))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
