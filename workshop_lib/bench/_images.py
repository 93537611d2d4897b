"""The image batch figure: the batch (Map) workflow against the same Pillow work done directly.

Both sides process the same 12-megapixel photos with the same parallelism: the Map runs at most
`concurrency` images at a time through the deployed Lambda functions (S3 in and out, tracking in
DynamoDB, Step Functions in between); the direct side runs the very same picture code
(`stages.process_in_memory`: validate, resize, filter, optimize) in a pool of as many worker
processes, reading the files from disk. Both sides are warmed first, so the ratio is what the
orchestration costs, not cold starts.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

from ..errors import WorkshopError
from ..images_app import photo_cache

DEFAULT_COUNT = 20
DEFAULT_MEGAPIXELS = 12.0
_WARM_MEGAPIXELS = 0.5
_WARM_SEED = 1000  # different pictures from the measured ones


DEFAULT_CONCURRENCY = 4
"""The batch workflow's own default (BatchConcurrency in template.yaml)."""


def _process_file(path: str) -> int:
    # Runs in a worker process: the Lambdas' own code, on a file instead of an S3 object.
    from ..images_app import lambda_code

    outputs = lambda_code().stages.process_in_memory(Path(path).read_bytes())
    return sum(output.bytes for output in outputs)


def _direct_seconds(paths: list[Path], warm: list[Path], concurrency: int) -> float:
    # "spawn": a clean interpreter per worker, like a Lambda environment (no forked state).
    with ProcessPoolExecutor(max_workers=concurrency, mp_context=get_context("spawn")) as pool:
        list(pool.map(_process_file, [str(p) for p in warm]))
        started = time.perf_counter()
        list(pool.map(_process_file, [str(p) for p in paths]))
        return time.perf_counter() - started


def measure_image_batch(
    figures: dict[str, float],
    *,
    count: int = DEFAULT_COUNT,
    megapixels: float = DEFAULT_MEGAPIXELS,
    concurrency: int | None = None,
    cache_dir: Path | None = None,
) -> None:
    """Add `image_batch_map_s`, `image_batch_direct_s` and `image_batch_ratio` (Map / direct)
    to `figures`. Needs the local cloud running; deploys the image processor and removes it."""
    from ..gallery import large_photo, large_photos
    from ..images_app import ImageApp

    workers = concurrency or DEFAULT_CONCURRENCY
    folder = cache_dir or photo_cache()
    photos = large_photos(folder, count, megapixels)
    warm = [large_photo(folder, _WARM_MEGAPIXELS, _WARM_SEED + i) for i in range(workers)]
    app = ImageApp.deploy()
    try:
        run = uuid.uuid4().hex[:6]
        for path in warm:
            app.put(path, folder=f"bench-{run}/warm/")
        for path in photos:
            app.put(path, folder=f"bench-{run}/photos/")
        warmed = app.run_batch(f"bench-{run}/warm/", concurrency=workers)
        measured = app.run_batch(f"bench-{run}/photos/", concurrency=workers, timeout=900)
        for batch in (warmed, measured):
            if batch.status != "SUCCEEDED" or batch.summary.get("failed"):
                raise WorkshopError(
                    f"The benchmark's batch did not process every photo: {batch.summary}.",
                    hint="Run the image processor's tests (tests/test_image_e2e.py).",
                )
    finally:
        app.destroy()
    # Step Functions' own start and stop times: no polling delay on our side.
    map_seconds = measured.seconds or 0.0
    direct_seconds = _direct_seconds(photos, warm, workers)
    figures["image_batch_map_s"] = map_seconds
    figures["image_batch_direct_s"] = direct_seconds
    figures["image_batch_ratio"] = map_seconds / direct_seconds
