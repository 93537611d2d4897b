"""`workshop bench`: the local cloud's speed, measured side by side in one run, as ratios."""

from ._core import Benchmark, BenchResult, run_benchmarks

__all__ = ["BenchResult", "Benchmark", "run_benchmarks"]
