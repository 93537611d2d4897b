"""workshop_lib.bench._distributed_map: the Distributed Map figure (photos in S3 through a
Distributed Map vs the same Pillow work directly)."""

from __future__ import annotations

from workshop_lib import clients
from workshop_lib.bench._core import GOALS, BenchResult
from workshop_lib.bench._distributed_map import measure_distributed_map


def test_the_distributed_map_figures_are_measured_and_leave_nothing_behind(local_cloud, tmp_path):
    buckets_before = {b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]}
    figures: dict[str, float] = {}
    measure_distributed_map(
        figures, count=12, megapixels=0.1, cache_dir=tmp_path, server_pid=local_cloud.pid
    )
    assert set(figures) == {
        "distributed_map_12_s",
        "distributed_map_direct_s",
        "distributed_map_ratio",
        "distributed_map_peak_mb",
    }
    assert figures["distributed_map_12_s"] > 0 and figures["distributed_map_direct_s"] > 0
    # The cloud and its Lambda workers hold at least a Python interpreter's worth of memory.
    assert 30 < figures["distributed_map_peak_mb"] < 3072
    buckets_after = {b["Name"] for b in clients.client("s3").list_buckets()["Buckets"]}
    assert buckets_after == buckets_before, "the benchmark removes its bucket"
    # make bench's goal divides the 1,000-photo figure by the direct one.
    (goal,) = [g for g in GOALS if g.numerator == "distributed_map_1000_s"]
    assert goal.denominator == "distributed_map_direct_s" and goal.limit == 1.5
    figures["distributed_map_1000_s"] = figures["distributed_map_12_s"]
    ((_, value, _),) = [row for row in BenchResult(figures).ratios() if row[0] is goal]
    assert value == figures["distributed_map_ratio"]
